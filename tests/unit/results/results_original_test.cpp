// The rest of the results contract as the original applies it (issue 13
// item 2, docs/compatibility.md "Results file"): duplicates of one workload
// file, span results derived from a timeline, presets shown as the policies
// they stand for, gate reasons in the original's words, the shape of the
// workload metadata, and what counts as an inventory. Each decision has an
// accepting and a refusing case.

#include "unit/results/results_test_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hb::bench::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Json&
first_scenario(Json& document)
{
  return document["scenarios"][0];
}

Result<BenchResults>
parse_in(const Json& document, const fs::path& workspace)
{
  ParseOptions options = test_options();
  options.workspace = workspace;
  return parse_results(dump_json(document), options);
}

Json
two_with_files(const std::string& first, const std::string& second)
{
  Json document = minimal_document();
  first_scenario(document)["file"] = first;
  document["scenarios"].push_back(first_scenario(document));
  document["scenarios"][1]["file"] = second;
  document["scenarios"][1]["metrics"]["p95_ms"] = 200;
  return document;
}

// ---- Duplicate ids from one source file ----

class ResultsDuplicates : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_root = fs::temp_directory_path()
             / ("hb-dup-test-" + std::to_string(::getpid()) + "-"
                + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_root);
    fs::create_directories(m_root / "component" / "bench");
    fs::create_directories(m_root / "extension" / "workloads");
    std::ofstream(m_root / "extension" / "workloads" / "boot.php") << "<?php\n";
    std::ofstream(m_root / "component" / "bench" / "other.php") << "<?php\n";
  }
  void TearDown() override { fs::remove_all(m_root); }

  fs::path workspace() const { return m_root / "component"; }
  fs::path m_root;
};

TEST_F(ResultsDuplicates, TheSamePathTwiceKeepsTheFirst)
{
  auto parsed = parse_in(two_with_files("bench/other.php", "./bench/other.php"), workspace());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->scenarios.size(), 1u);
  EXPECT_EQ(*parsed->scenarios[0].metric("p95_ms"), 120.5) << "the first entry is kept";
  EXPECT_EQ((*parsed->document)["scenarios"].size(), 1u);
}

TEST_F(ResultsDuplicates, ASymlinkIntoTheComponentIsTheWorkspaceCopyAndWins)
{
  const fs::path outside = m_root / "extension" / "workloads" / "boot.php";
  fs::create_symlink(outside, workspace() / "bench" / "boot.php");
  // The extension's copy comes first; the component's symlink to it wins.
  auto parsed = parse_in(two_with_files(outside.string(), "bench/boot.php"), workspace());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->scenarios.size(), 1u);
  EXPECT_EQ(parsed->scenarios[0].file, "bench/boot.php");
  EXPECT_EQ(*parsed->scenarios[0].metric("p95_ms"), 200);
  const Json& doc = *parsed->document;
  ASSERT_EQ(doc["scenarios"].size(), 1u);
  EXPECT_EQ(doc["scenarios"][0]["file"], "bench/boot.php");
  EXPECT_EQ(doc["scenarios"][0]["metrics"]["p95_ms"], 200);

  // In the other order the workspace copy is already first.
  parsed = parse_in(two_with_files("bench/boot.php", outside.string()), workspace());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->scenarios.size(), 1u);
  EXPECT_EQ(parsed->scenarios[0].file, "bench/boot.php");
}

TEST_F(ResultsDuplicates, DifferentFilesStayAnError)
{
  Json document = two_with_files("bench/other.php", "bench/another.php");
  auto parsed = parse_in(document, workspace());
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message,
              HasSubstr("duplicate scenario id \"cold-boot\": scenarios[0] and scenarios[1]; "
                        "scenario ids must be unique; they come from different files, "
                        "\"bench/other.php\" and \"bench/another.php\""));
}

TEST_F(ResultsDuplicates, ACopyWithTheSameContentIsAnotherFile)
{
  std::ofstream(workspace() / "bench" / "boot.php") << "<?php\n"; // a copy, not a link
  auto parsed = parse_in(
    two_with_files((m_root / "extension" / "workloads" / "boot.php").string(), "bench/boot.php"),
    workspace());
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message, HasSubstr("duplicate scenario id \"cold-boot\""));
}

TEST_F(ResultsDuplicates, WithoutAFileADuplicateIsAnError)
{
  Json document = two_with_files("bench/other.php", "bench/other.php");
  document["scenarios"][1].erase("file");
  auto parsed = parse_in(document, workspace());
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message, HasSubstr("scenario ids must be unique"));
}

// ---- span_results from a timeline ----

Json
with_spans(const Json& definitions, const Json& timeline)
{
  Json document = minimal_document();
  first_scenario(document)["span_definitions"] = definitions;
  first_scenario(document)["timeline"] = timeline;
  return document;
}

Json
spans_of(const Json& document)
{
  BenchResults results = parse_ok(document);
  return results.document ? (*results.document)["scenarios"][0]["span_results"] : Json();
}

TEST(ResultsSpans, DerivedAsTheOriginalDoes)
{
  // The original's own example (a trace run in the sample bundle).
  Json spans = spans_of(with_spans(
    Json::parse(R"([{"id": "boot", "from": "runner.start", "to": "wp.ready"},
                    {"id": "first_paint", "from": "wp.ready",
                     "to": "browser.largest_contentful_paint"}])"),
    Json::parse(R"([{"event": "start", "source": "runner", "t_ms": 0},
                    {"event": "ready", "source": "wp", "t_ms": 1184},
                    {"data": {"status": 200, "url": "/"}, "event": "first_response",
                     "source": "http", "t_ms": 1496}])")));
  EXPECT_EQ(dump_json(spans),
            R"([{"id":"boot","from":"runner.start","to":"wp.ready","status":"ok",)"
            R"("duration_ms":1184,"from_t_ms":0,"to_t_ms":1184},)"
            R"({"id":"first_paint","from":"wp.ready","to":"browser.largest_contentful_paint",)"
            R"("status":"skipped","from_t_ms":1184,"missing":["browser.largest_contentful_paint"],)"
            R"("message":"span endpoint missing from timeline"}])");
}

TEST(ResultsSpans, ARunnersOwnSpanResultsAreReplaced)
{
  Json document = with_spans(
    Json::parse(R"([{"id": "s", "from": "a.x", "to": "a.y"}])"),
    Json::parse(R"([{"t_ms": 10, "source": "a", "event": "x"},
                    {"t_ms": 45, "source": "a", "event": "y"}])"));
  first_scenario(document)["span_results"] = Json::parse(R"([{"id": "stale"}])");
  Json spans = spans_of(document);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]["id"], "s");
  EXPECT_EQ(spans[0]["duration_ms"], 35);

  // Without definitions nothing is derived and the runner's are kept.
  Json kept = minimal_document();
  first_scenario(kept)["span_results"] = Json::parse(R"([{"id": "own"}])");
  EXPECT_EQ(spans_of(kept)[0]["id"], "own");
}

TEST(ResultsSpans, TheShortestOrderedPairAndTheSelectors)
{
  Json timeline = Json::parse(R"([
    {"t_ms": 0, "source": "req", "event": "start", "data": {"n": 1}},
    {"t_ms": 50, "source": "req", "event": "end"},
    {"t_ms": 60, "source": "req", "event": "start", "data": {"n": 2}},
    {"t_ms": 70, "source": "req", "event": "end"},
    {"t_ms": 100, "source": "page", "event": "load",
     "data": {"events": [{"t": 5, "source": "page", "event": "paint"}]}}
  ])");
  Json spans = spans_of(with_spans(Json::parse(R"([
    {"id": "any", "from": "req.start", "to": "req.end"},
    {"id": "first", "from": "req.start[data.n=1]", "to": "req.end[occurrence=1]"},
    {"id": "last", "from": "req.start[last]", "to": "req.end[last]"},
    {"id": "nested", "from": "page.load", "to": "page.paint"},
    {"id": "backwards", "from": "req.end[last]", "to": "req.start[occurrence=1]"},
    {"id": "phase.a_to_b", "from": "req.end[last]", "to": "req.start[occurrence=1]"},
    {"id": "broken", "from": "req.start[", "to": "req.end"},
    {"id": "zero", "from": "req.start[occurrence=0]", "to": "req.end"}
  ])"), timeline));
  ASSERT_EQ(spans.size(), 8u);
  EXPECT_EQ(spans[0]["duration_ms"], 10) << "the shortest pair with the end after the start";
  EXPECT_EQ(spans[0]["from_t_ms"], 60);
  EXPECT_EQ(spans[1]["duration_ms"], 50);
  EXPECT_EQ(spans[2]["duration_ms"], 10);
  EXPECT_EQ(spans[3]["duration_ms"], 5) << "nested data.events count, at parent t + t";
  EXPECT_EQ(spans[4]["status"], "skipped");
  EXPECT_EQ(spans[4]["message"], "span end occurred before span start");
  EXPECT_EQ(spans[5]["message"], "phase milestone `req.start[occurrence=1]` occurred at 0ms "
                                 "before previous milestone `req.end[last]` at 70ms; phase "
                                 "chain is non-monotonic");
  EXPECT_EQ(spans[6]["message"],
            "invalid span endpoint selector `req.start[`: missing closing `]`");
  EXPECT_EQ(spans[7]["message"],
            "invalid span endpoint selector `req.start[occurrence=0]`: occurrence must be 1 or "
            "greater");
}

TEST(ResultsSpans, MalformedDefinitionsAndTimelinesAreRefused)
{
  struct Case
  {
    Json definitions;
    Json timeline;
    const char* message;
    const char* key;
  };
  const std::vector<Case> cases = {
    {Json::parse(R"({"s": {"from": "a.x", "to": "a.y"}})"), Json::array(),
     "\"span_definitions\" must be an array of {id, from, to}, got object", "span_definitions"},
    {Json::parse(R"([{"id": "s", "from": "a.x"}])"), Json::array(),
     "span_definitions[0].to must be a non-empty string, got nothing", "span_definitions"},
    {Json::parse(R"([{"id": " ", "from": "a.x", "to": "a.y"}])"), Json::array(),
     "span_definitions[0].id must be a non-empty string, got string \" \"", "span_definitions"},
    {Json::parse(R"([{"id": "s", "from": "a.x", "to": "a.y"}])"), Json::object(),
     "\"timeline\" must be an array of {t_ms, source, event, data?}, got object", "timeline"},
    {Json::parse(R"([{"id": "s", "from": "a.x", "to": "a.y"}])"),
     Json::parse(R"([{"t_ms": -1, "source": "a", "event": "x"}])"),
     "timeline[0] must be an event {t_ms: unsigned integer, source: string, event: string, "
     "data?: object}, got object",
     "timeline"},
    {Json::parse(R"([{"id": "s", "from": "a.x", "to": "a.y"}])"),
     Json::parse(R"([{"t_ms": 1, "source": "a"}])"), "timeline[0] must be an event", "timeline"},
  };
  for (const auto& c : cases) {
    Error error = doc_error(with_spans(c.definitions, c.timeline));
    EXPECT_THAT(error.message, HasSubstr(std::string("scenario \"cold-boot\": ") + c.message));
    EXPECT_EQ(details(error)["key"], c.key);
    EXPECT_EQ(details(error)["scenario"], "cold-boot");
  }
}

// ---- Presets in the output ----

TEST(ResultsPresetOutput, PresetsShowAsThePoliciesTheyStandFor)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"]["failure_rate"] = 0.5;
  document["metric_policies"] = Json::parse(R"({"p95_ms": {"direction": "lower"}})");
  document["metric_policy_presets"] = Json::parse(R"({
    "p95_ms": {"preset": "memory_regression"},
    "failure_rate": {"preset": "max_failure_rate", "max": 0.02},
    "peak_bytes": {"preset": "absolute_budget", "max": 100}
  })");
  BenchResults results = parse_ok(document);
  const Json& doc = *results.document;
  EXPECT_EQ(dump_json(doc["metric_policies"]),
            R"({"p95_ms":{"direction":"lower_is_better"},)"
            R"("failure_rate":{"direction":"lower_is_better","regression_threshold_percent":0.0}})")
    << "the explicit policy wins; a gate-only preset adds no policy";
  EXPECT_TRUE(doc.contains("metric_policy_presets")) << "the presets themselves stay";
  // The preset's gate joins the scenario's gates, as the original lists them.
  EXPECT_EQ(dump_json(doc["scenarios"][0]["gates"]),
            R"([{"metric":"failure_rate","op":"lte","value":0.02}])");

  // Without presets, metric_policies stays as written.
  Json plain = minimal_document();
  plain["metric_policies"] = Json::parse(R"({"p95_ms": {"direction": "lower"}})");
  EXPECT_EQ(dump_json((*parse_ok(plain).document)["metric_policies"]),
            R"({"p95_ms":{"direction":"lower"}})");
}

// ---- Gate reasons ----

TEST(ResultsGateReasons, FailedGatesCarryTheOriginalsSentence)
{
  Json document = minimal_document();
  first_scenario(document)["id"] = "rest-pipelines-list";
  first_scenario(document)["metrics"]["p95_ms"] = 262.4;
  first_scenario(document)["gates"] = Json::parse(R"([
    {"metric": "p95_ms", "op": "lte", "value": 250},
    {"metric": "p95_ms", "op": "gte", "value": 1},
    {"metric": "absent", "op": "eq", "value": 1}
  ])");
  BenchResults results = parse_ok(document);
  ASSERT_EQ(results.gate_results.size(), 3u);
  EXPECT_EQ(results.gate_results[0].reason,
            "scenario `rest-pipelines-list` gate failed: p95_ms lte 250 (actual 262.4)");
  EXPECT_EQ(results.gate_results[1].reason, "");
  EXPECT_EQ(results.gate_results[2].reason,
            "scenario `rest-pipelines-list` gate failed: metric `absent` is missing");
  const Json& gates = (*results.document)["scenarios"][0]["gate_results"];
  EXPECT_EQ(gates[0]["reason"], results.gate_results[0].reason);
  EXPECT_FALSE(gates[1].contains("reason")) << "as the original: no reason on a passing gate";
  EXPECT_EQ(results.budget_findings.at(0).message, results.gate_results[0].reason);
}

// ---- Workload metadata ----

TEST(ResultsWorkloadMetadata, TopLevelMetadataAndGroupsMustBeObjectsOfNumbers)
{
  Json fine = minimal_document();
  fine["metadata"] = {{"corpus", "large"}};
  fine["metric_groups"] = {{"prompt", {{"tokens", 12}}}};
  EXPECT_NO_FATAL_FAILURE(parse_ok(fine));

  struct Case
  {
    const char* key;
    Json value;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"metadata", "big", "top-level \"metadata\" must be an object, got string \"big\""},
    {"metadata", Json::array({1}), "top-level \"metadata\" must be an object, got array"},
    {"metric_groups", 3, "top-level \"metric_groups\" must be an object {group: {metric: number}}, got "
                         "number 3"},
    {"metric_groups", {{"prompt", {{"tokens", "many"}}}},
     "top-level metric_groups \"prompt\": metric \"tokens\" must be a finite number, got string \"many\""},
  };
  for (const auto& c : cases) {
    Json document = minimal_document();
    document[c.key] = c.value;
    Error error = doc_error(document);
    EXPECT_THAT(error.message, HasSubstr(std::string(k_file) + ": " + c.message)) << c.key;
    EXPECT_EQ(details(error)["key"], c.key);
  }
}

TEST(ResultsWorkloadMetadata, ScenarioGroupsNameTheScenarioGroupAndMetric)
{
  Json document = minimal_document();
  first_scenario(document)["metric_groups"] = {{"prompt", {{"hash_match", true}}}};
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr("scenario \"cold-boot\": metric_groups \"prompt\": metric "
                                       "\"hash_match\" must be a finite number, got boolean "
                                       "true"));
  EXPECT_EQ(details(error)["scenario"], "cold-boot");
  EXPECT_EQ(details(error)["group"], "prompt");
  EXPECT_EQ(details(error)["metric"], "hash_match");
}

// ---- Inventories ----

TEST(ResultsInventory, MeasuredNothing)
{
  EXPECT_FALSE(measured_nothing(parse_ok(minimal_document())));
  Json inventory = Json::parse(R"({"component_id": "c", "iterations": 0, "scenarios": [
    {"id": "a", "iterations": 0, "metrics": {}}, {"id": "b", "iterations": 0, "metrics": []}]})");
  EXPECT_TRUE(measured_nothing(parse_ok(inventory)));
  Json empty = Json::parse(R"({"component_id": "c", "iterations": 10, "scenarios": []})");
  EXPECT_TRUE(measured_nothing(parse_ok(empty)));
  Json zero_iterations = minimal_document();
  zero_iterations["iterations"] = 0;
  first_scenario(zero_iterations)["iterations"] = 0;
  EXPECT_TRUE(measured_nothing(parse_ok(zero_iterations)))
    << "iterations 0 everywhere is an inventory even with a metric in it";
}

} // namespace
} // namespace hb::bench::test

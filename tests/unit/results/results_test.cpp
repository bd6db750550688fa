// The results contract: JSON reading, top-level keys, scenarios, metrics and
// artifacts (compat.md "Results file (BenchResults)").

#include "unit/results/results_test_support.hpp"

#include <fstream>

namespace hb::bench::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

Json&
first_scenario(Json& document)
{
  return document["scenarios"][0];
}

// ---- JSON reading ----

TEST(ResultsJson, MinimalDocumentParses)
{
  BenchResults results = parse_ok(minimal_document());
  EXPECT_EQ(results.component_id, "studio");
  EXPECT_EQ(results.iterations, 10u);
  ASSERT_EQ(results.scenarios.size(), 1u);
  const Scenario& scenario = results.scenarios[0];
  EXPECT_EQ(scenario.id, "cold-boot");
  EXPECT_EQ(scenario.iterations, 10u);
  ASSERT_NE(scenario.metric("p95_ms"), nullptr);
  EXPECT_DOUBLE_EQ(*scenario.metric("p95_ms"), 120.5);
  EXPECT_EQ(scenario.metric("p50_ms"), nullptr);
  EXPECT_TRUE(scenario.passed);
  EXPECT_TRUE(scenario.failure_reasons.empty());
  EXPECT_TRUE(results.passed());
  EXPECT_TRUE(results.policies.empty());
  ASSERT_NE(results.document, nullptr);
  EXPECT_EQ((*results.document)["component_id"], "studio");
  // Every scenario of the document carries its verdict and gate results.
  EXPECT_EQ((*results.document)["scenarios"][0]["passed"], true);
  EXPECT_EQ((*results.document)["scenarios"][0]["gate_results"], Json::array());
}

TEST(ResultsJson, EmptyScenarioListIsValid)
{
  auto parsed = parse_text(R"({"component_id":"c","iterations":0,"scenarios":[]})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->scenarios.empty());
  EXPECT_TRUE(parsed->passed());
}

TEST(ResultsJson, NotAnObjectSaysWhatItGot)
{
  Error error = text_error("[1, 2]");
  EXPECT_EQ(error.message, std::string(k_file)
                             + ": must contain a JSON object {component_id, iterations, "
                               "scenarios}, got array");
  EXPECT_THAT(text_error("\"text\"").message, HasSubstr("got string \"text\""));
}

TEST(ResultsJson, EmptyTextIsInvalid)
{
  EXPECT_THAT(text_error("").message, HasSubstr("the document is empty"));
  EXPECT_THAT(text_error(" \n\t ").message, HasSubstr("the document is empty"));
}

TEST(ResultsJson, SyntaxErrorNamesFileAndPosition)
{
  Error error = text_error("{\"component_id\": \"c\",, }");
  EXPECT_THAT(error.message, HasSubstr("is not valid JSON"));
  EXPECT_THAT(error.message, HasSubstr("line 1, column"));
  EXPECT_THAT(error.message, Not(HasSubstr("ended early")));
  EXPECT_TRUE(details(error).contains("byte"));
}

TEST(ResultsJson, TruncatedDocumentSaysItEndedEarly)
{
  EXPECT_THAT(text_error(R"({"component_id": "c", "iterations": 10)").message,
              HasSubstr("the document ended early"));
  EXPECT_THAT(text_error(R"({"component_id": "c", "scenarios": [{"id": "a)").message,
              HasSubstr("the document ended early"));
  EXPECT_THAT(text_error(R"({"component_id": "c", "ok": tru)").message,
              HasSubstr("the document ended early"));
}

TEST(ResultsJson, NaNIsNamedExplicitly)
{
  Error error = text_error("{\"component_id\": \"c\",\n \"iterations\": 1,\n"
                           " \"scenarios\": [{\"id\": \"a\", \"iterations\": 1,"
                           " \"metrics\": {\"p95_ms\": NaN}}]}");
  EXPECT_THAT(error.message, HasSubstr("NaN and Infinity are not valid JSON numbers"));
  EXPECT_THAT(error.message, HasSubstr("found NaN at line 3, column"));
  EXPECT_THAT(error.message, HasSubstr("omit the metric"));
}

TEST(ResultsJson, InfinityAndNegativeInfinityAreNamed)
{
  EXPECT_THAT(text_error(R"({"component_id": "c", "x": Infinity})").message,
              HasSubstr("found Infinity at line 1, column 28; NaN and Infinity are not valid "
                        "JSON numbers"));
  EXPECT_THAT(text_error(R"({"component_id": "c", "x": -Infinity})").message,
              HasSubstr("found -Infinity"));
}

TEST(ResultsJson, NaNInsideAStringIsNotBlamed)
{
  // The string mentions NaN; the real error is the missing comma.
  Error error = text_error(R"({"component_id": "NaN" "iterations": 1})");
  EXPECT_THAT(error.message, Not(HasSubstr("NaN and Infinity")));
  EXPECT_THAT(error.message, HasSubstr("is not valid JSON"));
}

TEST(ResultsJson, NaNInsideAStringIsData)
{
  Json document = minimal_document();
  first_scenario(document)["tags"] = {"NaN", "Infinity"};
  EXPECT_THAT(parse_ok(document).scenarios[0].tags, ElementsAre("NaN", "Infinity"));
}

TEST(ResultsJson, OverflowingNumberIsRefusedAsNonFinite)
{
  Error error = text_error(R"({"component_id": "c", "iterations": 1, "scenarios": [
    {"id": "a", "iterations": 1, "metrics": {"p95_ms": 1e999}}]})");
  EXPECT_THAT(error.message, HasSubstr("the number 1e999 at line 2, column"));
  EXPECT_THAT(error.message, HasSubstr("overflows a double; every number must be finite"));
}

// ---- Top-level keys ----

TEST(ResultsTopLevel, StrippedKeysAreRemovedBeforeStrictChecks)
{
  Json document = minimal_document();
  document["schema"] = "homeboy.bench.v2";
  document["lifecycle"] = {{"phase", "done"}};
  document["reset_policy"] = "per_iteration";
  document["warmup_iterations"] = 2;
  BenchResults results = parse_ok(document);
  for (const char* key : {"schema", "lifecycle", "reset_policy", "warmup_iterations"}) {
    EXPECT_FALSE(results.document->contains(key)) << key;
  }
}

TEST(ResultsTopLevel, ProvenanceIsKeptOnlyWithLinksOrLabels)
{
  Json document = minimal_document();
  document["provenance"] = {{"git_sha", "abc"}};
  EXPECT_FALSE(parse_ok(document).document->contains("provenance"));

  document["provenance"] = "free text";
  EXPECT_FALSE(parse_ok(document).document->contains("provenance"));

  document["provenance"] = {{"links", {{"pr", "https://example.test/1"}}}};
  EXPECT_EQ((*parse_ok(document).document)["provenance"]["links"]["pr"],
            "https://example.test/1");

  document["provenance"] = {{"labels", {"nightly"}}};
  EXPECT_TRUE(parse_ok(document).document->contains("provenance"));
}

TEST(ResultsTopLevel, AllEighteenKeysAreAccepted)
{
  Json document = minimal_document();
  for (const char* key : {"run_metadata", "diagnostics", "child_command_failures", "metadata",
                          "timeline", "span_definitions", "phase_events",
                          "phase_summaries", "failure_classification", "responsiveness"}) {
    document[key] = {{"anything", 1}};
  }
  document["metric_groups"] = {{"anything", {{"m", 1}}}}; // {group: {metric: number}}
  document["provenance"] = {{"links", Json::array()}};
  document["budget_findings"] = Json::array();
  document["metric_policies"] = Json::object();
  document["metric_policy_presets"] = Json::object();
  BenchResults results = parse_ok(document);
  ASSERT_TRUE(results.document);
  EXPECT_EQ(results.document->size(), 18u);
}

TEST(ResultsTopLevel, UnknownKeyIsNamedWithTheAllowedKeys)
{
  Json document = minimal_document();
  document["artifacts"] = Json::object();
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr(": unknown top-level key \"artifacts\"; allowed keys: "
                                       "component_id, iterations, scenarios, provenance, "));
  EXPECT_THAT(error.message, HasSubstr("metric_policies, metric_policy_presets"));
  EXPECT_EQ(details(error)["key"], "artifacts");
}

TEST(ResultsTopLevel, ComponentIdIsARequiredNonEmptyString)
{
  Json document = minimal_document();
  document.erase("component_id");
  Error missing = doc_error(document);
  EXPECT_THAT(missing.message, HasSubstr("missing required key \"component_id\""));
  EXPECT_EQ(details(missing)["key"], "component_id");

  document["component_id"] = 7;
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("\"component_id\" must be a non-empty string, got number 7"));
  document["component_id"] = "";
  EXPECT_THAT(doc_error(document).message, HasSubstr("got string \"\""));
  document["component_id"] = nullptr;
  EXPECT_THAT(doc_error(document).message, HasSubstr("got null"));
}

TEST(ResultsTopLevel, IterationsIsARequiredUnsignedInteger)
{
  Json document = minimal_document();
  document.erase("iterations");
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("missing required key \"iterations\" (an unsigned integer)"));
  document["iterations"] = -1;
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("\"iterations\" must be an unsigned integer, got number -1"));
  document["iterations"] = 2.5;
  EXPECT_THAT(doc_error(document).message, HasSubstr("got number 2.5"));
  document["iterations"] = "10";
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr("got string \"10\""));
  EXPECT_EQ(details(error)["key"], "iterations");
}

TEST(ResultsTopLevel, ScenariosIsARequiredArray)
{
  Json document = minimal_document();
  document.erase("scenarios");
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("missing required key \"scenarios\" (an array)"));
  document["scenarios"] = Json::object();
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("\"scenarios\" must be an array, got object"));
}

// ---- Scenarios ----

TEST(ResultsScenario, NotAnObject)
{
  Json document = minimal_document();
  document["scenarios"].push_back("warm-boot");
  Error error = doc_error(document);
  EXPECT_THAT(error.message,
              HasSubstr(": scenarios[1]: must be an object, got string \"warm-boot\""));
  EXPECT_EQ(details(error)["scenario_index"], 1);
}

TEST(ResultsScenario, IdIsARequiredNonEmptyString)
{
  Json document = minimal_document();
  first_scenario(document).erase("id");
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenarios[0]: missing required key \"id\" (a non-empty string)"));
  first_scenario(document)["id"] = "";
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenarios[0]: \"id\" must be a non-empty string, got string \"\""));
  first_scenario(document)["id"] = 3;
  EXPECT_THAT(doc_error(document).message, HasSubstr("got number 3"));
}

TEST(ResultsScenario, IterationsAndMetricsAreRequired)
{
  Json document = minimal_document();
  first_scenario(document).erase("iterations");
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr("scenario \"cold-boot\": missing required key "
                                       "\"iterations\" (an unsigned integer)"));
  EXPECT_EQ(details(error)["scenario"], "cold-boot");
  EXPECT_EQ(details(error)["key"], "iterations");

  document = minimal_document();
  first_scenario(document)["iterations"] = 1.5;
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenario \"cold-boot\": \"iterations\" must be an unsigned integer, "
                        "got number 1.5"));

  document = minimal_document();
  first_scenario(document).erase("metrics");
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenario \"cold-boot\": missing required key \"metrics\""));
  first_scenario(document)["metrics"] = "fast";
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("\"metrics\" must be an object mapping metric names to numbers, got "
                        "string \"fast\""));
}

TEST(ResultsScenario, OptionalKeysAreRead)
{
  Json document = minimal_document();
  Json& scenario = first_scenario(document);
  scenario["file"] = "bench/cold-boot.bench.mjs";
  scenario["source"] = "nodejs";
  scenario["default_iterations"] = 20;
  scenario["tags"] = {"boot", "slow"};
  scenario["metadata"] = {{"node", "20"}};
  scenario["metric_groups"] = {{"prompt", {{"hash_match", 1}}}};
  scenario["memory"] = {{"peak_bytes", 41943040}};
  scenario["runs"] = Json::array();
  scenario["runs_summary"] = Json::object();
  scenario["timeline"] = Json::array();
  scenario["span_definitions"] = Json::object();
  scenario["span_results"] = Json::array();
  scenario["diagnostics"] = "anything";
  BenchResults results = parse_ok(document);
  const Scenario& parsed = results.scenarios[0];
  EXPECT_EQ(parsed.file, "bench/cold-boot.bench.mjs");
  EXPECT_EQ(parsed.source, "nodejs");
  EXPECT_EQ(parsed.default_iterations, 20u);
  EXPECT_THAT(parsed.tags, ElementsAre("boot", "slow"));
  EXPECT_EQ(parsed.peak_bytes, 41943040u);
  EXPECT_EQ((*results.document)["scenarios"][0]["metadata"]["node"], "20");
}

TEST(ResultsScenario, OptionalKeysSetToNullCountAsAbsent)
{
  Json document = minimal_document();
  for (const char* key : {"file", "source", "default_iterations", "tags", "metadata",
                          "metric_groups", "gates", "memory", "artifacts", "runs"}) {
    first_scenario(document)[key] = nullptr;
  }
  const Scenario scenario = parse_ok(document).scenarios[0];
  EXPECT_TRUE(scenario.file.empty());
  EXPECT_FALSE(scenario.default_iterations);
  EXPECT_FALSE(scenario.peak_bytes);
  EXPECT_TRUE(scenario.passed);
}

TEST(ResultsScenario, OptionalKeysWithWrongTypes)
{
  struct Case
  {
    const char* key;
    Json value;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"file", 3, "\"file\" must be a string, got number 3"},
    {"source", true, "\"source\" must be a string, got boolean true"},
    {"default_iterations", -5, "\"default_iterations\" must be an unsigned integer, got number -5"},
    {"tags", "boot", "\"tags\" must be an array of strings, got string \"boot\""},
    {"tags", Json::array({"a", 1}), "\"tags\"[1] must be a string, got number 1"},
    {"metadata", 1, "\"metadata\" must be an object, got number 1"},
    {"runs_summary", "x", "\"runs_summary\" must be an object, got string"},
    {"runs", Json::object(), "\"runs\" must be an array, got object"},
    {"metric_groups", 1, "\"metric_groups\" must be an object {group: {metric: number}}"},
    {"metric_groups", {{"prompt", 1}},
     "metric_groups \"prompt\" must be an object {metric: number}, got number 1"},
    {"metric_groups", {{"prompt", {{"hash_match", "yes"}}}},
     "metric_groups \"prompt\": metric \"hash_match\" must be a finite number, got string"},
    {"passed", "yes", "\"passed\" must be a boolean, got string \"yes\""},
    {"passed", nullptr, "\"passed\" must be a boolean, got null"},
    {"gates", Json::object(), "\"gates\" must be an array of {metric, op, value}, got object"},
    {"artifacts", Json::array({1}), "\"artifacts\" must be an object mapping names to artifacts"},
  };
  for (const auto& test_case : cases) {
    Json document = minimal_document();
    first_scenario(document)[test_case.key] = test_case.value;
    Error error = doc_error(document);
    EXPECT_THAT(error.message, HasSubstr(std::string("scenario \"cold-boot\": ")
                                         + test_case.message))
      << test_case.key;
    EXPECT_EQ(details(error)["key"], test_case.key);
    EXPECT_EQ(details(error)["scenario"], "cold-boot");
  }
}

TEST(ResultsScenario, MemoryIsStrict)
{
  Json document = minimal_document();
  first_scenario(document)["memory"] = {{"peak_bytes", 10}, {"rss", 5}};
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenario \"cold-boot\": \"memory\" has unknown key \"rss\"; its only "
                        "key is peak_bytes"));
  first_scenario(document)["memory"] = Json::object();
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("memory.peak_bytes must be an unsigned integer, got nothing"));
  first_scenario(document)["memory"] = {{"peak_bytes", -1}};
  EXPECT_THAT(doc_error(document).message, HasSubstr("got number -1"));
  first_scenario(document)["memory"] = 5;
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("\"memory\" must be an object {peak_bytes}, got number 5"));
}

TEST(ResultsScenario, UnknownKeysAreKeptAsData)
{
  Json document = minimal_document();
  first_scenario(document)["warmup_count"] = 3;
  first_scenario(document)["environment"] = {{"cpu", "arm64"}};
  BenchResults results = parse_ok(document);
  const Json& scenario = (*results.document)["scenarios"][0];
  EXPECT_EQ(scenario["warmup_count"], 3);
  EXPECT_EQ(scenario["environment"]["cpu"], "arm64");
}

TEST(ResultsScenario, DuplicateIdIsNamed)
{
  Json document = minimal_document();
  document["scenarios"].push_back(first_scenario(document));
  Error error = doc_error(document);
  EXPECT_THAT(error.message,
              HasSubstr(": duplicate scenario id \"cold-boot\": scenarios[0] and scenarios[1]; "
                        "scenario ids must be unique"));
  EXPECT_EQ(details(error)["scenario"], "cold-boot");
}

TEST(ResultsScenario, WorkloadSuffixIsRemoved)
{
  Json document = minimal_document();
  first_scenario(document)["id"] = "reads-heavy.workload";
  BenchResults results = parse_ok(document);
  EXPECT_EQ(results.scenarios[0].id, "reads-heavy");
  EXPECT_EQ((*results.document)["scenarios"][0]["id"], "reads-heavy");
}

TEST(ResultsScenario, UniquenessIsCheckedAfterTheWorkloadSuffix)
{
  Json document = minimal_document();
  document["scenarios"].push_back(first_scenario(document));
  document["scenarios"][1]["id"] = "cold-boot.workload";
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("duplicate scenario id \"cold-boot\": scenarios[0] and scenarios[1] "
                        "(written \"cold-boot.workload\")"));
}

// ---- Metrics ----

TEST(ResultsMetrics, NumbersKeepDocumentOrder)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"] = {{"z_ms", 3}, {"a_ms", 1.5}, {"count", 0}};
  const Scenario scenario = parse_ok(document).scenarios[0];
  ASSERT_EQ(scenario.metrics.size(), 3u);
  EXPECT_EQ(scenario.metrics[0].name, "z_ms");
  EXPECT_EQ(scenario.metrics[1].name, "a_ms");
  EXPECT_DOUBLE_EQ(scenario.metrics[1].value, 1.5);
  EXPECT_EQ(scenario.metrics[2].name, "count");
}

TEST(ResultsMetrics, NonNumberValuesAreRefused)
{
  struct Case
  {
    Json value;
    const char* got;
  };
  const std::vector<Case> cases = {
    {"262.4", "got string \"262.4\""},
    {true, "got boolean true"},
    {nullptr, "got null"},
    {Json::array({1, 2}), "got array"},
    {{{"mean", 1}}, "got object"},
  };
  for (const auto& test_case : cases) {
    Json document = minimal_document();
    first_scenario(document)["metrics"]["p95_ms"] = test_case.value;
    Error error = doc_error(document);
    EXPECT_THAT(error.message,
                HasSubstr(std::string(k_file) + ": scenario \"cold-boot\": metric \"p95_ms\" must "
                          "be a number, " + test_case.got));
    EXPECT_EQ(details(error)["metric"], "p95_ms");
    EXPECT_EQ(details(error)["key"], "metrics");
  }
}

TEST(ResultsMetrics, EmptyPhpArrayIsAnEmptyMap)
{
  auto parsed = parse_text(R"({"component_id": "c", "iterations": 0, "scenarios": [
    {"id": "a", "iterations": 0, "metrics": [], "tags": [], "default_iterations": 10}]})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->scenarios[0].metrics.empty());
  EXPECT_TRUE((*parsed->document)["scenarios"][0]["metrics"].is_object());
}

TEST(ResultsMetrics, DistributionsAreSamplesNotMetrics)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"] = {
    {"agent_loop_ms", 1200.0},
    {"distributions", {{"agent_loop_ms", {1100.0, 1200, 1300.0}}}},
  };
  const Scenario scenario = parse_ok(document).scenarios[0];
  ASSERT_EQ(scenario.metrics.size(), 1u);
  EXPECT_EQ(scenario.metric("distributions"), nullptr);
  ASSERT_NE(scenario.samples("agent_loop_ms"), nullptr);
  EXPECT_THAT(*scenario.samples("agent_loop_ms"), ElementsAre(1100.0, 1200.0, 1300.0));
  EXPECT_EQ(scenario.samples("p95_ms"), nullptr);
}

TEST(ResultsMetrics, BadDistributionsAreRefused)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"]["distributions"] = {1, 2};
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("scenario \"cold-boot\": metrics.distributions must be an object mapping "
                        "metric names to arrays of numbers, got array"));

  first_scenario(document)["metrics"]["distributions"] = {{"p95_ms", 3}};
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("metrics.distributions \"p95_ms\" must be an array of finite numbers, "
                        "got number 3"));

  first_scenario(document)["metrics"]["distributions"] = {{"p95_ms", {1, "2", 3}}};
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr("scenario \"cold-boot\": metric \"p95_ms\": sample [1] "
                                       "must be a finite number, got string \"2\""));
  EXPECT_EQ(details(error)["metric"], "p95_ms");

  first_scenario(document)["metrics"]["distributions"] = {{"p95_ms", {1, nullptr}}};
  EXPECT_THAT(doc_error(document).message, HasSubstr("sample [1] must be a finite number, "
                                                     "got null"));
}

TEST(ResultsMetrics, SamplesAreFolded)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"] = Json::parse(R"({
    "first_ms": 1,
    "agent_loop_ms": {"samples": {"mean": 1200.0, "values": [1100.0, 1200.0, 1300.0]}},
    "last_ms": 2
  })");
  BenchResults results = parse_ok(document);
  const Scenario& scenario = results.scenarios[0];
  ASSERT_NE(scenario.metric("agent_loop_ms"), nullptr);
  EXPECT_DOUBLE_EQ(*scenario.metric("agent_loop_ms"), 1200.0);
  EXPECT_THAT(*scenario.samples("agent_loop_ms"), ElementsAre(1100.0, 1200.0, 1300.0));
  // The document shows the folded form, with the metric in its place.
  EXPECT_EQ(dump_json((*results.document)["scenarios"][0]["metrics"]),
            R"({"first_ms":1,"agent_loop_ms":1200.0,"last_ms":2,)"
            R"("distributions":{"agent_loop_ms":[1100.0,1200.0,1300.0]}})");
}

TEST(ResultsMetrics, FoldedSamplesJoinExplicitDistributions)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"] = Json::parse(R"({
    "distributions": {"p95_ms": [1, 2]},
    "p95_ms": 1.5,
    "wall_ms": {"samples": {"mean": 3, "values": [2, 4]}}
  })");
  BenchResults results = parse_ok(document);
  EXPECT_THAT(results.scenarios[0].distributions,
              ElementsAre(Pair("p95_ms", ElementsAre(1.0, 2.0)),
                          Pair("wall_ms", ElementsAre(2.0, 4.0))));
  EXPECT_EQ(dump_json((*results.document)["scenarios"][0]["metrics"]),
            R"({"distributions":{"p95_ms":[1,2],"wall_ms":[2,4]},"p95_ms":1.5,"wall_ms":3})");
}

TEST(ResultsMetrics, BadSamplesAreRefused)
{
  struct Case
  {
    const char* metric;
    const char* message;
  };
  const std::vector<Case> cases = {
    {R"({"samples": [1, 2]})",
     "metric \"wall_ms\" samples must be an object {mean, values}, got array"},
    {R"({"samples": {"values": [1]}})",
     "metric \"wall_ms\" samples.mean must be a finite number, got nothing"},
    {R"({"samples": {"mean": "1", "values": [1]}})",
     "metric \"wall_ms\" samples.mean must be a finite number, got string \"1\""},
    {R"({"samples": {"mean": 1}})",
     "metric \"wall_ms\" samples.values must be an array of finite numbers, got nothing"},
    {R"({"samples": {"mean": 1, "values": {"a": 1}}})",
     "samples.values must be an array of finite numbers, got object"},
    {R"({"samples": {"mean": 1, "values": [1, true]}})",
     "metric \"wall_ms\": sample [1] must be a finite number, got boolean true"},
    {R"({"unit": "ms"})", "metric \"wall_ms\" must be a number, got object"},
  };
  for (const auto& test_case : cases) {
    Json document = minimal_document();
    first_scenario(document)["metrics"]["wall_ms"] = Json::parse(test_case.metric);
    EXPECT_THAT(doc_error(document).message, HasSubstr(test_case.message)) << test_case.metric;
  }
}

TEST(ResultsMetrics, SamplesAndDistributionsForOneMetricConflict)
{
  for (const char* metrics : {
         R"({"distributions": {"w": [1]}, "w": {"samples": {"mean": 1, "values": [1]}}})",
         R"({"w": {"samples": {"mean": 1, "values": [1]}}, "distributions": {"w": [1]}})"}) {
    Json document = minimal_document();
    first_scenario(document)["metrics"] = Json::parse(metrics);
    EXPECT_THAT(doc_error(document).message,
                HasSubstr("metric \"w\" has both samples and metrics.distributions entries"))
      << metrics;
  }
}

// ---- Artifacts ----

TEST(ResultsArtifacts, PointersAreRead)
{
  Json document = minimal_document();
  first_scenario(document)["artifacts"] = Json::parse(R"({
    "raw_result": {"path": "bench-artifacts/raw.json", "kind": "json", "label": "Raw result"},
    "trace": {"url": "https://example.test/trace.zip", "kind": "playwright-trace"},
    "both": {"path": "local.png", "public_url": "https://example.test/p.png"},
    "preview": {"preview_url": "https://example.test/p", "type": "page", "role": "proof",
                "status": "ready", "observation_artifact_id": "a1", "required_durable": true,
                "viewer": "image", "viewer_url": "https://example.test/v",
                "viewer_links": [{"label": "open", "url": "https://example.test/o"}],
                "expires_at": "2026-01-01T00:00:00Z", "cleanup_status": "kept"},
    "local": {"local_url": "file:///tmp/x"}
  })");
  const Scenario scenario = parse_ok(document).scenarios[0];
  ASSERT_EQ(scenario.artifacts.size(), 5u);
  const ArtifactRef& raw = scenario.artifacts[0];
  EXPECT_EQ(raw.name, "raw_result");
  EXPECT_EQ(raw.pointer_key, "path");
  EXPECT_EQ(raw.pointer, "bench-artifacts/raw.json");
  EXPECT_EQ(raw.kind, "json");
  EXPECT_EQ(raw.label, "Raw result");
  EXPECT_EQ(scenario.artifacts[1].pointer_key, "url");
  EXPECT_EQ(scenario.artifacts[1].label, "");
  // path wins over the URLs when an artifact has several pointers.
  EXPECT_EQ(scenario.artifacts[2].pointer_key, "path");
  EXPECT_EQ(scenario.artifacts[3].pointer_key, "preview_url");
  EXPECT_EQ(scenario.artifacts[4].pointer_key, "local_url");
}

TEST(ResultsArtifacts, ArtifactWithoutPointerIsDropped)
{
  Json document = minimal_document();
  first_scenario(document)["artifacts"] = Json::parse(R"({
    "notes": {"kind": "json", "label": "Notes"},
    "blank_url": {"url": "", "label": "Nothing"},
    "kept": {"path": "a.json"}
  })");
  BenchResults results = parse_ok(document);
  ASSERT_EQ(results.scenarios[0].artifacts.size(), 1u);
  EXPECT_EQ(results.scenarios[0].artifacts[0].name, "kept");
  EXPECT_EQ(dump_json((*results.document)["scenarios"][0]["artifacts"]),
            R"({"kept":{"path":"a.json"}})");
}

TEST(ResultsArtifacts, EmptyPathIsRefused)
{
  Json document = minimal_document();
  first_scenario(document)["artifacts"] = {{"raw", {{"path", ""}, {"kind", "json"}}}};
  Error error = doc_error(document);
  EXPECT_THAT(error.message, HasSubstr("scenario \"cold-boot\": artifact \"raw\" has a blank "
                                       "\"path\""));
  EXPECT_EQ(details(error)["artifact"], "raw");
  EXPECT_EQ(details(error)["key"], "artifacts");
}

TEST(ResultsArtifacts, UnknownKeyIsRefused)
{
  Json document = minimal_document();
  first_scenario(document)["artifacts"] = {{"raw", {{"path", "a"}, {"size", 10}}}};
  Error error = doc_error(document);
  EXPECT_THAT(error.message,
              HasSubstr("scenario \"cold-boot\": artifact \"raw\" has unknown key \"size\"; "
                        "allowed keys: path, url, preview_url, public_url, local_url, type, "
                        "kind, label"));
}

TEST(ResultsArtifacts, WrongTypesAreRefused)
{
  struct Case
  {
    Json artifact;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"a.json", "artifact \"raw\" must be an object, got string \"a.json\""},
    {{{"path", 5}}, "artifact \"raw\" \"path\" must be a string, got number 5"},
    {{{"path", "a"}, {"kind", 1}}, "\"kind\" must be a string, got number 1"},
    {{{"path", "a"}, {"required_durable", "yes"}},
     "\"required_durable\" must be a boolean, got string"},
    {{{"path", "a"}, {"viewer_links", "x"}}, "\"viewer_links\" must be an array, got string"},
    {{{"path", "a"}, {"viewer", 3}}, "\"viewer\" must be a string or an object, got number 3"},
  };
  for (const auto& test_case : cases) {
    Json document = minimal_document();
    first_scenario(document)["artifacts"] = {{"raw", test_case.artifact}};
    EXPECT_THAT(doc_error(document).message, HasSubstr(test_case.message))
      << dump_json(test_case.artifact);
  }
}

TEST(ResultsDocument, BenchMdExampleIsRefusedForTooFewSamples)
{
  // bench.md's own example declares min_iterations_for_variance 20 next to
  // three samples, which its own rules refuse.
  auto parsed = parse_results_file(HB_FIXTURES_DIR "/results/bench-md-example.json",
                                   test_options());
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message,
              HasSubstr("scenario \"scenario_slug\": metric \"agent_loop_ms\" has a "
                        "variance_aware policy, so metrics.distributions.agent_loop_ms needs at "
                        "least 20 finite samples, but it has 3 samples"));
}

TEST(ResultsDocument, BenchMdExampleWithEnoughSamplesParses)
{
  std::ifstream in(HB_FIXTURES_DIR "/results/bench-md-example.json");
  Json document = Json::parse(in);
  Json& samples = first_scenario(document)["metrics"]["distributions"]["agent_loop_ms"];
  for (int i = 0; i < 17; ++i) {
    samples.push_back(1200.0 + i);
  }
  BenchResults results = parse_ok(document);
  EXPECT_EQ(results.component_id, "string");
  ASSERT_EQ(results.scenarios.size(), 1u);
  const Scenario& scenario = results.scenarios[0];
  EXPECT_EQ(scenario.id, "scenario_slug");
  EXPECT_EQ(scenario.file, "tests/bench/some-workload.ext");
  EXPECT_EQ(scenario.metrics.size(), 10u);
  EXPECT_EQ(scenario.samples("agent_loop_ms")->size(), 20u);
  EXPECT_EQ(scenario.peak_bytes, 41943040u);
  ASSERT_EQ(scenario.artifacts.size(), 1u);
  EXPECT_EQ(scenario.artifacts[0].label, "Raw result");
  ASSERT_EQ(results.policies.size(), 3u);
  EXPECT_EQ(results.policies[2].first, "agent_loop_ms");
  EXPECT_TRUE(results.passed());
}

TEST(ResultsDocument, PhpInventoryFixtureParses)
{
  auto parsed = parse_results_file(HB_FIXTURES_DIR "/results/php-inventory.json",
                                   test_options());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->iterations, 0u);
  EXPECT_EQ(parsed->scenarios[0].default_iterations, 10u);
  EXPECT_TRUE(parsed->scenarios[0].metrics.empty());
}

// ---- Robustness ----

void
collect_pointers(const Json& value, const Json::json_pointer& at,
                 std::vector<Json::json_pointer>& out)
{
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      collect_pointers(child, at / key, out);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_pointers(value[i], at / i, out);
    }
  }
}

TEST(ResultsRobustness, AnyValueAnywhereIsAnsweredWithoutThrowing)
{
  const Json rich = Json::parse(R"({
    "component_id": "studio", "iterations": 3,
    "provenance": {"links": {"pr": "u"}},
    "metric_policies": {"p95_ms": {"direction": "lower", "variance_aware": true,
                                   "min_iterations_for_variance": 2, "phase": "cold"}},
    "metric_policy_presets": {"rate": {"preset": "max_failure_rate", "max": 0.1},
                              "mem": {"preset": "absolute_budget", "min": 1, "max": 9}},
    "budget_findings": [{"tool": "t", "message": "m", "line": 1, "metadata": {"passed": true}},
                        {"code": "c", "message": "m", "actual": 1, "passed": true}],
    "scenarios": [{
      "id": "a.workload", "iterations": 3, "file": "f", "tags": ["x"], "passed": true,
      "default_iterations": 3, "metadata": {"k": 1}, "metric_groups": {"g": {"m": 1}},
      "memory": {"peak_bytes": 5},
      "metrics": {"p95_ms": 2, "rate": 0, "mem": 4, "failed_count": 0,
                  "w": {"samples": {"mean": 1, "values": [1, 1]}},
                  "distributions": {"p95_ms": [1, 2, 3]}},
      "gates": [{"metric": "p95_ms", "op": "lte", "value": 5}],
      "artifacts": {"raw": {"path": "p", "kind": "json", "viewer_links": []}},
      "runs": [{"artifacts": {}}]
    }]
  })");
  ASSERT_TRUE(parse_doc(rich)) << parse_doc(rich).error().message;

  std::vector<Json::json_pointer> pointers;
  collect_pointers(rich, Json::json_pointer(), pointers);
  const std::vector<Json> replacements = {
    nullptr, true, -1, 0, 1.5, 18446744073709551615ull, "x", "", Json::array(),
    Json::array({1, "a"}), Json::object(), Json::parse(R"({"samples": {"mean": 1}})")};
  for (const auto& pointer : pointers) {
    for (const auto& replacement : replacements) {
      Json changed = rich;
      changed[pointer] = replacement;
      EXPECT_NO_THROW((void)parse_doc(changed)) << pointer.to_string();
    }
    if (!pointer.empty() && rich[pointer.parent_pointer()].is_object()) {
      Json removed = rich;
      removed[pointer.parent_pointer()].erase(pointer.back());
      EXPECT_NO_THROW((void)parse_doc(removed)) << pointer.to_string();
    }
  }
}

} // namespace
} // namespace hb::bench::test

// The results contract where the original is more lenient or stricter than
// compat.md's text (issue 13, docs/compatibility.md "Results file"): metric
// objects beside `samples`, pointerless artifacts, blank paths at every
// level.

#include "unit/results/results_test_support.hpp"

namespace hb::bench::test {
namespace {

using ::testing::HasSubstr;

Json&
first_scenario(Json& document)
{
  return document["scenarios"][0];
}

TEST(ResultsCompat, KeysBesideSamplesAreIgnored)
{
  // The WordPress extension writes {"unit": "count", "samples": {...}}.
  Json document = minimal_document();
  first_scenario(document)["metrics"] = Json::parse(
    R"({"queries": {"unit": "count", "samples": {"mean": 12, "values": [11, 12, 13]}}})");
  BenchResults results = parse_ok(document);
  const Scenario& s = results.scenarios[0];
  ASSERT_TRUE(s.metric("queries"));
  EXPECT_EQ(*s.metric("queries"), 12);
  ASSERT_TRUE(s.samples("queries"));
  EXPECT_EQ(s.samples("queries")->size(), 3u);
  EXPECT_EQ(dump_json((*results.document)["scenarios"][0]["metrics"]),
            R"({"queries":12,"distributions":{"queries":[11,12,13]}})");
}

TEST(ResultsCompat, AnObjectWithoutSamplesIsStillRefused)
{
  Json document = minimal_document();
  first_scenario(document)["metrics"] = Json::parse(R"({"queries": {"unit": "count"}})");
  EXPECT_THAT(doc_error(document).message, HasSubstr("metric \"queries\" must be a number"));
}

TEST(ResultsCompat, PointerlessArtifactsAreDroppedBeforeTheKeyCheck)
{
  Json document = minimal_document();
  first_scenario(document)["artifacts"] = Json::parse(R"({
    "inline": {"content": "not a pointer", "kind": "text"},
    "blank_url": {"url": "  ", "size": 3},
    "viewer": {"viewer_url": "https://example.test/v", "kind": "page"},
    "observed": {"observation_artifact_id": "obs-1"},
    "file": {"path": "a.json"}
  })");
  BenchResults results = parse_ok(document);
  const auto& artifacts = results.scenarios[0].artifacts;
  ASSERT_EQ(artifacts.size(), 3u);
  EXPECT_EQ(artifacts[0].name, "viewer");
  EXPECT_EQ(artifacts[0].pointer_key, "viewer_url");
  EXPECT_EQ(artifacts[1].name, "observed");
  EXPECT_EQ(artifacts[1].pointer_key, "observation_artifact_id");
  EXPECT_EQ(artifacts[2].pointer_key, "path");
  auto kept = (*results.document)["scenarios"][0]["artifacts"];
  EXPECT_FALSE(kept.contains("inline"));
  EXPECT_FALSE(kept.contains("blank_url"));
  EXPECT_TRUE(kept.contains("viewer"));

  // With a pointer, the strict check applies.
  first_scenario(document)["artifacts"] = Json::parse(R"({"x": {"url": "u", "content": 1}})");
  EXPECT_THAT(doc_error(document).message, HasSubstr("artifact \"x\" has unknown key \"content\""));
}

TEST(ResultsCompat, BlankPathsAreRefusedAtEveryLevel)
{
  for (const char* path : {"", " ", "\t\n"}) {
    Json document = minimal_document();
    first_scenario(document)["artifacts"] = {{"raw", {{"path", path}}}};
    EXPECT_THAT(doc_error(document).message,
                HasSubstr("artifact \"raw\" has a blank \"path\"; give the file's path or omit "
                          "the artifact"))
      << "[" << path << "]";

    document = minimal_document();
    first_scenario(document)["runs"] =
      Json::array({{{"run_index", 1}, {"artifacts", {{"trace", {{"path", path}}}}}}});
    Error error = doc_error(document);
    EXPECT_THAT(error.message, HasSubstr("runs[0]: artifact \"trace\" has a blank \"path\""))
      << "[" << path << "]";
    EXPECT_EQ(details(error)["key"], "runs");
  }
  Json fine = minimal_document();
  first_scenario(fine)["runs"] =
    Json::array({{{"run_index", 1}, {"artifacts", {{"trace", {{"path", "t.zip"}}}}}}});
  EXPECT_NO_FATAL_FAILURE(parse_ok(fine));
}

} // namespace
} // namespace hb::bench::test

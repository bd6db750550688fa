// What a bench run record keeps of the workload's own metadata (the layout,
// the cap, the ledger lifted for resume-plan), how runs compare reads
// scenario metrics back from it, and dotted paths that walk arrays.

#include "analysis/categorical.hpp"
#include "analysis/resume_plan.hpp"
#include "analysis/workload_metadata.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hb::analysis {
namespace {

using ::testing::ElementsAre;

Json
document()
{
  return Json::parse(R"({
    "component_id": "studio", "iterations": 3,
    "metadata": {"site_type": "blog", "validation_progress": {"commands": [
      {"command": "npm ci", "status": "completed"}, {"command": "npm test", "status": "running"}]}},
    "run_metadata": {"runner": {"extension": "node"}},
    "metric_groups": {"boot": {"total_ms": 12.5}},
    "scenarios": [
      {"id": "cold", "iterations": 3, "metrics": {"p95_ms": 1}, "metadata": {"cache": "cold"},
       "metric_groups": {"warm": {"mean_ms": 50}}},
      {"id": "plain", "iterations": 3, "metrics": {"p95_ms": 2}},
      {"id": "empty", "iterations": 3, "metrics": {"p95_ms": 2}, "metadata": {}, "metric_groups": {}}
    ]})");
}

TEST(WorkloadMetadata, KeepsTheWorkloadKeysInTheOriginalsLayout)
{
  Json meta = {{"status", "passed"}};
  auto summary = add_workload_metadata(meta, document());
  EXPECT_TRUE(summary.omitted.empty());
  EXPECT_GT(summary.kept_bytes, 0u);
  EXPECT_EQ(summary.kept_bytes, summary.reported_bytes);
  EXPECT_EQ(meta["status"], "passed") << "the run's own keys stay";
  EXPECT_EQ(meta["results"], Json::parse(R"({"metadata": {"site_type": "blog"},
    "run_metadata": {"runner": {"extension": "node"}},
    "metric_groups": {"boot": {"total_ms": 12.5}}})"))
    << "the ledger is stored once, at the top level; scenarios and metrics are not copied";
  EXPECT_EQ(meta["scenario_metrics"], Json::parse(R"([{"scenario_id": "cold",
    "metadata": {"cache": "cold"}, "metric_groups": {"warm": {"mean_ms": 50}}}])"))
    << "only scenarios with metadata or metric groups get an entry";
  EXPECT_EQ(meta["validation_progress"]["commands"][1]["command"], "npm test");
  auto plan = plan_resume(meta);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(*plan->resume_from, 1u);
}

TEST(WorkloadMetadata, NothingAddedWithoutWorkloadKeys)
{
  Json meta = Json::object();
  auto summary = add_workload_metadata(
    meta, Json::parse(R"({"component_id": "c", "iterations": 1, "metadata": [],
      "scenarios": [{"id": "a", "iterations": 1, "metrics": {}}]})"));
  EXPECT_EQ(meta, Json::object());
  EXPECT_EQ(summary.kept_bytes, 0u);
  EXPECT_TRUE(summary.omitted.empty());
}

TEST(WorkloadMetadata, OverTheCapKeepsWhatFitsByKeyAndNamesTheRest)
{
  Json doc = document();
  doc["metadata"]["big"] = std::string(2000, 'x');
  doc["metadata"]["after"] = "small";
  doc["scenarios"][0]["metadata"]["trace"] = std::string(3000, 'y');
  Json meta = Json::object();
  auto summary = add_workload_metadata(meta, doc, 1000);
  EXPECT_THAT(summary.omitted,
              ElementsAre("results.metadata.big", "scenario_metrics[cold].metadata.trace"));
  EXPECT_LE(summary.kept_bytes, 1000u);
  EXPECT_GT(summary.reported_bytes, 5000u);
  EXPECT_LE(dump_json(meta).size(), 1000u + 40) << dump_json(meta);
  EXPECT_FALSE(meta["results"]["metadata"].contains("big"));
  EXPECT_EQ(meta["results"]["metadata"]["after"], "small") << "a smaller key after it still fits";
  EXPECT_EQ(meta["scenario_metrics"][0]["metadata"], (Json{{"cache", "cold"}}));
  EXPECT_TRUE(meta.contains("validation_progress")) << "the ledger goes first";

  Json tiny = Json::object();
  auto none = add_workload_metadata(tiny, doc, 10);
  EXPECT_EQ(tiny, Json::object()) << "nothing fits: nothing stored, no empty containers";
  EXPECT_EQ(none.omitted.front(), "validation_progress");
}

TEST(WorkloadMetadata, RepeatedScenarioIdKeepsTheFirst)
{
  Json doc = document();
  doc["scenarios"].push_back(Json::parse(R"({"id": "cold", "iterations": 3, "metrics": {},
    "metadata": {"cache": "second"}})"));
  Json meta = Json::object();
  add_workload_metadata(meta, doc);
  ASSERT_EQ(meta["scenario_metrics"].size(), 1u);
  EXPECT_EQ(meta["scenario_metrics"][0]["metadata"]["cache"], "cold");
}

TEST(RecordedScenarioMetrics, MetricGroupsAndTheOriginalsScenarioMetrics)
{
  Json ours = Json::object();
  add_workload_metadata(ours, document());
  auto metrics = recorded_scenario_metrics(ours);
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].scenario_id, "cold");
  EXPECT_EQ(metrics[0].metric, "warm.mean_ms");
  EXPECT_EQ(metrics[0].value, 50);

  // A run the original recorded (runs import): metrics beside the groups;
  // distributions and other non-numbers are skipped.
  auto original = recorded_scenario_metrics(Json::parse(R"({"scenario_metrics": [
    {"scenario_id": "s", "metrics": {"p95_ms": 9, "distributions": {"p95_ms": [1]}, "note": "x"},
     "metric_groups": {"g": {"m": 1, "bad": "y"}}}]})"));
  ASSERT_EQ(original.size(), 2u);
  EXPECT_EQ(original[0].metric, "p95_ms");
  EXPECT_EQ(original[1].metric, "g.m");

  // No scenario_metrics: the whole results the original stored.
  auto from_results = recorded_scenario_metrics(
    Json::parse(R"({"results": {"scenarios": [{"id": "r", "metrics": {"p50_ms": 4}}]}})"));
  ASSERT_EQ(from_results.size(), 1u);
  EXPECT_EQ(from_results[0].scenario_id, "r");
  EXPECT_TRUE(recorded_scenario_metrics(Json("not an object")).empty());
}

TEST(SelectDotted, WalksArraysLikeTheOriginal)
{
  Json meta = Json::parse(R"({"scenario_metrics": [
      {"scenario_id": "a", "metadata": {"site": "blog", "tags": ["x", "y"]}},
      {"scenario_id": "b", "metadata": {"site": "shop"}},
      {"scenario_id": "c"}],
    "runner": {"extension_id": "node"}, "steps": [{"0": "zero"}]})");
  std::vector<std::string> labels;
  for (const Json* node : select_dotted(meta, "scenario_metrics.metadata.site")) {
    collect_labels(*node, labels);
  }
  EXPECT_THAT(labels, ElementsAre("blog", "shop"));
  labels.clear();
  for (const Json* node : select_dotted(meta, "scenario_metrics.metadata.tags")) {
    collect_labels(*node, labels);
  }
  EXPECT_THAT(labels, ElementsAre("x", "y"));
  ASSERT_EQ(select_dotted(meta, "runner.extension_id").size(), 1u);
  EXPECT_EQ(*select_dotted(meta, "runner.extension_id")[0], "node");
  EXPECT_TRUE(select_dotted(meta, "runner.missing").empty());
  EXPECT_TRUE(select_dotted(meta, "runner.extension_id.deeper").empty());
  EXPECT_EQ(select_dotted(meta, "steps.0").size(), 1u) << "segments are member names";
}

} // namespace
} // namespace hb::analysis

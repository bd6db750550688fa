// --concurrency N: joining the instances' results (bench/instances.hpp) as
// the original does: `<id>:i<k>` (0-based), first instance's component and
// iterations, first declaration of a policy wins.

#include "bench/instances.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>

using namespace hb;
using namespace hb::bench;

namespace {

BenchResults
instance_results(double p95, const std::string& policy_direction)
{
  BenchResults r;
  r.component_id = "c";
  r.iterations = 3;
  Scenario s;
  s.id = "x";
  s.iterations = 3;
  s.metrics = {{"p95_ms", p95}};
  r.scenarios = {s};
  MetricPolicy policy;
  r.policies = {{"p95_ms", policy}};
  GateResult g;
  g.scenario_id = "x";
  g.metric = "p95_ms";
  g.passed = true;
  r.gate_results = {g};
  Json doc = {{"component_id", "c"},
              {"iterations", 3},
              {"metric_policies", {{"p95_ms", {{"direction", policy_direction}}}}},
              {"scenarios", Json::array({{{"id", "x"}, {"metrics", {{"p95_ms", p95}}}}})}};
  r.document = std::make_shared<Json>(std::move(doc));
  return r;
}

} // namespace

TEST(Instances, ScenarioIdsGetTheInstanceSuffix)
{
  std::vector<InstanceResults> parts;
  parts.push_back({2, instance_results(30, "higher")});
  parts.push_back({0, instance_results(10, "lower")});
  parts.push_back({1, instance_results(20, "higher")});
  BenchResults merged = merge_instances(std::move(parts), "c", 3);
  ASSERT_EQ(merged.scenarios.size(), 3u);
  EXPECT_EQ(merged.scenarios[0].id, "x:i0");
  EXPECT_EQ(merged.scenarios[1].id, "x:i1");
  EXPECT_EQ(merged.scenarios[2].id, "x:i2");
  EXPECT_DOUBLE_EQ(*merged.find("x:i2")->metric("p95_ms"), 30);
  EXPECT_EQ(merged.component_id, "c");
  EXPECT_EQ(merged.iterations, 3u);
  ASSERT_EQ(merged.gate_results.size(), 3u);
  EXPECT_EQ(merged.gate_results[1].scenario_id, "x:i1");
  ASSERT_EQ(merged.policies.size(), 1u);
  const Json& doc = *merged.document;
  EXPECT_EQ(doc["scenarios"].size(), 3u);
  EXPECT_EQ(doc["scenarios"][0]["id"], "x:i0");
  EXPECT_EQ(doc["scenarios"][2]["metrics"]["p95_ms"], 30);
  // Instance 0's declaration wins.
  EXPECT_EQ(doc["metric_policies"]["p95_ms"]["direction"], "lower");
}

TEST(Instances, NamesAndBaseIds)
{
  EXPECT_EQ(instance_scenario_id("cold", 3), "cold:i3");
  EXPECT_EQ(base_scenario_id("cold:i3"), "cold");
  EXPECT_EQ(base_scenario_id("cold:i"), "cold:i");
  EXPECT_EQ(base_scenario_id("cold:ix"), "cold:ix");
  EXPECT_EQ(base_scenario_id("a:cstudio:i12"), "a:cstudio");
  EXPECT_EQ(base_scenario_ids({"x:i0", "y:i0", "x:i1"}), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(instance_results_name("bench-results.json", 0), "bench-results-i0.json");
  EXPECT_EQ(instance_results_name("bench-results.round-2.json", 1), "bench-results.round-2-i1.json");
}

TEST(Instances, NoInstanceResultsGiveAnEmptyResult)
{
  BenchResults merged = merge_instances({}, "c", 5);
  EXPECT_TRUE(merged.scenarios.empty());
  EXPECT_EQ(merged.component_id, "c");
  EXPECT_EQ(merged.iterations, 5u);
}

// Metric policies, presets and variance checks of the results contract
// (compat.md "Results file", bench.md "Baseline Ratchet Semantics").

#include "unit/results/results_test_support.hpp"

namespace hb::bench::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Json
with_policies(Json policies)
{
  Json document = minimal_document();
  document["metric_policies"] = std::move(policies);
  return document;
}

Json
with_presets(Json presets, Json metrics = {{"p95_ms", 120.5}})
{
  Json document = minimal_document();
  document["scenarios"][0]["metrics"] = std::move(metrics);
  document["metric_policy_presets"] = std::move(presets);
  return document;
}

// ---- Names and defaults ----

TEST(ResultsPolicyNames, DirectionAcceptsShortForms)
{
  EXPECT_EQ(parse_direction("lower_is_better"), Direction::lower_is_better);
  EXPECT_EQ(parse_direction("lower"), Direction::lower_is_better);
  EXPECT_EQ(parse_direction("higher_is_better"), Direction::higher_is_better);
  EXPECT_EQ(parse_direction("higher"), Direction::higher_is_better);
  EXPECT_FALSE(parse_direction("down"));
  EXPECT_STREQ(to_string(Direction::lower_is_better), "lower_is_better");
  EXPECT_STREQ(to_string(Direction::higher_is_better), "higher_is_better");
}

TEST(ResultsPolicyNames, RegressionTests)
{
  for (auto test : {RegressionTest::point_delta, RegressionTest::mann_whitney_u,
                    RegressionTest::kolmogorov_smirnov}) {
    EXPECT_EQ(parse_regression_test(to_string(test)), test);
  }
  EXPECT_FALSE(parse_regression_test("t_test"));
  EXPECT_STREQ(to_string(GateOp::gte), "gte");
}

TEST(ResultsPolicyNames, EffectiveTest)
{
  MetricPolicy policy;
  EXPECT_EQ(policy.effective_test(), RegressionTest::point_delta);
  policy.variance_aware = true;
  EXPECT_EQ(policy.effective_test(), RegressionTest::mann_whitney_u);
  policy.regression_test = RegressionTest::kolmogorov_smirnov;
  EXPECT_EQ(policy.effective_test(), RegressionTest::kolmogorov_smirnov);
}

TEST(ResultsPolicyNames, LegacyPolicy)
{
  MetricPolicy policy = legacy_policy(5.0);
  EXPECT_EQ(policy.direction, Direction::lower_is_better);
  EXPECT_EQ(policy.threshold_percent, 5.0);
  EXPECT_FALSE(policy.threshold_absolute);
  EXPECT_EQ(k_legacy_metric, "p95_ms");
}

TEST(ResultsPolicyNames, PresetTable)
{
  ASSERT_EQ(metric_policy_presets().size(), 9u);
  const MetricPolicyPreset* latency = find_metric_policy_preset("latency_regression");
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->policy->threshold_percent, 10.0);
  EXPECT_FALSE(find_metric_policy_preset("absolute_budget")->policy);
  EXPECT_EQ(find_metric_policy_preset("fast"), nullptr);
}

// ---- metric_policies ----

TEST(ResultsPolicies, EveryKeyIsRead)
{
  BenchResults results = parse_ok(with_policies(Json::parse(R"({
    "error_rate": {"direction": "lower_is_better", "regression_threshold_absolute": 0.01},
    "requests_per_second": {"direction": "higher", "regression_threshold_percent": 5},
    "p95_ms": {"direction": "lower", "regression_threshold_percent": 10.0,
               "regression_threshold_absolute": 2, "variance_aware": false,
               "min_iterations_for_variance": 20, "regression_test": "kolmogorov_smirnov",
               "phase": "warm"}
  })")));
  ASSERT_EQ(results.policies.size(), 3u);
  EXPECT_EQ(results.policies[0].first, "error_rate");
  EXPECT_EQ(results.policies[1].first, "requests_per_second");
  EXPECT_EQ(results.policies[1].second.direction, Direction::higher_is_better);
  EXPECT_EQ(results.policies[1].second.threshold_percent, 5.0);
  const MetricPolicy* p95 = results.policy("p95_ms");
  ASSERT_NE(p95, nullptr);
  EXPECT_EQ(p95->direction, Direction::lower_is_better);
  EXPECT_EQ(p95->threshold_percent, 10.0);
  EXPECT_EQ(p95->threshold_absolute, 2.0);
  EXPECT_FALSE(p95->variance_aware);
  EXPECT_EQ(p95->min_iterations_for_variance, 20u);
  EXPECT_EQ(p95->regression_test, RegressionTest::kolmogorov_smirnov);
  EXPECT_EQ(p95->phase, "warm");
  EXPECT_EQ(results.policy("mean_ms"), nullptr);
}

TEST(ResultsPolicies, DirectionIsRequired)
{
  Error error = doc_error(with_policies({{"p95_ms", {{"regression_threshold_percent", 5}}}}));
  EXPECT_THAT(error.message, HasSubstr(": metric_policies \"p95_ms\": missing required key "
                                       "\"direction\" (lower_is_better or higher_is_better)"));
  EXPECT_EQ(details(error)["metric"], "p95_ms");
  EXPECT_EQ(details(error)["key"], "metric_policies");
}

TEST(ResultsPolicies, BadValuesAreNamed)
{
  struct Case
  {
    Json policy;
    const char* field;
    const char* message;
  };
  const std::vector<Case> cases = {
    {{{"direction", "down"}}, "direction",
     "\"direction\" must be one of lower_is_better, lower, higher_is_better, higher, got "
     "string \"down\""},
    {{{"direction", "lower"}, {"regression_threshold_percent", "5%"}},
     "regression_threshold_percent",
     "\"regression_threshold_percent\" must be a finite number >= 0, got string \"5%\""},
    {{{"direction", "lower"}, {"regression_threshold_absolute", -1}},
     "regression_threshold_absolute",
     "\"regression_threshold_absolute\" must be a finite number >= 0, got number -1"},
    {{{"direction", "lower"}, {"variance_aware", "yes"}}, "variance_aware",
     "\"variance_aware\" must be a boolean, got string \"yes\""},
    {{{"direction", "lower"}, {"min_iterations_for_variance", 2.5}}, "min_iterations_for_variance",
     "\"min_iterations_for_variance\" must be an unsigned integer, got number 2.5"},
    {{{"direction", "lower"}, {"regression_test", "t_test"}}, "regression_test",
     "\"regression_test\" must be one of point_delta, mann_whitney_u, kolmogorov_smirnov, welch_t, got "
     "string \"t_test\""},
    {{{"direction", "lower"}, {"phase", "hot"}}, "phase",
     "\"phase\" must be one of cold, warm, amortized, got string \"hot\""},
    {{{"direction", "lower"}, {"threshold", 5}}, "threshold",
     "unknown key \"threshold\"; allowed keys: direction, regression_threshold_percent, "
     "regression_threshold_absolute, variance_aware, min_iterations_for_variance, "
     "regression_test, phase"},
  };
  for (const auto& test_case : cases) {
    Error error = doc_error(with_policies({{"p95_ms", test_case.policy}}));
    EXPECT_THAT(error.message, HasSubstr(std::string("metric_policies \"p95_ms\": ")
                                         + test_case.message))
      << dump_json(test_case.policy);
    EXPECT_EQ(details(error)["field"], test_case.field);
  }
}

TEST(ResultsPolicies, WrongShapes)
{
  EXPECT_THAT(doc_error(with_policies({1, 2})).message,
              HasSubstr("\"metric_policies\" must be an object mapping metric names to "
                        "policies, got array"));
  EXPECT_THAT(doc_error(with_policies({{"p95_ms", "lower"}})).message,
              HasSubstr("metric_policies \"p95_ms\": must be an object, got string \"lower\""));
}

// ---- metric_policy_presets ----

TEST(ResultsPresets, PolicyPresetsHaveTheirDefaults)
{
  struct Case
  {
    const char* preset;
    Direction direction;
    double threshold;
  };
  const std::vector<Case> cases = {
    {"latency_regression", Direction::lower_is_better, 10.0},
    {"cold_warm_delta", Direction::lower_is_better, 10.0},
    {"flake_noise_threshold", Direction::lower_is_better, 5.0},
    {"memory_regression", Direction::lower_is_better, 10.0},
  };
  for (const auto& test_case : cases) {
    BenchResults results = parse_ok(with_presets({{"p95_ms", {{"preset", test_case.preset}}}}));
    const MetricPolicy* policy = results.policy("p95_ms");
    ASSERT_NE(policy, nullptr) << test_case.preset;
    EXPECT_EQ(policy->direction, test_case.direction) << test_case.preset;
    EXPECT_EQ(policy->threshold_percent, test_case.threshold) << test_case.preset;
    EXPECT_FALSE(policy->variance_aware);
    EXPECT_TRUE(results.gate_results.empty()) << test_case.preset;
  }
}

TEST(ResultsPresets, EntryFieldsOverrideThePreset)
{
  BenchResults results = parse_ok(with_presets(
    {{"p95_ms", {{"preset", "latency_regression"}, {"regression_threshold_percent", 3},
                 {"phase", "cold"}}}}));
  EXPECT_EQ(results.policy("p95_ms")->threshold_percent, 3.0);
  EXPECT_EQ(results.policy("p95_ms")->phase, "cold");
}

TEST(ResultsPresets, ExplicitPolicyWins)
{
  Json document = with_presets({{"p95_ms", {{"preset", "latency_regression"}}},
                                {"mem", {{"preset", "memory_regression"}}}});
  document["metric_policies"] = {
    {"p95_ms", {{"direction", "higher"}, {"regression_threshold_percent", 1}}}};
  BenchResults results = parse_ok(document);
  ASSERT_EQ(results.policies.size(), 2u);
  EXPECT_EQ(results.policies[0].first, "p95_ms");
  EXPECT_EQ(results.policies[0].second.direction, Direction::higher_is_better);
  EXPECT_EQ(results.policies[0].second.threshold_percent, 1.0);
  EXPECT_EQ(results.policies[1].first, "mem");
}

TEST(ResultsPresets, ExplicitPolicyKeepsThePresetGate)
{
  Json document = with_presets({{"failure_rate", {{"preset", "max_failure_rate"}, {"max", 0.05}}}},
                               {{"failure_rate", 0.1}});
  document["metric_policies"] = {{"failure_rate", {{"direction", "lower"}}}};
  BenchResults results = parse_ok(document);
  EXPECT_FALSE(results.policy("failure_rate")->threshold_percent);
  ASSERT_EQ(results.gate_results.size(), 1u);
  EXPECT_FALSE(results.gate_results[0].passed);
}

TEST(ResultsPresets, AbsoluteBudgetIsGateOnly)
{
  BenchResults results = parse_ok(
    with_presets({{"p95_ms", {{"preset", "absolute_budget"}, {"max", 100}}}}));
  EXPECT_EQ(results.policy("p95_ms"), nullptr);
  EXPECT_TRUE(results.policies.empty());
  ASSERT_EQ(results.gate_results.size(), 1u);
  const GateResult& gate = results.gate_results[0];
  EXPECT_EQ(gate.op, GateOp::lte);
  EXPECT_DOUBLE_EQ(gate.expected, 100);
  EXPECT_EQ(gate.source, "preset:absolute_budget");
  EXPECT_FALSE(gate.passed);
  EXPECT_FALSE(results.scenarios[0].passed);
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("gate failed: p95_ms lte 100 (actual 120.5)"));
  ASSERT_EQ(results.scenarios[0].gates.size(), 1u);
  EXPECT_EQ(results.budget_findings[0].rule, "bench.gate.p95_ms");
  EXPECT_EQ((*results.document)["scenarios"][0]["gate_results"][0]["source"],
            "preset:absolute_budget");
}

TEST(ResultsPresets, AbsoluteBudgetMinAndBand)
{
  BenchResults min_only = parse_ok(
    with_presets({{"p95_ms", {{"preset", "absolute_budget"}, {"min", 100}}}}));
  ASSERT_EQ(min_only.gate_results.size(), 1u);
  EXPECT_EQ(min_only.gate_results[0].op, GateOp::gte);
  EXPECT_TRUE(min_only.gate_results[0].passed);

  BenchResults band = parse_ok(
    with_presets({{"p95_ms", {{"preset", "absolute_budget"}, {"min", 100}, {"max", 200}}}}));
  ASSERT_EQ(band.gate_results.size(), 2u);
  EXPECT_EQ(band.gate_results[0].op, GateOp::lte);
  EXPECT_EQ(band.gate_results[1].op, GateOp::gte);
  EXPECT_TRUE(band.scenarios[0].passed);
}

TEST(ResultsPresets, MinCoverage)
{
  BenchResults results = parse_ok(with_presets(
    {{"coverage", {{"preset", "min_coverage"}, {"min", 0.8}}}}, {{"coverage", 0.75}}));
  const MetricPolicy* policy = results.policy("coverage");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->direction, Direction::higher_is_better);
  EXPECT_EQ(policy->threshold_percent, 0.0);
  ASSERT_EQ(results.gate_results.size(), 1u);
  EXPECT_EQ(results.gate_results[0].op, GateOp::gte);
  EXPECT_EQ(results.gate_results[0].source, "preset:min_coverage");
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("gate failed: coverage gte 0.8 (actual 0.75)"));
}

TEST(ResultsPresets, MaxPresets)
{
  for (const char* preset : {"max_failure_rate", "max_blocked_rate", "max_critical_findings"}) {
    BenchResults results = parse_ok(
      with_presets({{"count", {{"preset", preset}, {"max", 0}}}}, {{"count", 0}}));
    const MetricPolicy* policy = results.policy("count");
    ASSERT_NE(policy, nullptr) << preset;
    EXPECT_EQ(policy->direction, Direction::lower_is_better);
    EXPECT_EQ(policy->threshold_percent, 0.0);
    ASSERT_EQ(results.gate_results.size(), 1u);
    EXPECT_EQ(results.gate_results[0].op, GateOp::lte);
    EXPECT_EQ(results.gate_results[0].source, std::string("preset:") + preset);
    EXPECT_TRUE(results.gate_results[0].passed);
  }
}

TEST(ResultsPresets, PresetGateSkipsScenariosWithoutTheMetricOrWithAGate)
{
  Json document = with_presets({{"p95_ms", {{"preset", "absolute_budget"}, {"max", 100}}}});
  Json gated = {{"id", "gated"}, {"iterations", 1}, {"metrics", {{"p95_ms", 150}}},
                {"gates", {{{"metric", "p95_ms"}, {"op", "lte"}, {"value", 200}}}}};
  Json without = {{"id", "without"}, {"iterations", 1}, {"metrics", {{"mean_ms", 1}}}};
  document["scenarios"].push_back(gated);
  document["scenarios"].push_back(without);
  BenchResults results = parse_ok(document);
  ASSERT_EQ(results.gate_results.size(), 2u);
  EXPECT_EQ(results.gate_results[0].scenario_id, "cold-boot");
  EXPECT_EQ(results.gate_results[0].source, "preset:absolute_budget");
  // The workload's own gate replaces the preset's.
  EXPECT_EQ(results.gate_results[1].scenario_id, "gated");
  EXPECT_EQ(results.gate_results[1].source, "workload");
  EXPECT_TRUE(results.gate_results[1].passed);
  EXPECT_TRUE(results.scenarios[1].passed);
  EXPECT_TRUE(results.scenarios[2].passed);
  EXPECT_TRUE(results.scenarios[2].gates.empty());
}

TEST(ResultsPresets, UnknownPresetListsTheKnownOnes)
{
  Error error = doc_error(with_presets({{"p95_ms", {{"preset", "fast"}}}}));
  EXPECT_THAT(error.message,
              HasSubstr(": metric_policy_presets \"p95_ms\": unknown preset \"fast\"; known "
                        "presets: latency_regression, cold_warm_delta, flake_noise_threshold, "
                        "memory_regression, absolute_budget, min_coverage, max_failure_rate, "
                        "max_blocked_rate, max_critical_findings"));
  EXPECT_EQ(details(error)["key"], "metric_policy_presets");
  EXPECT_EQ(details(error)["metric"], "p95_ms");
  EXPECT_EQ(details(error)["field"], "preset");
}

TEST(ResultsPresets, BadEntries)
{
  struct Case
  {
    Json entry;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"latency_regression", "must be an object with a \"preset\" name, got string"},
    {Json::object(), "\"preset\" must be one of latency_regression, "},
    {{{"preset", 3}}, "\"preset\" must be one of latency_regression, cold_warm_delta"},
    {{{"preset", "latency_regression"}, {"budget", 1}},
     "unknown key \"budget\"; allowed keys: preset, max, min, direction, "},
    {{{"preset", "latency_regression"}, {"direction", "sideways"}},
     "\"direction\" must be one of lower_is_better"},
    {{{"preset", "latency_regression"}, {"max", 5}}, "preset latency_regression takes no \"max\""},
    {{{"preset", "max_failure_rate"}, {"min", 5}, {"max", 6}},
     "preset max_failure_rate takes no \"min\""},
    {{{"preset", "max_failure_rate"}}, "preset max_failure_rate requires \"max\" (a number)"},
    {{{"preset", "max_critical_findings"}, {"max", "0"}},
     "\"max\" must be a finite number, got string \"0\""},
    {{{"preset", "min_coverage"}}, "preset min_coverage requires \"min\" (a number)"},
    {{{"preset", "absolute_budget"}}, "preset absolute_budget requires \"max\" or \"min\""},
    {{{"preset", "absolute_budget"}, {"min", 5}, {"max", 1}},
     "\"min\" 5 is greater than \"max\" 1"},
    {{{"preset", "absolute_budget"}, {"max", 1}, {"direction", "lower"}},
     "preset absolute_budget is gate-only and takes no policy keys such as \"direction\""},
  };
  for (const auto& test_case : cases) {
    Error error = doc_error(with_presets({{"p95_ms", test_case.entry}}));
    EXPECT_THAT(error.message, HasSubstr(std::string("metric_policy_presets \"p95_ms\": ")
                                         + test_case.message))
      << dump_json(test_case.entry);
  }
  EXPECT_THAT(doc_error(with_presets("latency_regression")).message,
              HasSubstr("\"metric_policy_presets\" must be an object mapping metric names to "
                        "presets, got string"));
}

// ---- Variance-aware policies ----

Json
variance_document(Json samples, Json policy_extra = Json::object())
{
  Json policy = {{"direction", "lower"}, {"variance_aware", true}};
  for (const auto& [key, value] : policy_extra.items()) {
    policy[key] = value;
  }
  Json document = with_policies({{"agent_loop_ms", policy}});
  Json& metrics = document["scenarios"][0]["metrics"];
  metrics["agent_loop_ms"] = 1200;
  if (!samples.is_null()) {
    metrics["distributions"] = {{"agent_loop_ms", samples}};
  }
  return document;
}

TEST(ResultsVariance, EnoughSamplesPass)
{
  BenchResults results = parse_ok(
    variance_document({1100, 1200, 1300}, {{"min_iterations_for_variance", 3}}));
  EXPECT_TRUE(results.policy("agent_loop_ms")->variance_aware);
  EXPECT_EQ(results.policy("agent_loop_ms")->effective_test(), RegressionTest::mann_whitney_u);
}

TEST(ResultsVariance, MissingSamplesAreRefused)
{
  Error error = doc_error(variance_document(nullptr));
  EXPECT_THAT(error.message,
              HasSubstr(": scenario \"cold-boot\": metric \"agent_loop_ms\" has a variance_aware "
                        "policy, so metrics.distributions.agent_loop_ms needs at least 1 finite "
                        "sample, but it is missing"));
  EXPECT_EQ(details(error)["scenario"], "cold-boot");
  EXPECT_EQ(details(error)["metric"], "agent_loop_ms");
  EXPECT_EQ(details(error)["samples"], 0);
}

TEST(ResultsVariance, TooFewSamplesAreRefused)
{
  Error error = doc_error(variance_document({1, 2}, {{"min_iterations_for_variance", 5}}));
  EXPECT_THAT(error.message, HasSubstr("needs at least 5 finite samples, but it has 2 samples"));
  EXPECT_THAT(error.message, HasSubstr("run with --iterations 5 or more"));
  EXPECT_EQ(details(error)["min_iterations_for_variance"], 5);
  EXPECT_THAT(doc_error(variance_document(Json::array())).message,
              HasSubstr("needs at least 1 finite sample, but it has 0 samples"));
}

TEST(ResultsVariance, ScenariosWithoutTheMetricAreNotChecked)
{
  Json document = variance_document({1, 2, 3});
  document["scenarios"].push_back(
    {{"id", "other"}, {"iterations", 3}, {"metrics", {{"p95_ms", 1}}}});
  EXPECT_EQ(parse_ok(document).scenarios.size(), 2u);
}

TEST(ResultsVariance, PresetsCanBeVarianceAware)
{
  Json document = with_presets(
    {{"agent_loop_ms", {{"preset", "latency_regression"}, {"variance_aware", true},
                        {"min_iterations_for_variance", 4}}}},
    {{"agent_loop_ms", 1200}, {"distributions", {{"agent_loop_ms", {1, 2, 3}}}}});
  EXPECT_THAT(doc_error(document).message,
              HasSubstr("needs at least 4 finite samples, but it has 3 samples"));
}

} // namespace
} // namespace hb::bench::test

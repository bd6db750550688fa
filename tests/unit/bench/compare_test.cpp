// Comparison as documented (compat.md): the test vectors given there, the
// point test's threshold rules, and scenario bookkeeping.

#include "bench/compare.hpp"
#include "bench/verdict.hpp"

#include <gtest/gtest.h>

#include <numeric>

using namespace hb::bench;

namespace {

Scenario
scenario(const std::string& id, std::vector<Metric> metrics,
         std::vector<std::pair<std::string, std::vector<double>>> dist = {})
{
  Scenario s;
  s.id = id;
  s.iterations = 10;
  s.metrics = std::move(metrics);
  s.distributions = std::move(dist);
  return s;
}

BaselineScenario
base(const std::string& id, std::vector<Metric> metrics,
     std::vector<std::pair<std::string, std::vector<double>>> dist = {})
{
  return {id, std::move(metrics), std::move(dist)};
}

std::vector<double>
range(double from, int n)
{
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

} // namespace

TEST(Compare, LegacyP95FivePercent)
{
  Baseline b;
  b.scenarios = {base("a", {{"p95_ms", 100}}), base("b", {{"p95_ms", 100}})};
  BenchResults r;
  r.scenarios = {scenario("a", {{"p95_ms", 104}}), scenario("b", {{"p95_ms", 106}})};
  auto c = compare_to_baseline(b, r, {});
  ASSERT_EQ(c.scenarios.size(), 2u);
  EXPECT_FALSE(c.scenarios[0].regression) << "+4% is inside the 5% tolerance";
  EXPECT_TRUE(c.scenarios[1].regression) << "+6% exceeds it";
  EXPECT_TRUE(c.regression);
  ASSERT_EQ(c.reasons.size(), 1u);
  EXPECT_EQ(c.reasons[0], "b: p95_ms 100 → 106 (+6.0%)");
  EXPECT_EQ(c.scenarios[1].metric_deltas[0].regression_test, RegressionTest::point_delta);
}

TEST(Compare, LegacyThresholdIsConfigurable)
{
  Baseline b;
  b.scenarios = {base("a", {{"p95_ms", 100}})};
  BenchResults r;
  r.scenarios = {scenario("a", {{"p95_ms", 106}})};
  EXPECT_FALSE(compare_to_baseline(b, r, CompareOptions{10.0}).regression);
}

TEST(Compare, ZeroLegacyBaselineNeverRegresses)
{
  Baseline b;
  b.scenarios = {base("a", {{"p95_ms", 0}})};
  BenchResults r;
  r.scenarios = {scenario("a", {{"p95_ms", 50}})};
  EXPECT_FALSE(compare_to_baseline(b, r, {}).regression);
}

TEST(Compare, PolicyBothThresholdsMustBeExceeded)
{
  MetricPolicy p;
  p.direction = Direction::higher_is_better;
  p.threshold_percent = 5;
  p.threshold_absolute = 10;
  Baseline b;
  b.scenarios = {base("a", {{"rps", 100}}), base("b", {{"rps", 1000}}), base("c", {{"rps", 1000}})};
  BenchResults r;
  r.policies = {{"rps", p}};
  // a: -6 (6 %, not > 10 absolute); b: -20 (2 %, not > 5 %); c: -60 (6 % and 60).
  r.scenarios = {scenario("a", {{"rps", 94}}), scenario("b", {{"rps", 980}}),
                 scenario("c", {{"rps", 940}})};
  auto c = compare_to_baseline(b, r, {});
  EXPECT_FALSE(c.scenarios[0].regression);
  EXPECT_FALSE(c.scenarios[1].regression);
  EXPECT_TRUE(c.scenarios[2].regression);
}

TEST(Compare, OnlyPolicyMetricsAreCompared)
{
  MetricPolicy p;
  p.threshold_absolute = 0.01;
  Baseline b;
  b.scenarios = {base("a", {{"error_rate", 0}, {"p95_ms", 10}})};
  BenchResults r;
  r.policies = {{"error_rate", p}};
  r.scenarios = {scenario("a", {{"error_rate", 0.05}, {"p95_ms", 1000}})};
  auto c = compare_to_baseline(b, r, {});
  ASSERT_EQ(c.scenarios[0].metric_deltas.size(), 1u);
  EXPECT_EQ(c.scenarios[0].metric_deltas[0].name, "error_rate");
  EXPECT_TRUE(c.regression) << "a rise from zero beyond the absolute threshold regresses";
}

TEST(Compare, MannWhitneyDocumentedVector)
{
  MetricPolicy p;
  p.variance_aware = true;
  Baseline b;
  b.scenarios = {base("a", {{"t", 102.5}}, {{"t", range(100, 6)}})};
  BenchResults r;
  r.policies = {{"t", p}};
  r.scenarios = {scenario("a", {{"t", 142.5}}, {{"t", range(140, 6)}})};
  auto c = compare_to_baseline(b, r, {});
  const auto& d = c.scenarios[0].metric_deltas[0];
  EXPECT_EQ(d.regression_test, RegressionTest::mann_whitney_u);
  ASSERT_TRUE(d.statistic.has_value());
  EXPECT_DOUBLE_EQ(*d.statistic, 36.0);
  EXPECT_DOUBLE_EQ(d.baseline_value, 102.5) << "medians are compared";
  EXPECT_TRUE(d.regression);
  EXPECT_EQ(d.baseline_samples, 6u);
}

TEST(Compare, KolmogorovSmirnovDocumentedVector)
{
  MetricPolicy p;
  p.direction = Direction::higher_is_better;
  p.variance_aware = true;
  p.regression_test = RegressionTest::kolmogorov_smirnov;
  Baseline b;
  b.scenarios = {base("a", {{"rps", 92}}, {{"rps", range(90, 6)}})};
  BenchResults r;
  r.policies = {{"rps", p}};
  r.scenarios = {scenario("a", {{"rps", 72}}, {{"rps", range(70, 6)}})};
  auto d = compare_to_baseline(b, r, {}).scenarios[0].metric_deltas[0];
  EXPECT_DOUBLE_EQ(*d.statistic, 1.0);
  EXPECT_TRUE(d.regression);
}

TEST(Compare, TwoSamplesPerSideCanNeverBeSignificant)
{
  // A documented weakness kept on purpose: with n = 2 the largest z is 1.55.
  MetricPolicy p;
  p.variance_aware = true;
  Baseline b;
  b.scenarios = {base("a", {{"t", 1}}, {{"t", {1, 2}}})};
  BenchResults r;
  r.policies = {{"t", p}};
  r.scenarios = {scenario("a", {{"t", 1000}}, {{"t", {1000, 2000}}})};
  EXPECT_FALSE(compare_to_baseline(b, r, {}).regression);
}

TEST(Compare, SampleTestFallsBackWithoutBaselineSamples)
{
  MetricPolicy p;
  p.variance_aware = true;
  Baseline b;
  b.scenarios = {base("a", {{"t", 100}})};
  BenchResults r;
  r.policies = {{"t", p}};
  r.scenarios = {scenario("a", {{"t", 200}}, {{"t", range(195, 10)}})};
  auto d = compare_to_baseline(b, r, {}).scenarios[0].metric_deltas[0];
  EXPECT_EQ(d.regression_test, RegressionTest::point_delta);
  EXPECT_NE(d.note.find("baseline has no samples"), std::string::npos);
}

TEST(Compare, NewAndRemovedScenariosAreInformational)
{
  Baseline b;
  b.scenarios = {base("old", {{"p95_ms", 1}}), base("kept", {{"p95_ms", 10}})};
  BenchResults r;
  r.scenarios = {scenario("kept", {{"p95_ms", 9}}), scenario("new", {{"p95_ms", 1}})};
  auto c = compare_to_baseline(b, r, {});
  EXPECT_EQ(c.new_scenario_ids, std::vector<std::string>{"new"});
  EXPECT_EQ(c.removed_scenario_ids, std::vector<std::string>{"old"});
  EXPECT_FALSE(c.regression);
  EXPECT_TRUE(c.has_improvements);
}

TEST(ExitCode, Precedence)
{
  EXPECT_EQ(bench_exit_code(3, false, true), 3) << "the runner's code wins";
  EXPECT_EQ(bench_exit_code(0, false, false), 1) << "a failed gate";
  EXPECT_EQ(bench_exit_code(0, true, true), 1) << "a regression";
  EXPECT_EQ(bench_exit_code(0, false, true), 1);
  EXPECT_EQ(bench_exit_code(0, true, false), 0);
  EXPECT_EQ(bench_exit_code(130, true, false), 130);
}

TEST(FormatValue, TrimsZeros)
{
  EXPECT_EQ(format_value(100.0), "100");
  EXPECT_EQ(format_value(4.8000000001), "4.8");
  EXPECT_EQ(format_value(-0.00001), "-1e-05");
  EXPECT_EQ(format_value(0.0), "0");
}

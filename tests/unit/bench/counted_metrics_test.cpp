// `--measure instructions`: the counted metrics' default policies, the
// results file a counted run writes (read back by the real parser), and how
// such counts compare with a baseline: identical counts (zero variance) are
// `unchanged` with finite figures, 2 % more is `regressed`, 0.5 % is noise.

#include "bench/baseline.hpp"
#include "bench/command_timing.hpp"
#include "bench/compare.hpp"
#include "bench/results/results.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace hb;
using namespace hb::bench;

namespace {

/// A counted run of one command `name` with these instruction samples.
TimingRun
counted_run(std::vector<double> instructions, std::vector<double> cache_misses = {})
{
  TimingRun run;
  CommandTiming timing;
  timing.name = "hash";
  timing.command = "sha256sum data.bin";
  timing.argv = {"sha256sum", "data.bin"};
  timing.instructions = std::move(instructions);
  timing.cache_misses = std::move(cache_misses);
  run.commands.push_back(std::move(timing));
  return run;
}

TimingOptions
counted_options(std::uint64_t iterations)
{
  TimingOptions options;
  options.iterations = iterations;
  options.counter = measure::Counter::cachegrind;
  return options;
}

BenchResults
parse(const TimingRun& run, std::uint64_t iterations)
{
  std::string text = timing_results_json(run, counted_options(iterations), 5.0, "exec");
  auto results = parse_results(text, ParseOptions{});
  EXPECT_TRUE(results) << (results ? "" : results.error().message) << "\n" << text;
  return results ? std::move(*results) : BenchResults{};
}

const MetricDelta*
delta(const BaselineComparison& c, std::string_view metric)
{
  for (const auto& s : c.scenarios) {
    for (const auto& d : s.metric_deltas) {
      if (d.name == metric) return &d;
    }
  }
  return nullptr;
}

BaselineComparison
compare(const std::vector<double>& base, const std::vector<double>& cur)
{
  Baseline baseline = make_baseline(parse(counted_run(base), base.size()), 1000);
  return compare_to_baseline(baseline, parse(counted_run(cur), cur.size()), CompareOptions{});
}

std::vector<double>
scaled(std::vector<double> values, double factor)
{
  for (auto& v : values) v = std::round(v * factor);
  return values;
}

const std::vector<double> k_counts = {2'803'112, 2'803'112, 2'803'112, 2'803'112, 2'803'112};

} // namespace

TEST(CountedMetricPolicy, InstructionsAreLowerIsBetterAtOnePercentOnTheMedian)
{
  auto policy = counted_metric_policy("instructions");
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->direction, Direction::lower_is_better);
  EXPECT_EQ(policy->effective_test(), RegressionTest::point_delta);
  EXPECT_EQ(policy->threshold_percent, 1.0);
  auto misses = counted_metric_policy("cache_misses");
  ASSERT_TRUE(misses);
  EXPECT_EQ(misses->effective_test(), RegressionTest::point_delta);
  EXPECT_EQ(misses->threshold_percent, 10.0);
  EXPECT_FALSE(counted_metric_policy("wall_ms"));
}

TEST(CountedResultsJson, TheParserReadsTheCountsTheirPolicyAndTheCounter)
{
  BenchResults results = parse(counted_run({300, 100, 200}), 3);
  ASSERT_EQ(results.scenarios.size(), 1u);
  const Scenario& s = results.scenarios[0];
  ASSERT_NE(s.metric("instructions"), nullptr);
  EXPECT_EQ(*s.metric("instructions"), 200); // the median
  ASSERT_NE(s.samples("instructions"), nullptr);
  EXPECT_EQ(*s.samples("instructions"), (std::vector<double>{300, 100, 200})); // as counted
  EXPECT_EQ(s.metric("wall_ms"), nullptr);
  EXPECT_EQ(s.metric("cache_misses"), nullptr); // cachegrind gives none
  EXPECT_EQ(*s.metric("failed_iterations"), 0);
  const MetricPolicy* policy = results.policy("instructions");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->effective_test(), RegressionTest::point_delta);
  EXPECT_EQ(policy->threshold_percent, 1.0);
  EXPECT_EQ(results.policy("wall_ms"), nullptr);
  EXPECT_EQ(results.policy("cache_misses"), nullptr);
  const Json& doc = *results.document;
  EXPECT_EQ(doc["run_metadata"]["measure"]["kind"], "instructions");
  EXPECT_EQ(doc["run_metadata"]["measure"]["counter"], "cachegrind (valgrind)");
  EXPECT_EQ(doc["scenarios"][0]["metadata"]["successful_iterations"], 3);
}

TEST(CountedResultsJson, CacheMissesComeWithTheirOwnPolicyWhereCounted)
{
  BenchResults results = parse(counted_run({100, 100}, {7, 9}), 2);
  const Scenario& s = results.scenarios[0];
  ASSERT_NE(s.metric("cache_misses"), nullptr);
  EXPECT_EQ(*s.metric("cache_misses"), 8);
  const MetricPolicy* policy = results.policy("cache_misses");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->threshold_percent, 10.0);
}

TEST(CountedComparison, IdenticalCountsAreUnchangedWithFiniteFigures)
{
  auto c = compare(k_counts, k_counts);
  const MetricDelta* d = delta(c, "instructions");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->verdict, Verdict::unchanged);
  EXPECT_FALSE(c.regression);
  ASSERT_TRUE(d->delta_pct);
  EXPECT_EQ(*d->delta_pct, 0.0);
  EXPECT_TRUE(std::isfinite(d->baseline_value) && std::isfinite(d->current_value));
  EXPECT_EQ(c.scenarios[0].verdict, Verdict::unchanged);
}

TEST(CountedComparison, TwoPercentMoreIsRegressedAndTwoPercentLessImproved)
{
  auto worse = compare(k_counts, scaled(k_counts, 1.02));
  const MetricDelta* d = delta(worse, "instructions");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->verdict, Verdict::regressed);
  EXPECT_TRUE(worse.regression);
  EXPECT_NEAR(*d->delta_pct, 2.0, 1e-3);

  auto better = compare(k_counts, scaled(k_counts, 0.98));
  EXPECT_EQ(delta(better, "instructions")->verdict, Verdict::improved);
  EXPECT_FALSE(better.regression);
}

TEST(CountedComparison, ASmallWobbleOfAFewInstructionsIsUnchanged)
{
  std::vector<double> wobble = {2'803'112, 2'803'190, 2'803'050, 2'803'112, 2'803'400};
  auto c = compare(k_counts, wobble);
  EXPECT_EQ(delta(c, "instructions")->verdict, Verdict::unchanged);
  auto half = compare(k_counts, scaled(k_counts, 1.005));
  EXPECT_EQ(delta(half, "instructions")->verdict, Verdict::unchanged);
}

TEST(CountedComparison, ZeroVarianceSamplesUnderASampleTestNeitherCrashNorGiveNaN)
{
  // A user who declares a variance-aware policy for the counts gets the
  // sample tests on two constant samples: no NaN, and a decision.
  auto text = [](const std::vector<double>& counts) {
    std::string doc = timing_results_json(counted_run(counts), counted_options(counts.size()));
    Json json = parse_json(doc, "test").value();
    json["metric_policies"]["instructions"] = {{"direction", "lower_is_better"},
                                               {"variance_aware", true},
                                               {"regression_test", "mann_whitney_u"},
                                               {"regression_threshold_percent", 1.0}};
    return parse_results(dump_json(json), ParseOptions{}).value();
  };
  for (double factor : {1.0, 1.02}) {
    Baseline baseline = make_baseline(text(k_counts), 1000);
    auto c = compare_to_baseline(baseline, text(scaled(k_counts, factor)), CompareOptions{});
    const MetricDelta* d = delta(c, "instructions");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(std::isfinite(d->current_value));
    if (d->p_value) {
      EXPECT_FALSE(std::isnan(*d->p_value));
    }
    if (d->interval) {
      EXPECT_FALSE(std::isnan(d->interval->lower) || std::isnan(d->interval->upper));
    }
    if (factor == 1.0) {
      EXPECT_NE(d->verdict, Verdict::regressed);
      EXPECT_NE(d->verdict, Verdict::improved);
    } else {
      EXPECT_NE(d->verdict, Verdict::improved);
    }
  }
}

// The machine-speed index: which metrics follow the machine's speed, how two
// indexes compare, and how the comparison discounts a change the machine's
// own slowdown explains (and nothing else).

#include "bench/compare.hpp"
#include "bench/machine_speed.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace hb::bench;

namespace {

MachineSpeed
speed(std::vector<double> sessions)
{
  MachineSpeed s;
  s.sessions = std::move(sessions);
  return s;
}

// Five tight samples a side around 100 and 100 * (1 + shift) of metric
// `name` (lower is better, 10 % threshold), two sessions a side, so the
// session comparison has its own spread.
struct Pair
{
  Baseline baseline;
  BenchResults current;
};

Pair
pair(const std::string& name, double shift, Direction direction = Direction::lower_is_better)
{
  static const double pattern[] = {-0.004, 0.002, 0.0, 0.003, -0.002, 0.001, -0.003, 0.004};
  Pair p;
  MetricPolicy policy;
  policy.variance_aware = true;
  policy.regression_test = RegressionTest::mann_whitney_u;
  policy.threshold_percent = 10;
  policy.direction = direction;
  p.current.policies = {{name, policy}};
  std::vector<double> old, cur;
  for (int i = 0; i < 8; ++i) {
    old.push_back(100 * (1 + pattern[i]));
    cur.push_back(100 * (1 + shift) * (1 + pattern[(i + 3) % 8]));
  }
  BaselineScenario b{"s", {{name, 100}}, {{name, old}}, {{name, {4, 4}}}, {}};
  p.baseline.scenarios.push_back(b);
  Scenario s;
  s.id = "s";
  s.iterations = 8;
  s.metrics = {{name, cur[0]}};
  s.distributions = {{name, cur}};
  s.sessions = {{name, {4, 4}}};
  p.current.scenarios.push_back(s);
  return p;
}

const MetricDelta&
only_delta(const BaselineComparison& c)
{
  return c.scenarios.at(0).metric_deltas.at(0);
}

} // namespace

TEST(MachineSpeed, TimesAndRatesFollowTheMachineCountsDoNot)
{
  for (const char* time : {"wall_ms", "p95_ms", "elapsed", "latency_p99", "duration_seconds",
                           "cold_boot_time", "Total_US"}) {
    EXPECT_EQ(speed_sensitivity(time), 1) << time;
  }
  for (const char* rate : {"ops_per_sec", "requests_per_second", "throughput", "qps"}) {
    EXPECT_EQ(speed_sensitivity(rate), -1) << rate;
  }
  for (const char* other : {"t", "instructions", "peak_rss_bytes", "allocations", "score",
                            "cache_misses"}) {
    EXPECT_EQ(speed_sensitivity(other), 0) << other;
  }
}

TEST(MachineSpeed, ComparesOnlyTheSameProbeAndSaysHowMuchSlower)
{
  auto c = compare_speed(speed({100, 100}), speed({80}));
  ASSERT_TRUE(c);
  EXPECT_DOUBLE_EQ(c->slowdown(), 1.25);
  EXPECT_TRUE(c->differs());
  EXPECT_EQ(c->describe(),
            "ran 25% slower than when the baseline was recorded (speed index 80 against 100)");
  EXPECT_EQ(compare_speed(speed({100}), speed({125}))->describe(),
            "ran 25% faster than when the baseline was recorded (speed index 125 against 100)");
  EXPECT_FALSE(compare_speed(speed({100}), speed({95}))->differs()) << "5 % is the probe's noise";
  auto other = speed({100});
  other.probe = "cpu-v2";
  EXPECT_FALSE(compare_speed(other, speed({100}))) << "another probe is another scale";
  EXPECT_FALSE(compare_speed(std::nullopt, speed({100}))) << "older baselines have none";
}

TEST(MachineSpeed, ARegressionTheSlowdownExplainsIsInconclusive)
{
  auto [b, r] = pair("wall_ms", 0.20);
  CompareOptions options;
  auto same = compare_to_baseline(b, r, options);
  EXPECT_EQ(only_delta(same).verdict, Verdict::regressed) << "no speed known: as before";

  b.machine_speed = speed({100, 100});
  options.current_speed = speed({80, 80}); // 25 % slower: 1.20 / 1.25 = -4 %
  auto slow = compare_to_baseline(b, r, options);
  const auto& d = only_delta(slow);
  EXPECT_EQ(d.verdict, Verdict::inconclusive);
  EXPECT_FALSE(slow.regression);
  ASSERT_TRUE(d.speed_adjusted_pct);
  EXPECT_NEAR(*d.speed_adjusted_pct, -4.0, 1.0);
  EXPECT_NE(d.reason.find("the machine ran 25% slower"), std::string::npos) << d.reason;
  EXPECT_NE(d.remedy.find("--measure instructions"), std::string::npos) << d.remedy;
  ASSERT_TRUE(slow.machine_speed);
  EXPECT_DOUBLE_EQ(slow.machine_speed->slowdown(), 1.25);

  options.current_speed = speed({95}); // within the probe's noise
  EXPECT_EQ(only_delta(compare_to_baseline(b, r, options)).verdict, Verdict::regressed);
  options.current_speed = speed({120}); // a faster machine explains no slowdown
  EXPECT_EQ(only_delta(compare_to_baseline(b, r, options)).verdict, Verdict::regressed);
}

TEST(MachineSpeed, AChangeBeyondWhatTheSlowdownExplainsStands)
{
  auto [b, r] = pair("wall_ms", 0.50);
  b.machine_speed = speed({100});
  CompareOptions options;
  options.current_speed = speed({80}); // 1.5 / 1.25 = +20 %, beyond 10 %
  const auto compared = compare_to_baseline(b, r, options);
  const auto& d = only_delta(compared);
  EXPECT_EQ(d.verdict, Verdict::regressed);
  EXPECT_NEAR(*d.speed_adjusted_pct, 20.0, 1.5);
}

TEST(MachineSpeed, CountsAndRatesAreJudgedByWhatTheyMeasure)
{
  // A count does not follow the machine's speed: its regression stands.
  auto [b, r] = pair("instructions", 0.20);
  b.machine_speed = speed({100});
  CompareOptions options;
  options.current_speed = speed({80});
  EXPECT_EQ(only_delta(compare_to_baseline(b, r, options)).verdict, Verdict::regressed);

  // A rate 20 % higher on a machine 25 % faster: the machine's, not the
  // code's.
  auto [rb, rr] = pair("ops_per_sec", 0.20, Direction::higher_is_better);
  rb.machine_speed = speed({100});
  options.current_speed = speed({125});
  const auto compared = compare_to_baseline(rb, rr, options);
  const auto& d = only_delta(compared);
  EXPECT_EQ(d.verdict, Verdict::inconclusive) << d.reason;
  EXPECT_NE(d.reason.find("faster"), std::string::npos);
}

TEST(MachineSpeed, TheDocumentedRulesIgnoreIt)
{
  auto [b, r] = pair("wall_ms", 0.20);
  b.machine_speed = speed({100});
  CompareOptions options;
  options.statistics = Statistics::documented;
  options.current_speed = speed({80});
  auto c = compare_to_baseline(b, r, options);
  EXPECT_FALSE(c.machine_speed);
  EXPECT_EQ(only_delta(c).verdict, Verdict::regressed);
}

TEST(MachineSpeed, TheProbeReturnsAPositiveIndex)
{
  double index = probe_speed_index();
  EXPECT_GT(index, 0);
  EXPECT_TRUE(std::isfinite(index));
}

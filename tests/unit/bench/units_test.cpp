// How reports show metric values: the unit from the metric's name, four
// significant digits, the prefix that keeps the figure readable.

#include "bench/units.hpp"
#include "bench/verdict_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace hb::bench;

TEST(Units, TheNameSuffixGivesTheUnit)
{
  EXPECT_EQ(unit_of("p95_ms").dimension, Dimension::time);
  EXPECT_DOUBLE_EQ(unit_of("p95_ms").scale, 1e-3);
  EXPECT_DOUBLE_EQ(unit_of("WALL_NS").scale, 1e-9);
  EXPECT_DOUBLE_EQ(unit_of("elapsed_seconds").scale, 1);
  EXPECT_EQ(unit_of("max_rss_kb").dimension, Dimension::bytes);
  EXPECT_DOUBLE_EQ(unit_of("max_rss_kb").scale, 1024);
  EXPECT_EQ(unit_of("ops_per_sec").dimension, Dimension::rate);
  EXPECT_EQ(unit_of("cpu_pct").dimension, Dimension::percent);
  EXPECT_EQ(unit_of("instructions").dimension, Dimension::count);
  EXPECT_EQ(unit_of("passed_count").dimension, Dimension::count);
  // "_ms" inside a name is not a suffix.
  EXPECT_EQ(unit_of("ms_count").dimension, Dimension::count);
}

TEST(Units, TimesHaveFourSignificantDigitsAndAFittingPrefix)
{
  EXPECT_EQ(format_metric("p50_ms", 114.529), "114.5 ms");
  EXPECT_EQ(format_metric("p50_ms", 84.6515), "84.65 ms");
  EXPECT_EQ(format_metric("p50_ms", 5), "5.000 ms");
  EXPECT_EQ(format_metric("p50_ms", 1234.6), "1.235 s");
  EXPECT_EQ(format_metric("p50_ms", 0.0123), "12.30 µs");
  EXPECT_EQ(format_metric("p50_ms", 0), "0 s");
  EXPECT_EQ(format_metric("wall_ns", 850), "850.0 ns");
  // Rounding that reaches 1000 moves up a prefix instead of printing 1000.0.
  EXPECT_EQ(format_metric("p50_ms", 999.96), "1.000 s");
  EXPECT_EQ(format_metric("p50_ms", -12.346), "-12.35 ms");
}

TEST(Units, BytesRatesPercentsAndCounts)
{
  EXPECT_EQ(format_metric("max_rss_kb", 512), "512.0 KiB");
  EXPECT_EQ(format_metric("max_rss_kb", 20480), "20.00 MiB");
  EXPECT_EQ(format_metric("heap_bytes", 100), "100.0 B");
  EXPECT_EQ(format_metric("ops_per_sec", 1234567), "1.235 M/s");
  EXPECT_EQ(format_metric("cpu_pct", 12.5), "12.50%");
  EXPECT_EQ(format_metric("passed_count", 12), "12");
  EXPECT_EQ(format_metric("instructions", 123456789), "123.5 M");
  EXPECT_EQ(format_metric("ratio", 0.25), "0.25");
  EXPECT_EQ(format_metric("score", 12.3456), "12.35");
  EXPECT_EQ(format_metric_delta("p50_ms", 1.5), "+1.500 ms");
  EXPECT_EQ(format_metric_delta("p50_ms", -1.5), "-1.500 ms");
  EXPECT_EQ(format_metric("p50_ms", std::numeric_limits<double>::infinity()), "inf");
}

namespace {

MetricDelta
delta(Verdict v, Undecided why = Undecided::none)
{
  MetricDelta d;
  d.verdict = v;
  d.undecided = why;
  return d;
}

} // namespace

TEST(VerdictSummary, SaysHowManyWereDecidedAndWhyTheOthersWereNot)
{
  BaselineComparison c;
  ScenarioComparison a;
  a.metric_deltas = {delta(Verdict::unchanged), delta(Verdict::improved),
                     delta(Verdict::inconclusive, Undecided::one_session)};
  ScenarioComparison b;
  b.metric_deltas = {delta(Verdict::inconclusive, Undecided::one_session),
                     delta(Verdict::inconclusive, Undecided::machine_speed)};
  c.scenarios = {a, b};
  auto counts = count_verdicts(c);
  EXPECT_EQ(counts.compared, 5u);
  EXPECT_EQ(counts.decided(), 2u);
  EXPECT_EQ(counts.undecided[Undecided::one_session], 2u);
  EXPECT_EQ(summarize(counts),
            "5 metrics compared: 2 decided (1 improved, 1 unchanged); 3 not decided (2 one "
            "session a side and no run history; 1 the machine's speed changed)");
}

TEST(VerdictSummary, AllDecidedAndNothingCompared)
{
  BaselineComparison c;
  ScenarioComparison a;
  a.metric_deltas = {delta(Verdict::unchanged), delta(Verdict::regressed)};
  c.scenarios = {a};
  EXPECT_EQ(summarize(count_verdicts(c)),
            "2 metrics compared, all decided (1 regressed, 1 unchanged)");
  EXPECT_EQ(summarize(count_verdicts(BaselineComparison{})), "");
}

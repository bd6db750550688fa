// E-divisive change points: the statistic against its definition computed
// pair by pair, and series whose change points are known by construction.

#include "stats/change_points.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace hb::stats;

namespace {

// Normal noise from Box-Muller over mt19937_64, so the series are the same
// with any standard library.
std::vector<double>
noisy(std::size_t n, double centre, double sd, std::uint64_t seed)
{
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0; };
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    double z = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform());
    out.push_back(centre + sd * z);
  }
  return out;
}

std::vector<double>
concat(std::vector<double> a, const std::vector<double>& b)
{
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Q at split t, straight from the definition.
double
naive_statistic(const std::vector<double>& x, std::size_t t)
{
  const std::size_t n = x.size();
  double between = 0, left = 0, right = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      double d = std::fabs(x[i] - x[j]);
      if (j < t) left += d;
      else if (i >= t) right += d;
      else between += d;
    }
  }
  double a = static_cast<double>(t), b = static_cast<double>(n - t);
  double e = 2 * between / (a * b) - left / (a * (a - 1) / 2) - right / (b * (b - 1) / 2);
  return a * b / (a + b) * e;
}

TEST(BestSplit, MatchesTheDefinitionAtEverySplit)
{
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto x = concat(noisy(9, 10, 2, seed), noisy(8, 13, 1, seed + 100));
    x[3] = x[11]; // a tie across the segments
    std::size_t best_t = 0;
    double best_q = -1e300;
    for (std::size_t t = 3; t + 3 <= x.size(); ++t) {
      double q = naive_statistic(x, t);
      if (q > best_q) {
        best_q = q;
        best_t = t;
      }
    }
    auto split = best_split(x, 3);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->index, best_t) << "seed " << seed;
    EXPECT_NEAR(split->statistic, best_q, 1e-9 * std::fabs(best_q)) << "seed " << seed;
  }
}

TEST(BestSplit, NeedsTwoMinimumSegments)
{
  std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_FALSE(best_split(x, 3));
  EXPECT_TRUE(best_split(x, 2));
}

TEST(ChangePoints, FindsAClearStepAtItsIndexWithItsMagnitude)
{
  auto series = concat(noisy(12, 100, 1, 7), noisy(10, 112, 1, 8));
  auto r = change_points(series);
  EXPECT_STREQ(r.method, "e-divisive");
  ASSERT_EQ(r.change_points.size(), 1u);
  const auto& cp = r.change_points[0];
  EXPECT_EQ(cp.index, 12u);
  EXPECT_NEAR(cp.before.mean, 100, 1);
  EXPECT_NEAR(cp.after.mean, 112, 1);
  EXPECT_NEAR(cp.after.median / cp.before.median - 1, 0.12, 0.015);
  EXPECT_EQ(cp.before.begin, 0u);
  EXPECT_EQ(cp.before.end, 12u);
  EXPECT_EQ(cp.after.end, series.size());
  EXPECT_LE(cp.p_value, 0.001) << "no permutation of two separated clusters is as extreme";
  EXPECT_GT(cp.p_value, 0) << "the observed arrangement counts";
  ASSERT_EQ(r.segments.size(), 2u);
}

TEST(ChangePoints, AFlatNoisySeriesRarelyHasAny)
{
  // Each series has no change; at alpha 0.01 about 1 % of them may show a
  // false one (the permutation test is exact for exchangeable values).
  int with_change = 0;
  const int series_count = 100;
  ChangePointOptions options;
  options.permutations = 199;
  for (int s = 0; s < series_count; ++s) {
    auto series = noisy(30, 100, 3, 1000 + static_cast<std::uint64_t>(s));
    options.seed = static_cast<std::uint64_t>(s);
    with_change += change_points(series, options).change_points.empty() ? 0 : 1;
  }
  EXPECT_LE(with_change, 5) << "false alarms well above alpha";
  auto one = change_points(noisy(40, 100, 3, 42));
  EXPECT_TRUE(one.change_points.empty());
  ASSERT_EQ(one.segments.size(), 1u);
  EXPECT_EQ(one.segments[0].end, 40u);
}

TEST(ChangePoints, AConstantSeriesHasNone)
{
  std::vector<double> series(20, 5.0);
  auto r = change_points(series);
  EXPECT_STREQ(r.method, "e-divisive");
  EXPECT_TRUE(r.change_points.empty());
}

TEST(ChangePoints, FindsTwoSteps)
{
  // (The draw of seed 1 for the first segment happens to hold a real 1.5
  // sd step after its 4th value, p about 0.01: seed 4 has none.)
  auto series = concat(concat(noisy(10, 100, 1, 4), noisy(10, 120, 1, 2)), noisy(10, 90, 1, 3));
  auto r = change_points(series);
  ASSERT_EQ(r.change_points.size(), 2u);
  EXPECT_EQ(r.change_points[0].index, 10u);
  EXPECT_EQ(r.change_points[1].index, 20u);
  // Magnitudes are between neighbouring segments of the final segmentation.
  EXPECT_EQ(r.change_points[0].after.end, 20u);
  EXPECT_NEAR(r.change_points[0].after.mean, 120, 1);
  EXPECT_EQ(r.change_points[1].before.begin, 10u);
  EXPECT_NEAR(r.change_points[1].after.mean, 90, 1);
  ASSERT_EQ(r.segments.size(), 3u);
}

TEST(ChangePoints, RespectsTheMinimumSegment)
{
  // Twelve values, then three far off: with segments of at least 4 the last
  // three cannot stand alone; with 3 they can.
  auto series = concat(noisy(12, 100, 1, 5), {150, 151, 149});
  ChangePointOptions four;
  four.min_segment = 4;
  for (const auto& cp : change_points(series, four).change_points) {
    EXPECT_GE(cp.before.end - cp.before.begin, 4u);
    EXPECT_GE(cp.after.end - cp.after.begin, 4u);
    EXPECT_NE(cp.index, 12u);
  }
  auto r = change_points(series);
  ASSERT_EQ(r.change_points.size(), 1u);
  EXPECT_EQ(r.change_points[0].index, 12u);

  // A single spike is not a change.
  auto spike = noisy(20, 100, 1, 9);
  spike[10] = 200;
  EXPECT_TRUE(change_points(spike).change_points.empty());
}

TEST(ChangePoints, TooShortIsInsufficient)
{
  std::vector<double> series = {1, 2, 3, 10, 11};
  auto r = change_points(series);
  EXPECT_STREQ(r.method, "insufficient");
  EXPECT_TRUE(r.change_points.empty());
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].end, 5u);
  EXPECT_TRUE(change_points({}).segments.empty());
}

TEST(ChangePoints, SameSeedSameAnswer)
{
  auto series = concat(noisy(8, 100, 4, 11), noisy(8, 106, 4, 12));
  ChangePointOptions options;
  options.seed = 1234;
  auto a = change_points(series, options);
  auto b = change_points(series, options);
  ASSERT_EQ(a.change_points.size(), b.change_points.size());
  for (std::size_t i = 0; i < a.change_points.size(); ++i) {
    EXPECT_EQ(a.change_points[i].index, b.change_points[i].index);
    EXPECT_EQ(a.change_points[i].p_value, b.change_points[i].p_value);
  }
  // A clear step is found whatever the seed; only p moves by a few draws.
  auto clear = concat(noisy(10, 100, 1, 13), noisy(10, 110, 1, 14));
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    options.seed = seed;
    auto r = change_points(clear, options);
    ASSERT_EQ(r.change_points.size(), 1u);
    EXPECT_EQ(r.change_points[0].index, 10u);
  }
}

TEST(ChangePoints, AnUnreachableAlphaFindsNothing)
{
  auto series = concat(noisy(10, 100, 1, 1), noisy(10, 120, 1, 2));
  ChangePointOptions options;
  options.permutations = 99;
  options.alpha = 0.001; // below 1 / (99 + 1)
  EXPECT_TRUE(change_points(series, options).change_points.empty());
}

} // namespace

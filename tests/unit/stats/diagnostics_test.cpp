// Within-run diagnostics against reference values (Mann-Kendall from its
// textbook formulas, SciPy 1.10's theilslopes, skew and kurtosis; written by
// tests/fixtures/stats/make_diagnostics_vectors.py), plus hand-built runs whose
// answer is known by construction.

#include "stats/diagnostics.hpp"
#include "stats/distributions.hpp"

#include <gtest/gtest.h>

#include <random>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using namespace hb::stats;
using Json = nlohmann::json;

namespace {

// Sums and closed forms (Var(S), moments, the coefficient): 1e-9 relative.
// Theil-Sen's slope is one pairwise slope or the mean of two, computed as
// NumPy does: 1e-12.
constexpr double kClosedForm = 1e-9;
constexpr double kSlope = 1e-12;

const Json&
vectors()
{
  static const Json document = [] {
    std::ifstream in(HB_FIXTURES_DIR "/stats/diagnostics_vectors.json");
    return Json::parse(in);
  }();
  return document;
}

double
relative_error(double actual, double expected)
{
  if (actual == expected) {
    return 0;
  }
  return std::fabs(actual - expected) / std::max(std::fabs(expected), 1e-300);
}

// A deterministic "normal" run: the normal quantiles at (k + 0.5) / n, visited
// in the order k = 37 i mod n (n coprime to 37), so it has no trend, no tails
// and the same values with every standard library.
std::vector<double>
clean_run(std::size_t n = 60)
{
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double k = static_cast<double>(i * 37 % n);
    out.push_back(100 + 5 * normal_quantile((k + 0.5) / static_cast<double>(n)));
  }
  return out;
}

void
expect_all_finite(const Diagnostics& d)
{
  for (double v : {d.outliers.median, d.outliers.mad, d.trend.s, d.trend.variance, d.trend.z,
                   d.trend.p_value, d.trend.slope, d.trend.relative_drift,
                   d.bimodality.coefficient, d.bimodality.skewness,
                   d.bimodality.excess_kurtosis}) {
    EXPECT_TRUE(std::isfinite(v));
  }
}

} // namespace

TEST(Diagnostics, MatchesReferenceVectors)
{
  ASSERT_EQ(vectors()["scipy"], "1.10.1");
  double worst_closed = 0;
  double worst_slope = 0;
  for (const Json& v : vectors()["vectors"]) {
    const std::string name = v["name"];
    SCOPED_TRACE(name);
    const auto samples = v["samples"].get<std::vector<double>>();
    const Diagnostics d = diagnose(samples);
    expect_all_finite(d);

    const Json& o = v["outliers"];
    EXPECT_STREQ(d.outliers.method, "mad");
    EXPECT_EQ(d.outliers.median, o["median"].get<double>());
    EXPECT_EQ(d.outliers.mad, o["mad"].get<double>());
    EXPECT_EQ(d.outliers.indices, o["indices"].get<std::vector<std::size_t>>());

    const Json& t = v["trend"];
    EXPECT_STREQ(d.trend.method, "mann-kendall");
    EXPECT_EQ(d.trend.s, t["s"].get<double>());
    const auto closed = [&](double actual, const Json& expected) {
      const double e = relative_error(actual, expected.get<double>());
      worst_closed = std::max(worst_closed, e);
      EXPECT_LE(e, kClosedForm) << actual << " vs " << expected;
    };
    closed(d.trend.variance, t["variance"]);
    if (t["z"].get<double>() == 0) {
      EXPECT_EQ(d.trend.z, 0);
    } else {
      closed(d.trend.z, t["z"]);
    }
    closed(d.trend.p_value, t["p"]);
    const double slope_error = relative_error(d.trend.slope, t["slope"].get<double>());
    worst_slope = std::max(worst_slope, slope_error);
    EXPECT_LE(slope_error, kSlope) << d.trend.slope << " vs " << t["slope"];
    EXPECT_LE(std::fabs(d.trend.relative_drift - t["relative_drift"].get<double>()), kSlope);
    EXPECT_EQ(d.trend.subsampled, t["subsampled"].get<bool>());
    EXPECT_EQ(d.trend.flagged, t["flagged"].get<bool>());

    const Json& b = v["bimodality"];
    EXPECT_STREQ(d.bimodality.method, "sarle");
    closed(d.bimodality.skewness, b["skewness"]);
    closed(d.bimodality.excess_kurtosis, b["excess_kurtosis"]);
    closed(d.bimodality.coefficient, b["coefficient"]);
    EXPECT_EQ(d.bimodality.flagged, b["flagged"].get<bool>());
  }
  std::printf("largest relative deviation: closed forms %.3g, Theil-Sen %.3g\n", worst_closed,
              worst_slope);
}

TEST(Diagnostics, CleanRunHasNoWarnings)
{
  const Diagnostics d = diagnose(clean_run());
  EXPECT_TRUE(d.outliers.indices.empty());
  EXPECT_FALSE(d.trend.flagged);
  EXPECT_GT(d.trend.p_value, 0.05);
  EXPECT_FALSE(d.bimodality.flagged);
  EXPECT_TRUE(d.warnings().empty());
}

TEST(Diagnostics, InjectedOutliersAreExactlyTheOnesFlagged)
{
  auto samples = clean_run();
  samples[10] = 150;
  samples[33] = 40;
  const Diagnostics d = diagnose(samples);
  EXPECT_EQ(d.outliers.indices, (std::vector<std::size_t>{10, 33}));
  EXPECT_EQ(d.outliers.threshold, 3.5);
  ASSERT_EQ(d.warnings().size(), 1u);
  EXPECT_EQ(d.warnings()[0], "2 outliers (robust z > 3.5): iterations 11, 34");

  samples[33] = samples[34];
  EXPECT_EQ(diagnose(samples).warnings()[0], "1 outlier (robust z > 3.5): iteration 11");
}

TEST(Diagnostics, LongOutlierListsAreCut)
{
  std::vector<double> samples(40, 10.0);
  for (std::size_t i = 0; i < 12; ++i) {
    // More than half the values equal the median, so MAD is 0 and every other
    // value is flagged.
    samples[3 * i] = 10.5 + static_cast<double>(i % 2);
  }
  const Diagnostics d = diagnose(samples);
  EXPECT_EQ(d.outliers.mad, 0);
  EXPECT_EQ(d.outliers.indices.size(), 12u);
  EXPECT_EQ(d.warnings()[0], "12 outliers (robust z > 3.5): "
                             "iterations 1, 4, 7, 10, 13, 16, 19, 22, 25, 28 and 2 more");
}

TEST(Diagnostics, ZeroMadFlagsOnlyValuesOffTheMedian)
{
  const std::vector<double> samples{5, 5, 5, 5, 6, 5, 4};
  const OutlierReport o = outliers(samples);
  EXPECT_EQ(o.median, 5);
  EXPECT_EQ(o.mad, 0);
  EXPECT_EQ(o.indices, (std::vector<std::size_t>{4, 6}));
}

TEST(Diagnostics, LinearRampIsATrend)
{
  std::vector<double> samples;
  for (int i = 0; i < 50; ++i) {
    samples.push_back(100 + 0.5 * i);
  }
  const TrendReport t = trend(samples);
  EXPECT_STREQ(t.method, "mann-kendall");
  EXPECT_EQ(t.s, 50 * 49 / 2);
  EXPECT_EQ(t.slope, 0.5);
  EXPECT_DOUBLE_EQ(t.relative_drift, 0.5 * 49 / 112.25);
  EXPECT_LT(t.p_value, 1e-10);
  EXPECT_TRUE(t.flagged);

  std::reverse(samples.begin(), samples.end());
  const TrendReport down = trend(samples);
  EXPECT_EQ(down.s, -50 * 49 / 2);
  EXPECT_EQ(down.slope, -0.5);
  EXPECT_TRUE(down.flagged);
}

// A ramp with iteration-to-iteration noise (not sorted) is warned about; a
// perfectly monotonic one is indistinguishable from sorted samples.
TEST(Diagnostics, NoisyRampIsWarnedAbout)
{
  std::vector<double> samples;
  for (int i = 0; i < 50; ++i) {
    samples.push_back(100 + 0.5 * i + (i % 2 ? 0.4 : -0.4));
  }
  const Diagnostics d = diagnose(samples);
  EXPECT_FALSE(d.sorted());
  const auto warnings = d.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("values drift upward across iterations: +2", 0), 0u) << warnings[0];
  EXPECT_NE(warnings[0].find("), possibly thermal throttling or a warming cache"),
            std::string::npos);
  std::reverse(samples.begin(), samples.end());
  EXPECT_NE(diagnose(samples).warnings()[0].find("drift downward across iterations: -2"),
            std::string::npos);
}

// Many runners sort their samples (the bundled example did): no drift and
// no outlier positions are claimed, and the warning says why.
TEST(Diagnostics, SortedSamplesMakeNoTrendOrPositionClaims)
{
  std::vector<double> samples;
  for (int i = 0; i < 19; ++i) samples.push_back(84.0 + 0.15 * i);
  samples.push_back(114.5);
  for (bool descending : {false, true}) {
    if (descending) std::reverse(samples.begin(), samples.end());
    const Diagnostics d = diagnose(samples);
    EXPECT_STREQ(d.order, descending ? "descending" : "ascending");
    EXPECT_TRUE(trend(samples).flagged) << "the test alone sees a perfect trend";
    EXPECT_FALSE(d.trend.flagged);
    ASSERT_EQ(d.outliers.indices.size(), 1u);
    const auto warnings = d.warnings();
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0].rfind("samples arrive sorted (", 0), 0u) << warnings[0];
    EXPECT_EQ(warnings[1], "1 outlier (robust z > 3.5)") << "no iteration is named";
  }
  // Too short to tell sorted from chance, and all-equal samples are neither.
  EXPECT_FALSE(diagnose(std::vector<double>{1, 2, 3}).sorted());
  EXPECT_FALSE(diagnose(std::vector<double>(12, 5.0)).sorted());
}

TEST(Diagnostics, FewSamplesGetNoOutlierWarning)
{
  const std::vector<double> samples{10.0, 10.2, 9.9, 10.1, 10.0, 13.0, 10.1};
  const Diagnostics d = diagnose(samples);
  EXPECT_EQ(d.outliers.indices, (std::vector<std::size_t>{5})) << "still in the report";
  EXPECT_TRUE(d.warnings().empty());
  // Ten iterations, one slow one: reported, not warned about (a timing's
  // right tail on a quiet machine looks like this).
  const std::vector<double> ten{10.0, 10.2, 9.9, 10.1, 10.0, 13.0, 10.1, 10.0, 9.9, 10.1};
  EXPECT_EQ(diagnose(ten).outliers.indices, (std::vector<std::size_t>{5}));
  EXPECT_TRUE(diagnose(ten).warnings().empty());
}

// A right-skewed unimodal sample is not bimodal, at any size.
TEST(Diagnostics, RightSkewedLogNormalIsNotBimodal)
{
  std::mt19937_64 rng(12);
  for (std::size_t n : {20, 30, 100, 1000}) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<double> samples;
      for (std::size_t i = 0; i < n; ++i) {
        const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
        samples.push_back(100 * std::exp(0.5 * std::sqrt(-2 * std::log(u1))
                                         * std::cos(2 * M_PI * u2)));
      }
      EXPECT_FALSE(diagnose(samples).bimodality.flagged) << "n " << n << " rep " << rep;
    }
  }
}

TEST(Diagnostics, BimodalityNeedsTwentySamples)
{
  std::vector<double> samples;
  for (int i = 0; i < 19; ++i) {
    samples.push_back((i % 2 ? 20 : 10) + 0.1 * (i % 5));
  }
  EXPECT_FALSE(diagnose(samples).bimodality.flagged);
  samples.push_back(10.1);
  EXPECT_TRUE(diagnose(samples).bimodality.flagged);
}

TEST(Diagnostics, SignificantButSmallDriftIsNotFlagged)
{
  std::vector<double> samples;
  for (int i = 0; i < 50; ++i) {
    samples.push_back(1000 + 0.01 * i); // certain, but 0.05 % over the run
  }
  const TrendReport t = trend(samples);
  EXPECT_LT(t.p_value, kTrendAlpha);
  EXPECT_FALSE(t.flagged);
}

TEST(Diagnostics, LongRunsSubsampleTheilSen)
{
  std::vector<double> samples;
  for (int i = 0; i < 20'000; ++i) {
    samples.push_back(10 + 0.001 * i + (i % 7 == 0 ? 0.5 : 0));
  }
  const TrendReport t = trend(samples);
  EXPECT_TRUE(t.subsampled);
  EXPECT_NEAR(t.slope, 0.001, 1e-9);
  EXPECT_TRUE(t.flagged);
}

TEST(Diagnostics, TwoClustersAreBimodal)
{
  std::vector<double> samples;
  for (int i = 0; i < 40; ++i) {
    samples.push_back((i % 2 ? 20 : 10) + 0.1 * (i % 5));
  }
  const Diagnostics d = diagnose(samples);
  EXPECT_STREQ(d.bimodality.method, "sarle");
  EXPECT_GT(d.bimodality.coefficient, 0.85);
  EXPECT_TRUE(d.bimodality.flagged);
  EXPECT_FALSE(d.trend.flagged);
  EXPECT_TRUE(d.outliers.indices.empty());
  const auto warnings = d.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "samples look bimodal (bimodality coefficient 0.88 > 0.555): two distinct regimes");
}

TEST(Diagnostics, SmallSamplesAreNeverFlaggedBimodal)
{
  const std::vector<double> samples{10, 10.1, 10, 10.1, 10, 10.1, 10, 20, 20.1}; // b = 0.68
  const BimodalityReport b = bimodality(samples);
  EXPECT_STREQ(b.method, "sarle");
  EXPECT_GT(b.coefficient, kBimodalityThreshold);
  EXPECT_FALSE(b.flagged);
}

TEST(Diagnostics, ConstantSamples)
{
  const std::vector<double> samples(30, 0.1 + 0.2);
  const Diagnostics d = diagnose(samples);
  expect_all_finite(d);
  EXPECT_STREQ(d.outliers.method, "mad");
  EXPECT_TRUE(d.outliers.indices.empty());
  EXPECT_STREQ(d.trend.method, "mann-kendall");
  EXPECT_EQ(d.trend.p_value, 1);
  EXPECT_EQ(d.trend.slope, 0);
  EXPECT_FALSE(d.trend.flagged);
  EXPECT_STREQ(d.bimodality.method, "constant");
  EXPECT_EQ(d.bimodality.coefficient, 0);
  EXPECT_FALSE(d.bimodality.flagged);
  EXPECT_TRUE(d.warnings().empty());
}

TEST(Diagnostics, TinyAndNonFiniteInputsAreInsufficient)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> inputs{
    {}, {1}, {1, 2}, {1, 2, 100}, {1, 2, 3, 4, 5, 6, 7}, {1, 2, nan, 4, 5, 6, 7, 8, 9, 10, 11},
    {inf, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
  for (const auto& samples : inputs) {
    SCOPED_TRACE(samples.size());
    const Diagnostics d = diagnose(samples);
    expect_all_finite(d);
    EXPECT_STREQ(d.trend.method, "insufficient");
    EXPECT_FALSE(d.trend.flagged);
    EXPECT_FALSE(d.bimodality.flagged);
  }
  EXPECT_STREQ(outliers(std::vector<double>{1, 2}).method, "insufficient");
  EXPECT_EQ(outliers(std::vector<double>{1, 2, 100}).indices, (std::vector<std::size_t>{2}));
  EXPECT_STREQ(bimodality(std::vector<double>{1, 2, 3}).method, "insufficient");
  EXPECT_STREQ(bimodality(std::vector<double>{1, 2, 3, 9}).method, "sarle");
  EXPECT_STREQ(trend(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}).method, "mann-kendall");
  EXPECT_TRUE(diagnose(std::vector<double>{1, nan, 3, 4}).warnings().empty());
}

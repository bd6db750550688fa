// The sound two-sample tests against reference values: SciPy 1.10 where it has
// the test, definitions evaluated in Python elsewhere
// (tests/fixtures/stats/make_vectors.py writes vectors.json), plus the edge
// cases the reference cannot express (infinite t, empty samples).

#include "stats/correction.hpp"
#include "stats/distributions.hpp"
#include "stats/effect_size.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/mann_whitney.hpp"
#include "stats/radix_sort.hpp"
#include "stats/welch.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace hb::stats;
using Json = nlohmann::json;

namespace {

// Relative tolerances. Exact methods and closed forms (exact Mann-Whitney and
// Kolmogorov-Smirnov p-values, Welch's t, df and p, Hodges-Lehmann coverage):
// 1e-9. Asymptotic approximations (Mann-Whitney's normal z and p, Hodges'
// Kolmogorov-Smirnov formula): 1e-6. Each test prints the largest deviation it
// saw, which is far smaller.
constexpr double k_exact = 1e-9;
constexpr double k_asymptotic = 1e-6;
// Below this a value is compared absolutely: z and t near 0 carry rounding
// noise that no relative tolerance can absorb.
constexpr double k_absolute_floor = 1e-12;

const Json&
vectors()
{
  static const Json document = [] {
    std::ifstream in(HB_FIXTURES_DIR "/stats/vectors.json");
    return Json::parse(in);
  }();
  return document;
}

struct Sample
{
  std::vector<double> baseline;
  std::vector<double> current;
  std::string name;
};

Sample
sample(const Json& vector)
{
  const Json& s = vectors()["samples"][vector["sample"].get<size_t>()];
  return {s["baseline"].get<std::vector<double>>(), s["current"].get<std::vector<double>>(),
          s["name"].get<std::string>()};
}

Worse
worse_of(const Json& vector)
{
  return vector["worse"] == "greater" ? Worse::greater : Worse::less;
}

bool
has_ties(const Sample& s)
{
  std::vector<double> pooled = s.baseline;
  pooled.insert(pooled.end(), s.current.begin(), s.current.end());
  std::sort(pooled.begin(), pooled.end());
  return std::adjacent_find(pooled.begin(), pooled.end()) != pooled.end();
}

// Tracks the largest relative deviation seen, for the summary line.
struct Deviation
{
  double worst = 0;

  testing::AssertionResult check(double actual, double expected, double tolerance)
  {
    const double error = std::abs(actual - expected);
    const double scale = std::max(std::abs(expected), k_absolute_floor);
    worst = std::max(worst, error / scale);
    if (error <= tolerance * scale) {
      return testing::AssertionSuccess();
    }
    return testing::AssertionFailure() << actual << " vs expected " << expected << " (relative "
                                       << error / scale << ", tolerance " << tolerance << ")";
  }
};

void
expect_same(const TestResult& a, const TestResult& b)
{
  EXPECT_EQ(a.statistic, b.statistic);
  EXPECT_EQ(a.z, b.z);
  EXPECT_EQ(a.p_value, b.p_value);
  EXPECT_STREQ(a.method, b.method);
}

} // namespace

TEST(SoundTestsVectors, GeneratedForTheseBounds)
{
  // Which vectors exist (exact or not) follows the bounds: changing one means
  // running make_vectors.py with the new value.
  EXPECT_EQ(vectors()["mwu_exact_max_pairs"].get<size_t>(), k_mwu_exact_max_pairs);
  EXPECT_EQ(vectors()["ks_exact_max_pairs"].get<size_t>(), k_ks_exact_max_pairs);
}

TEST(SoundTestsVectors, MannWhitneyMatchesScipy)
{
  const Json& all = vectors()["mann_whitney"];
  ASSERT_GE(all.size(), 90u);
  Deviation exact, asymptotic;
  for (const Json& v : all) {
    const Sample s = sample(v);
    SCOPED_TRACE(s.name + " worse " + v["worse"].get<std::string>() + " " +
                 v["method"].get<std::string>());
    const bool is_exact = v["method"] == "exact";
    const TestResult r = mann_whitney_u(s.baseline, s.current, worse_of(v),
                                        is_exact ? Method::automatic : Method::asymptotic);
    EXPECT_EQ(r.statistic, v["statistic"].get<double>());
    if (is_exact) {
      EXPECT_STREQ(r.method, "exact");
      EXPECT_FALSE(r.z);
      EXPECT_TRUE(exact.check(r.p_value, v["p"], k_exact));
      continue;
    }
    EXPECT_STREQ(r.method, "normal");
    if (v["z"].is_null()) {
      EXPECT_FALSE(r.z);
    } else {
      ASSERT_TRUE(r.z);
      EXPECT_TRUE(asymptotic.check(*r.z, v["z"], k_asymptotic));
    }
    EXPECT_TRUE(asymptotic.check(r.p_value, v["p"], k_asymptotic));
    // Where the exact distribution does not apply, automatic is the normal one.
    if (has_ties(s) || s.baseline.size() * s.current.size() > k_mwu_exact_max_pairs) {
      expect_same(mann_whitney_u(s.baseline, s.current, worse_of(v)), r);
    }
  }
  std::printf("Mann-Whitney: %zu vectors, worst relative deviation exact %.2g, normal %.2g\n",
              all.size(), exact.worst, asymptotic.worst);
}

TEST(SoundTestsVectors, KolmogorovSmirnovMatchesScipy)
{
  const Json& all = vectors()["kolmogorov_smirnov"];
  ASSERT_GE(all.size(), 100u);
  Deviation exact, asymptotic;
  for (const Json& v : all) {
    const Sample s = sample(v);
    SCOPED_TRACE(s.name + " worse " + v["worse"].get<std::string>() + " " +
                 v["method"].get<std::string>());
    const bool is_exact = v["method"] == "exact";
    const TestResult r = kolmogorov_smirnov(s.baseline, s.current, worse_of(v),
                                            is_exact ? Method::automatic : Method::asymptotic);
    EXPECT_STREQ(r.method, is_exact ? "exact" : "asymptotic");
    EXPECT_FALSE(r.z);
    Deviation& deviation = is_exact ? exact : asymptotic;
    EXPECT_TRUE(deviation.check(r.statistic, v["statistic"], 1e-12));
    EXPECT_TRUE(deviation.check(r.p_value, v["p"], is_exact ? k_exact : k_asymptotic));
    if (!is_exact && s.baseline.size() * s.current.size() > k_ks_exact_max_pairs) {
      expect_same(kolmogorov_smirnov(s.baseline, s.current, worse_of(v)), r);
    }
  }
  std::printf("Kolmogorov-Smirnov: %zu vectors, worst relative deviation exact %.2g, "
              "asymptotic %.2g\n",
              all.size(), exact.worst, asymptotic.worst);
}

TEST(SoundTestsVectors, WelchMatchesScipy)
{
  const Json& all = vectors()["welch"];
  ASSERT_GE(all.size(), 50u);
  Deviation deviation;
  for (const Json& v : all) {
    const Sample s = sample(v);
    SCOPED_TRACE(s.name + " worse " + v["worse"].get<std::string>());
    const TestResult r = welch_t_test(s.baseline, s.current, worse_of(v));
    EXPECT_STREQ(r.method, "t");
    EXPECT_TRUE(deviation.check(r.statistic, v["statistic"], k_exact));
    ASSERT_TRUE(r.df);
    EXPECT_TRUE(deviation.check(*r.df, v["df"], k_exact));
    EXPECT_TRUE(deviation.check(r.p_value, v["p"], k_exact));
  }
  std::printf("Welch: %zu vectors, worst relative deviation %.2g\n", all.size(), deviation.worst);
}

TEST(SoundTestsVectors, HodgesLehmannMatchesBruteForce)
{
  const Json& all = vectors()["hodges_lehmann"];
  ASSERT_GE(all.size(), 30u);
  Deviation deviation;
  for (const Json& v : all) {
    const Sample s = sample(v);
    SCOPED_TRACE(s.name);
    const ShiftEstimate e = hodges_lehmann(s.baseline, s.current, v["confidence"]);
    EXPECT_EQ(e.method, v["method"].get<std::string>());
    // Order statistics of the same rounded differences: equal to the bit.
    EXPECT_EQ(e.estimate, v["estimate"].get<double>());
    EXPECT_EQ(e.lower, v["lower"].get<double>());
    EXPECT_EQ(e.upper, v["upper"].get<double>());
    EXPECT_TRUE(deviation.check(e.coverage, v["coverage"], k_exact));
  }
  std::printf("Hodges-Lehmann: %zu vectors, worst relative deviation of coverage %.2g\n",
              all.size(), deviation.worst);
}

TEST(SoundTestsVectors, CorrectionsMatchDefinitions)
{
  const Json& all = vectors()["corrections"];
  ASSERT_GE(all.size(), 5u);
  const std::pair<const char*, Correction> kinds[] = {
    {"holm", Correction::holm},
    {"benjamini_hochberg", Correction::benjamini_hochberg},
    {"none", Correction::none}};
  for (const Json& v : all) {
    const auto p = v["p"].get<std::vector<double>>();
    for (const auto& [name, kind] : kinds) {
      SCOPED_TRACE(std::string(name) + " over " + v["p"].dump());
      const CorrectedPValues c = correct_p_values(p, v["alpha"], kind);
      const auto adjusted = v[name]["adjusted"].get<std::vector<double>>();
      const auto reject = v[name]["reject"].get<std::vector<bool>>();
      ASSERT_EQ(c.adjusted.size(), adjusted.size());
      for (size_t i = 0; i < adjusted.size(); ++i) {
        EXPECT_DOUBLE_EQ(c.adjusted[i], adjusted[i]) << "index " << i;
      }
      EXPECT_EQ(c.reject, reject);
    }
  }
}

TEST(MannWhitney, NullDistributionMatchesTables)
{
  // n1 = n2 = 10: P(U <= 23) = 3996 / 184756, the two-sided 5 % critical value.
  const auto cdf = mann_whitney_null_cdf(10, 10, 24);
  ASSERT_EQ(cdf.size(), 25u);
  EXPECT_NEAR(cdf[23], 3996.0 / 184756, 1e-15);
  EXPECT_GT(cdf[24], 0.025);
  // Every count for sizes 3 and 5 (cumulative, out of C(8, 3) = 56), asked in
  // either order, and past the largest U.
  const double counts[] = {1, 2, 4, 7, 11, 16, 22, 28, 34, 40, 45, 49, 52, 54, 55, 56};
  for (auto [n1, n2] : {std::pair{3, 5}, std::pair{5, 3}}) {
    const auto small = mann_whitney_null_cdf(n1, n2, 17);
    ASSERT_EQ(small.size(), 18u);
    for (size_t k = 0; k < 16; ++k) {
      EXPECT_DOUBLE_EQ(small[k], counts[k] / 56) << "k " << k;
    }
    EXPECT_EQ(small[16], 1.0);
    EXPECT_EQ(small[17], 1.0);
  }
  EXPECT_EQ(mann_whitney_null_cdf(0, 4, 2), std::vector<double>(3, 1.0));
}

TEST(MannWhitney, DirectionAndDegenerateInputs)
{
  const std::vector<double> base = {1, 2, 3, 4, 5};
  const std::vector<double> slower = {6, 7, 8, 9, 10};
  const TestResult worse = mann_whitney_u(base, slower, Worse::greater);
  EXPECT_EQ(worse.statistic, 25);
  EXPECT_DOUBLE_EQ(worse.p_value, 1.0 / 252); // the one most extreme of C(10, 5)
  EXPECT_STREQ(worse.method, "exact");
  const TestResult better = mann_whitney_u(base, slower, Worse::less);
  EXPECT_EQ(better.statistic, 0);
  EXPECT_EQ(better.p_value, 1);

  const TestResult empty = mann_whitney_u({}, slower, Worse::greater);
  EXPECT_STREQ(empty.method, "insufficient");
  EXPECT_EQ(empty.p_value, 1);
  EXPECT_STREQ(mann_whitney_u(base, {}, Worse::less).method, "insufficient");

  const std::vector<double> flat(8, 3.0);
  const TestResult equal = mann_whitney_u(flat, flat, Worse::greater);
  EXPECT_STREQ(equal.method, "normal");
  EXPECT_EQ(equal.statistic, 32);
  EXPECT_EQ(equal.p_value, 1);
  EXPECT_FALSE(equal.z);
}

TEST(MannWhitney, MillionPerSideMatchesPairCounting)
{
  // Large samples with ties: U must equal the pair count the documented test
  // makes by binary search, and the result must be a usable p-value.
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> base(1'000'000), cur(1'000'000);
  for (double& v : base) v = std::round(100 * noise(rng)) / 10;
  for (double& v : cur) v = std::round(100 * (noise(rng) + 0.002)) / 10;
  const TestResult r = mann_whitney_u(base, cur, Worse::greater);
  auto sorted = radix_sorted(base);
  double u = 0;
  for (double c : cur) {
    auto lower = std::lower_bound(sorted.begin(), sorted.end(), c);
    auto upper = std::upper_bound(lower, sorted.end(), c);
    u += static_cast<double>(lower - sorted.begin()) + 0.5 * static_cast<double>(upper - lower);
  }
  EXPECT_EQ(r.statistic, u);
  EXPECT_STREQ(r.method, "normal");
  EXPECT_GT(r.p_value, 0);
  EXPECT_LT(r.p_value, 1);
}

TEST(KolmogorovSmirnov, DirectionAndDegenerateInputs)
{
  const std::vector<double> base = {1, 2, 3, 4};
  const std::vector<double> slower = {11, 12, 13, 14, 15, 16};
  const TestResult worse = kolmogorov_smirnov(base, slower, Worse::greater);
  EXPECT_EQ(worse.statistic, 1);
  EXPECT_DOUBLE_EQ(worse.p_value, 1.0 / 210); // C(10, 4) paths, one all-baseline-first
  EXPECT_STREQ(worse.method, "exact");
  const TestResult better = kolmogorov_smirnov(base, slower, Worse::less);
  EXPECT_EQ(better.statistic, 0);
  EXPECT_EQ(better.p_value, 1);
  EXPECT_STREQ(kolmogorov_smirnov(base, {}, Worse::greater).method, "insufficient");
  EXPECT_EQ(kolmogorov_smirnov({}, base, Worse::less).p_value, 1);
}

TEST(Welch, DegenerateInputs)
{
  const std::vector<double> five(4, 5.0);
  const std::vector<double> six(5, 6.0);
  const TestResult up = welch_t_test(five, six, Worse::greater);
  EXPECT_EQ(up.statistic, std::numeric_limits<double>::infinity());
  EXPECT_EQ(up.p_value, 0);
  EXPECT_FALSE(up.df);
  EXPECT_STREQ(up.method, "t");
  EXPECT_EQ(welch_t_test(five, six, Worse::less).p_value, 1);
  EXPECT_EQ(welch_t_test(six, five, Worse::less).p_value, 0);
  const TestResult same = welch_t_test(five, five, Worse::greater);
  EXPECT_EQ(same.statistic, 0);
  EXPECT_EQ(same.p_value, 1);

  EXPECT_STREQ(welch_t_test(std::vector<double>{1}, six, Worse::greater).method, "insufficient");
  EXPECT_EQ(welch_t_test(six, std::vector<double>{1}, Worse::greater).p_value, 1);
  EXPECT_STREQ(welch_t_test({}, {}, Worse::less).method, "insufficient");
}

TEST(Distributions, KnownValues)
{
  // References from SciPy 1.10 (norm.sf, norm.ppf, t.sf).
  EXPECT_EQ(normal_sf(0), 0.5);
  EXPECT_NEAR(normal_sf(10) / 7.61985302416047e-24, 1, 1e-13);
  EXPECT_NEAR(normal_sf(-3), 0.9986501019683699, 1e-15);
  EXPECT_EQ(normal_sf(std::numeric_limits<double>::infinity()), 0);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-13);
  EXPECT_EQ(normal_quantile(0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(normal_quantile(1.5)));
  EXPECT_TRUE(std::isnan(normal_quantile(std::nan(""))));
  EXPECT_NEAR(student_t_sf(2.0, 5) / 0.05096973941492914, 1, 1e-13);
  EXPECT_NEAR(student_t_sf(-1.5, 2.5) / 0.876081773456852, 1, 1e-13);
  EXPECT_NEAR(student_t_sf(30, 3) / 4.067640213581984e-05, 1, 1e-12);
  EXPECT_EQ(student_t_sf(0, 7), 0.5);
  EXPECT_EQ(student_t_sf(std::numeric_limits<double>::infinity(), 3), 0);
  EXPECT_EQ(student_t_sf(-std::numeric_limits<double>::infinity(), 3), 1);
  EXPECT_TRUE(std::isnan(student_t_sf(1, 0)));
  EXPECT_TRUE(std::isnan(student_t_sf(std::nan(""), 4)));
}

TEST(Corrections, EdgeCases)
{
  const std::vector<double> p = {0.01, std::nan(""), 0.02, -0.5, 1.5};
  const CorrectedPValues none = correct_p_values(p, 0.05, Correction::none);
  EXPECT_EQ(none.adjusted, (std::vector<double>{0.01, 1, 0.02, 0, 1}));
  EXPECT_EQ(none.reject, (std::vector<bool>{true, false, true, true, false}));
  // Holm: 0 x5, 0.01 x4, 0.02 x3, then the running maximum caps at 1.
  const CorrectedPValues holm = correct_p_values(p);
  EXPECT_EQ(holm.adjusted[3], 0);
  EXPECT_DOUBLE_EQ(holm.adjusted[0], 0.04);
  EXPECT_DOUBLE_EQ(holm.adjusted[2], 0.06);
  EXPECT_EQ(holm.adjusted[1], 1);
  EXPECT_EQ(holm.reject, (std::vector<bool>{true, false, false, true, false}));
  EXPECT_TRUE(correct_p_values({}).adjusted.empty());
}

TEST(RadixSort, OrdersLikeStdSort)
{
  std::mt19937_64 rng(3);
  std::normal_distribution<double> wide(0, 1e6);
  for (size_t n : {0, 1, 100, 4095, 4096, 50'000}) {
    std::vector<double> values(n);
    for (size_t i = 0; i < n; ++i) {
      switch (i % 7) {
      case 0: values[i] = wide(rng); break;
      case 1: values[i] = -wide(rng) * 1e-300; break; // tiny, some subnormal
      case 2: values[i] = std::round(wide(rng) / 1e5); break; // ties
      case 3: values[i] = (i / 7) % 2 ? 0.0 : -0.0; break;
      case 4: values[i] = (i / 7) % 2 ? std::numeric_limits<double>::infinity()
                                      : -std::numeric_limits<double>::infinity(); break;
      default: values[i] = std::ldexp(wide(rng), static_cast<int>(i % 2000) - 1000);
      }
    }
    const auto sorted = radix_sorted(values);
    auto expected = values;
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(sorted.size(), n);
    EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end())) << n;
    // Same values (with -0 == +0), and no zero lost its sign.
    EXPECT_EQ(sorted, expected) << n;
    const auto negative = [](const std::vector<double>& v) {
      return std::count_if(v.begin(), v.end(), [](double x) { return std::signbit(x); });
    };
    EXPECT_EQ(negative(sorted), negative(expected)) << n;
  }
}

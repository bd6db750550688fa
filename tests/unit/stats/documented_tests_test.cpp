#include "stats/descriptive.hpp"
#include "stats/documented_tests.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace hb::stats;

TEST(Descriptive, R7PercentileTable)
{
  // runtime-helpers.md section 2.2, to the last bit.
  std::vector<double> v135 = {1, 3, 5};
  EXPECT_EQ(percentile_sorted(v135, 0.95), 4.800000000000001);
  EXPECT_EQ(percentile_sorted(v135, 0.99), 4.960000000000001);
  std::vector<double> v4 = {10, 20, 30, 40};
  EXPECT_EQ(percentile_sorted(v4, 0.5), 25);
  EXPECT_EQ(percentile_sorted(v4, 0.99), 39.699999999999996);
  EXPECT_EQ(percentile_sorted(std::vector<double>{}, 0.5), 0);
  EXPECT_EQ(percentile_sorted(std::vector<double>{7}, 0.95), 7);
  EXPECT_EQ(median(std::vector<double>{5, 1, 3}), 3);
}

TEST(DocumentedMannWhitney, CompatVector)
{
  std::vector<double> b = {100, 101, 102, 103, 104, 105};
  std::vector<double> c = {140, 141, 142, 143, 144, 145};
  auto t = documented_mann_whitney(b, c, true);
  EXPECT_DOUBLE_EQ(t.statistic, 36);
  EXPECT_NEAR(t.z, 18 / std::sqrt(39.0), 1e-12);
  EXPECT_TRUE(t.significant);
  auto reverse = documented_mann_whitney(c, b, true);
  EXPECT_FALSE(reverse.significant) << "one-sided: faster is not worse";
}

TEST(DocumentedMannWhitney, TiesCountHalf)
{
  auto t = documented_mann_whitney(std::vector<double>{1, 1}, std::vector<double>{1, 1}, true);
  EXPECT_DOUBLE_EQ(t.statistic, 2);
  EXPECT_DOUBLE_EQ(t.z, 0);
}

TEST(DocumentedKolmogorovSmirnov, CompatVector)
{
  std::vector<double> b = {90, 91, 92, 93, 94, 95};
  std::vector<double> c = {70, 71, 72, 73, 74, 75};
  auto t = documented_kolmogorov_smirnov(b, c, false);
  EXPECT_DOUBLE_EQ(t.statistic, 1.0);
  EXPECT_NEAR(t.critical, 0.785, 0.001);
  EXPECT_TRUE(t.significant);
  EXPECT_FALSE(documented_kolmogorov_smirnov(b, c, true).significant);
}

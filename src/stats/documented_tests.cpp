#include "stats/documented_tests.hpp"

#include "stats/descriptive.hpp"

#include <algorithm>
#include <cmath>

namespace hb::stats {

DocumentedTest
documented_mann_whitney(std::span<const double> baseline, std::span<const double> current,
                        bool worse_is_greater)
{
  DocumentedTest test;
  const double n1 = static_cast<double>(baseline.size());
  const double n2 = static_cast<double>(current.size());
  if (baseline.empty() || current.empty()) {
    return test;
  }
  // Counting through sorted copies keeps this O(n log n): for each current
  // value, how many baseline values lie strictly below / equal to it.
  auto base = sorted_copy(baseline);
  double u = 0;
  for (double c : current) {
    auto lower = std::lower_bound(base.begin(), base.end(), c);
    auto upper = std::upper_bound(base.begin(), base.end(), c);
    double below = static_cast<double>(lower - base.begin());
    double equal = static_cast<double>(upper - lower);
    double above = static_cast<double>(base.end() - upper);
    u += (worse_is_greater ? below : above) + 0.5 * equal;
  }
  test.statistic = u;
  double mu = n1 * n2 / 2;
  double sigma = std::sqrt(n1 * n2 * (n1 + n2 + 1) / 12);
  test.z = sigma > 0 ? (u - mu) / sigma : 0;
  test.critical = 1.645;
  test.significant = test.z > test.critical;
  return test;
}

DocumentedTest
documented_kolmogorov_smirnov(std::span<const double> baseline, std::span<const double> current,
                              bool worse_is_greater)
{
  DocumentedTest test;
  if (baseline.empty() || current.empty()) {
    return test;
  }
  auto base = sorted_copy(baseline);
  auto cur = sorted_copy(current);
  const double n1 = static_cast<double>(base.size());
  const double n2 = static_cast<double>(cur.size());
  double d = 0;
  size_t i = 0, j = 0;
  while (i < base.size() || j < cur.size()) {
    double x;
    if (j >= cur.size() || (i < base.size() && base[i] <= cur[j])) {
      x = base[i];
    } else {
      x = cur[j];
    }
    while (i < base.size() && base[i] <= x) ++i;
    while (j < cur.size() && cur[j] <= x) ++j;
    double fb = static_cast<double>(i) / n1;
    double fc = static_cast<double>(j) / n2;
    d = std::max(d, worse_is_greater ? fb - fc : fc - fb);
  }
  test.statistic = d;
  test.critical = 1.36 * std::sqrt((n1 + n2) / (n1 * n2));
  test.significant = d > test.critical;
  return test;
}

} // namespace hb::stats

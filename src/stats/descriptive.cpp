#include "stats/descriptive.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hb::stats {

double
mean(std::span<const double> values)
{
  if (values.empty()) {
    return 0;
  }
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::vector<double>
sorted_copy(std::span<const double> values)
{
  std::vector<double> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  return out;
}

double
percentile_sorted(std::span<const double> sorted, double p)
{
  if (sorted.empty()) {
    return 0;
  }
  if (sorted.size() == 1) {
    return sorted[0];
  }
  double rank = p * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  auto hi = static_cast<size_t>(std::ceil(rank));
  if (lo == hi) {
    return sorted[lo];
  }
  double frac = rank - static_cast<double>(lo);
  return sorted[lo] * (1 - frac) + sorted[hi] * frac;
}

double
median(std::span<const double> values)
{
  auto sorted = sorted_copy(values);
  return percentile_sorted(sorted, 0.5);
}

} // namespace hb::stats

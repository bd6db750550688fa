#include "stats/kolmogorov_smirnov.hpp"

#include "stats/merge_walk.hpp"
#include "stats/radix_sort.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace hb::stats {

namespace {

// P(a uniformly random monotone lattice path from (0, 0) to (n1, n2) touches a
// point with n2 x - n1 y >= threshold), threshold > 0: the exact null
// probability of n1 n2 D >= threshold, x counting the first sample's values.
// The path is walked as an urn (the next value comes from sample one with
// probability (n1 - x) / (n1 + n2 - x - y)), carrying probabilities rather
// than path counts: counts overflow a double beyond a few hundred values, and
// the hitting mass is a sum of positive terms, so tiny p-values stay accurate
// where 1 - P(never hit) or Hodges' alternating sum would cancel.
double
exact_upper_tail(std::int64_t n1, std::int64_t n2, std::int64_t threshold)
{
  const std::int64_t total = n1 + n2;
  std::vector<double> inverse(static_cast<size_t>(total));
  for (std::int64_t s = 0; s < total; ++s) {
    inverse[static_cast<size_t>(s)] = 1.0 / static_cast<double>(total - s);
  }
  // mass[x]: probability of entering row y at (x, y) without having hit.
  std::vector<double> mass(static_cast<size_t>(n1) + 1, 0.0);
  mass[0] = 1;
  double hit = 0;
  // Only steps in x raise n2 x - n1 y, and the last row cannot reach the
  // threshold (x <= n1), so rows 0..n2-1 suffice.
  for (std::int64_t y = 0; y < n2; ++y) {
    // Largest x of this row still below the threshold.
    const std::int64_t last = std::min(n1, (threshold + n1 * y - 1) / n2);
    const double ups_left = static_cast<double>(n2 - y);
    double from_left = 0;
    for (std::int64_t x = 0; x <= last; ++x) {
      const double here = mass[static_cast<size_t>(x)] + from_left;
      const double step = inverse[static_cast<size_t>(x + y)];
      from_left = here * static_cast<double>(n1 - x) * step;
      mass[static_cast<size_t>(x)] = here * ups_left * step;
    }
    // What would flow on from x = last crosses the threshold (0 if last = n1).
    hit += from_left;
  }
  return std::min(1.0, hit);
}

} // namespace

TestResult
kolmogorov_smirnov(std::span<const double> baseline, std::span<const double> current, Worse worse,
                   Method method)
{
  TestResult result;
  if (baseline.empty() || current.empty()) {
    return result;
  }
  const auto base = radix_sorted(baseline);
  const auto cur = radix_sorted(current);
  const auto n1 = static_cast<std::int64_t>(base.size());
  const auto n2 = static_cast<std::int64_t>(cur.size());
  // n1 n2 (F_base - F_cur) at each distinct value, in integers (exact below
  // 2^63, so for any sample that fits in memory): the exact p-value needs the
  // true lattice distance, not a rounded fraction.
  std::int64_t widest = 0;
  for_each_distinct(base, cur, [&](size_t, size_t base_through, size_t, size_t cur_through) {
    const std::int64_t gap = static_cast<std::int64_t>(base_through) * n2 -
                             static_cast<std::int64_t>(cur_through) * n1;
    widest = std::max(widest, worse == Worse::greater ? gap : -gap);
  });
  const double pairs = static_cast<double>(n1) * static_cast<double>(n2);
  const double d = static_cast<double>(widest) / pairs;
  result.statistic = d;

  if (method == Method::automatic && base.size() * cur.size() <= k_ks_exact_max_pairs) {
    result.method = "exact";
    // D's null distribution is the same with the samples swapped (mirror the
    // data, then exchange the roles), so the walk's rows run over the
    // shorter sample: fewer, longer rows.
    result.p_value =
      widest == 0 ? 1.0 : exact_upper_tail(std::max(n1, n2), std::min(n1, n2), widest);
    return result;
  }
  // Hodges (1958) eq. 5.3, as SciPy uses it; m must be the larger sample.
  const double m = static_cast<double>(std::max(n1, n2));
  const double n = static_cast<double>(std::min(n1, n2));
  const double z = std::sqrt(m * n / (m + n)) * d;
  const double exponent = -2 * z * z - 2 * z * (m + 2 * n) / std::sqrt(m * n * (m + n)) / 3;
  result.method = "asymptotic";
  result.p_value = std::clamp(std::exp(exponent), 0.0, 1.0);
  return result;
}

} // namespace hb::stats

#include "stats/mann_whitney.hpp"

#include "stats/distributions.hpp"
#include "stats/merge_walk.hpp"
#include "stats/radix_sort.hpp"

#include <algorithm>
#include <cmath>

namespace hb::stats {

namespace {

struct RankSums
{
  double u_greater = 0; // pairs where current > baseline, ties as one half
  double tie_term = 0;  // sum over groups of equal pooled values of t^3 - t
};

// U and the tie correction in one walk over the sorted samples: O(n) after
// sorting instead of O(n1 n2).
RankSums
rank_sums(std::span<const double> base, std::span<const double> cur)
{
  RankSums sums;
  for_each_distinct(base, cur, [&](size_t base_below, size_t base_through, size_t cur_below,
                                   size_t cur_through) {
    const auto base_equal = static_cast<double>(base_through - base_below);
    const auto cur_equal = static_cast<double>(cur_through - cur_below);
    sums.u_greater += cur_equal * (static_cast<double>(base_below) + 0.5 * base_equal);
    const double t = base_equal + cur_equal;
    sums.tie_term += t * t * t - t;
  });
  return sums;
}

std::vector<double>
compute_null_cdf(std::size_t n1, std::size_t n2, std::size_t k_max)
{
  const size_t m = std::min(n1, n2);
  const size_t n = std::max(n1, n2);
  const size_t top = std::min(k_max, m * n);
  const size_t width = top + 1;
  // counts[r][k] = arrangements of r values of the smaller sample among the
  // first c of the larger with U = k, built up for c = 1..n by the recurrence
  // f(r, c, k) = f(r - 1, c, k - c) + f(r, c - 1, k) (Mann and Whitney 1947).
  // Only additions of positive counts: no cancellation, unlike the
  // generating-function product, so small tail probabilities keep their digits.
  std::vector<double> counts((m + 1) * width, 0.0);
  for (size_t r = 0; r <= m; ++r) {
    counts[r * width] = 1;
  }
  for (size_t c = 1; c <= n; ++c) {
    for (size_t r = 1; r <= m; ++r) {
      double* row = &counts[r * width];
      const double* shorter = &counts[(r - 1) * width];
      const size_t last = std::min(top, r * c);
      for (size_t k = c; k <= last; ++k) {
        row[k] += shorter[k - c];
      }
    }
  }
  // C(n + m, m) by the product formula: every partial product is an integer.
  double total = 1;
  for (size_t r = 1; r <= m; ++r) {
    total = total * static_cast<double>(n + r) / static_cast<double>(r);
  }
  std::vector<double> cdf(k_max + 1, 1.0);
  double running = 0;
  for (size_t k = 0; k <= top; ++k) {
    running += counts[m * width + k];
    cdf[k] = std::min(1.0, running / total);
  }
  return cdf;
}

} // namespace

std::vector<double>
mann_whitney_null_cdf(std::size_t n1, std::size_t n2, std::size_t k_max)
{
  // A comparison tests many metrics with the same sample sizes, each in two
  // directions and for two intervals: remember the last few distributions
  // (per thread, so callers need no lock).
  struct Entry
  {
    std::size_t m, n;
    std::vector<double> cdf; // P(U <= k), k = 0 .. cdf.size() - 1
  };
  static thread_local std::vector<Entry> cache;
  const std::size_t m = std::min(n1, n2);
  const std::size_t n = std::max(n1, n2);
  auto hit = std::find_if(cache.begin(), cache.end(),
                          [&](const Entry& e) { return e.m == m && e.n == n; });
  if (hit == cache.end() || hit->cdf.size() < std::min(k_max, m * n) + 1) {
    if (hit == cache.end()) {
      if (cache.size() == 8) {
        cache.erase(cache.begin());
      }
      hit = cache.insert(cache.end(), Entry{m, n, {}});
    }
    hit->cdf = compute_null_cdf(m, n, std::min(k_max, m * n));
  }
  std::vector<double> out(k_max + 1, 1.0);
  std::copy_n(hit->cdf.begin(), std::min(out.size(), hit->cdf.size()), out.begin());
  return out;
}

TestResult
mann_whitney_u(std::span<const double> baseline, std::span<const double> current, Worse worse,
               Method method)
{
  TestResult result;
  if (baseline.empty() || current.empty()) {
    return result;
  }
  const auto base = radix_sorted(baseline);
  const auto cur = radix_sorted(current);
  const RankSums sums = rank_sums(base, cur);
  const double n1 = static_cast<double>(base.size());
  const double n2 = static_cast<double>(cur.size());
  const double pairs = n1 * n2;
  const double u = worse == Worse::greater ? sums.u_greater : pairs - sums.u_greater;
  result.statistic = u;

  if (method == Method::automatic && sums.tie_term == 0 &&
      base.size() * cur.size() <= k_mwu_exact_max_pairs) {
    // Without ties U is an integer. P(U >= u) = P(U <= n1 n2 - u) by symmetry;
    // sum whichever tail is shorter so the DP stops at n1 n2 / 2.
    const auto observed = static_cast<size_t>(u);
    const size_t mirrored = base.size() * cur.size() - observed;
    if (observed == 0) {
      result.p_value = 1;
    } else if (mirrored <= observed) {
      result.p_value = mann_whitney_null_cdf(base.size(), cur.size(), mirrored).back();
    } else {
      result.p_value = 1 - mann_whitney_null_cdf(base.size(), cur.size(), observed - 1).back();
    }
    result.method = "exact";
    return result;
  }

  const double n = n1 + n2;
  // (n + 1) less the tie correction: 0 when every value is equal, at least 3
  // otherwise, so comparing with 1 is immune to rounding in the tie term.
  const double spread = (n + 1) - sums.tie_term / (n * (n - 1));
  result.method = "normal";
  if (spread < 1) {
    // U sits at its mean whatever happened: no evidence either way.
    result.p_value = 1;
    return result;
  }
  const double sigma = std::sqrt(pairs / 12 * spread);
  // Continuity correction: taking one half off U keeps the probability mass at
  // U itself inside the upper tail (SciPy's use_continuity=True).
  const double z = (u - pairs / 2 - 0.5) / sigma;
  result.z = z;
  result.p_value = normal_sf(z);
  return result;
}

} // namespace hb::stats

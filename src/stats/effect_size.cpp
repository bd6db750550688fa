#include "stats/effect_size.hpp"

#include "stats/descriptive.hpp"
#include "stats/distributions.hpp"
#include "stats/mann_whitney.hpp"
#include "stats/radix_sort.hpp"
#include "stats/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hb::stats {

namespace {

// (1 - confidence) / 2, kept in [0, 0.5] (NaN counts as 0) so a bad
// confidence widens or narrows the interval instead of indexing out of range.
double
tail_probability(double confidence)
{
  const double tail = (1 - confidence) / 2;
  return tail > 0 ? std::min(tail, 0.5) : 0.0;
}

// Per row i of the differences c[j] - b[i] (ascending b and c), how many
// columns j give a difference below `pivot` (up to it when Through), written to
// bound[i]; returns their sum. The boundary only moves right as b[i] grows, so
// this is one merge of the two sequences, O(rows + cols), and branch-free in
// its body: the comparison outcome is unpredictable, a mispredicted branch
// per step would cost more than the step.
template <bool Through>
std::uint64_t
row_bounds(std::span<const double> b, std::span<const double> c, double pivot,
           std::vector<size_t>& bound)
{
  const size_t rows = b.size();
  const size_t cols = c.size();
  size_t i = 0, j = 0;
  std::uint64_t total = 0;
  while (i < rows && j < cols) {
    const double d = c[j] - b[i];
    const bool in = Through ? d <= pivot : d < pivot;
    bound[i] = j; // final once i moves on
    total += in ? 0 : j;
    j += in;
    i += !in;
  }
  for (; i < rows; ++i) {
    bound[i] = cols;
    total += cols;
  }
  return total;
}

// Candidates sampled per round of kth_difference: enough that two sample
// quantiles around the target bracket it tightly (about 1/40 of the candidates
// stay).
constexpr size_t k_pivot_sample = 16384;

// The k-th smallest (from 0) of the differences c[j] - b[i] of ascending b and
// c, without forming all of them (in the spirit of Monahan 1984 for
// Hodges-Lehmann estimators, with Floyd-Rivest sampling for the pivots). Row
// i's differences ascend with j, so the candidates left in row i are the
// columns [lo[i], hi[i]). Each round draws candidates at random, takes two
// sample quantiles that probably bracket the target, counts the differences
// below them in O(rows + cols), and keeps the columns between: four or five
// rounds for a million values per side. Differences are compared as computed
// (rounded), so the answer is exactly what sorting them all would give.
double
kth_difference(std::span<const double> b, std::span<const double> c, std::uint64_t k)
{
  const size_t rows = b.size();
  const size_t cols = c.size();
  std::vector<size_t> lo(rows, 0), hi(rows, cols), low_bound(rows), high_bound(rows);
  std::vector<std::uint64_t> picks;
  std::vector<double> sample;
  std::uint64_t skipped = 0; // differences known to rank below every candidate
  std::uint64_t active = static_cast<std::uint64_t>(rows) * cols;
  // Pivots only decide how fast the search narrows, never its answer, so a
  // fixed seed costs nothing and keeps runs repeatable.
  std::mt19937_64 rng(0x5eed);
  // A round costs O(rows + cols) and the final selection O(rows + active), so
  // narrow until the candidates are about as many as the values, and not at
  // all for small problems.
  const std::uint64_t enough = std::max<std::uint64_t>(rows + cols, 4 * k_pivot_sample);
  while (active > enough) {
    picks.resize(k_pivot_sample);
    sample.resize(k_pivot_sample);
    for (auto& pick : picks) {
      pick = rng() % active;
    }
    // Sorted picks map to (row, column) in one walk over the rows.
    std::sort(picks.begin(), picks.end());
    size_t row = 0;
    std::uint64_t row_start = 0, row_end = hi[0] - lo[0];
    for (size_t s = 0; s < k_pivot_sample; ++s) {
      while (picks[s] >= row_end) {
        row_start = row_end;
        ++row;
        row_end += hi[row] - lo[row];
      }
      sample[s] = c[lo[row] + (picks[s] - row_start)] - b[row];
    }
    std::sort(sample.begin(), sample.end());
    // The target's quantile among the candidates, three standard errors of a
    // sample quantile either side.
    const double q = (static_cast<double>(k - skipped) + 0.5) / static_cast<double>(active);
    const double at = q * k_pivot_sample;
    const double margin = 3 * std::sqrt(k_pivot_sample * q * (1 - q)) + 1;
    const auto sample_at = [&](double x) {
      return sample[static_cast<size_t>(std::clamp(x, 0.0, double{k_pivot_sample - 1}))];
    };
    const double low_pivot = sample_at(at - margin);
    const double high_pivot = sample_at(at + margin);

    // Keep the candidates on k's side of the pivots. Each case drops at least
    // one pivot, so every round makes progress even when the bracket misses.
    if (k < row_bounds<false>(b, c, low_pivot, low_bound)) {
      for (size_t i = 0; i < rows; ++i) {
        hi[i] = std::min(hi[i], low_bound[i]);
      }
    } else if (k < row_bounds<false>(b, c, high_pivot, high_bound)) {
      for (size_t i = 0; i < rows; ++i) {
        lo[i] = std::max(lo[i], low_bound[i]);
        hi[i] = std::min(hi[i], high_bound[i]);
      }
    } else if (k < row_bounds<true>(b, c, high_pivot, high_bound)) {
      return high_pivot;
    } else {
      for (size_t i = 0; i < rows; ++i) {
        lo[i] = std::max(lo[i], high_bound[i]);
      }
    }
    skipped = 0;
    active = 0;
    for (size_t i = 0; i < rows; ++i) {
      skipped += lo[i];
      active += hi[i] - lo[i];
    }
  }
  // Few candidates left: select among them directly.
  std::vector<double> rest;
  rest.reserve(active);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = lo[i]; j < hi[i]; ++j) {
      rest.push_back(c[j] - b[i]);
    }
  }
  auto nth = rest.begin() + static_cast<std::ptrdiff_t>(k - skipped);
  std::nth_element(rest.begin(), nth, rest.end());
  return *nth;
}

// The (k + 1)-th smallest difference given `value`, the k-th (both from 0):
// `value` again when tied, else the smallest difference above it. One merge
// instead of another selection.
double
next_difference(std::span<const double> b, std::span<const double> c, double value,
                std::uint64_t k)
{
  std::vector<size_t> bound(b.size());
  if (row_bounds<true>(b, c, value, bound) > k + 1) {
    return value;
  }
  double next = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < b.size(); ++i) {
    if (bound[i] < c.size()) {
      next = std::min(next, c[bound[i]] - b[i]);
    }
  }
  return next;
}

// The median of bootstrap resamples of one side. The values are sorted once;
// a resample is only how often each sorted position was drawn, and its median
// is found by walking those counts to the middle order statistics: O(n) per
// resample without moving a value. Two middle values are averaged exactly as
// median() does.
class ResampledMedian
{
public:
  explicit ResampledMedian(std::span<const double> values)
    : m_sorted(values.begin(), values.end()), m_counts(values.size())
  {
    std::sort(m_sorted.begin(), m_sorted.end());
  }

  double draw(Xoshiro256& rng)
  {
    const size_t n = m_sorted.size();
    std::fill(m_counts.begin(), m_counts.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      ++m_counts[draw_index(rng, n)];
    }
    // Orders (n - 1) / 2 and n / 2 (0-based): equal when n is odd.
    const size_t low = (n - 1) / 2;
    size_t at = 0;
    size_t seen = m_counts[0]; // positions 0 .. seen - 1 hold m_sorted[at]
    while (seen <= low) {
      seen += m_counts[++at];
    }
    const double lower = m_sorted[at];
    if (n % 2 == 1) {
      return lower;
    }
    while (seen <= low + 1) {
      seen += m_counts[++at];
    }
    return lower * 0.5 + m_sorted[at] * 0.5;
  }

private:
  std::vector<double> m_sorted;
  std::vector<std::uint32_t> m_counts;
};

} // namespace

ShiftEstimate
hodges_lehmann(std::span<const double> baseline, std::span<const double> current,
               double confidence)
{
  ShiftEstimate out;
  if (baseline.empty() || current.empty()) {
    return out;
  }
  const auto b = radix_sorted(baseline);
  const auto c = radix_sorted(current);
  const std::uint64_t pairs = static_cast<std::uint64_t>(b.size()) * c.size();
  const std::uint64_t mid = (pairs - 1) / 2;
  out.estimate = kth_difference(b, c, mid);
  if (pairs % 2 == 0) {
    out.estimate = out.estimate * 0.5 + next_difference(b, c, out.estimate, mid) * 0.5;
  }

  // k: the interval is [D(k), D(pairs + 1 - k)], 1-based, k at most the middle.
  const double tail = tail_probability(confidence);
  const std::uint64_t middle = (pairs + 1) / 2;
  std::uint64_t k = 1;
  if (pairs <= k_mwu_exact_max_pairs) {
    // cdf[j] = P(U <= j); order k + 1 is allowed while P(U <= k) <= tail.
    const auto cdf = mann_whitney_null_cdf(b.size(), c.size(), pairs / 2);
    while (k < middle && cdf[k] <= tail) {
      ++k;
    }
    out.coverage = 1 - 2 * cdf[k - 1];
    out.method = "exact";
  } else {
    // The same rule with P(U <= k - 1) ~ Phi((k - 1/2 - pairs/2) / sigma).
    const double half = static_cast<double>(pairs) / 2;
    const double sigma =
      std::sqrt(half * static_cast<double>(b.size() + c.size() + 1) / 6);
    const double order = std::floor(half + 0.5 + normal_quantile(tail) * sigma);
    if (order > 1) {
      k = std::min(static_cast<std::uint64_t>(order), middle);
    }
    out.coverage = 1 - 2 * normal_sf((half + 0.5 - static_cast<double>(k)) / sigma);
    out.method = "normal";
  }
  out.lower = kth_difference(b, c, k - 1);
  out.upper = kth_difference(b, c, pairs - k);
  return out;
}

RelativeChange
relative_median_change(std::span<const double> baseline, std::span<const double> current,
                       std::uint64_t seed, std::size_t resamples, double confidence)
{
  RelativeChange out;
  if (baseline.empty() || current.empty() || resamples == 0) {
    return out;
  }
  if (std::any_of(baseline.begin(), baseline.end(), [](double v) { return !(v > 0); })) {
    out.method = "undefined";
    return out;
  }
  out.estimate = median(current) / median(baseline) - 1;

  // Resamples depend on the seed and the data only.
  Xoshiro256 rng(seed);
  ResampledMedian base(baseline);
  ResampledMedian cur(current);
  std::vector<double> replicates;
  replicates.reserve(resamples);
  for (size_t r = 0; r < resamples; ++r) {
    const double b = base.draw(rng);
    replicates.push_back(cur.draw(rng) / b - 1);
  }
  std::sort(replicates.begin(), replicates.end());
  const double tail = tail_probability(confidence);
  out.lower = percentile_sorted(replicates, tail);
  out.upper = percentile_sorted(replicates, 1 - tail);
  out.method = "bootstrap";
  return out;
}

} // namespace hb::stats

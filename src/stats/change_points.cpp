#include "stats/change_points.hpp"

#include "stats/descriptive.hpp"
#include "stats/random.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace hb::stats {

namespace {

/// Counts and sums of the values inserted so far, by rank: the sum of
/// |v - x| over them for any v in O(log n).
class RankTree
{
public:
  explicit RankTree(std::size_t n) : m_count(n + 1, 0), m_sum(n + 1, 0) {}

  void insert(std::size_t rank, double value)
  {
    m_total_count += 1;
    m_total_sum += value;
    for (std::size_t i = rank + 1; i < m_count.size(); i += i & (~i + 1)) {
      m_count[i] += 1;
      m_sum[i] += value;
    }
  }

  /// Sum of |value - x| over the inserted x; `rank` is value's rank.
  double distance_sum(std::size_t rank, double value) const
  {
    double below_count = 0;
    double below_sum = 0;
    for (std::size_t i = rank; i > 0; i -= i & (~i + 1)) {
      below_count += m_count[i];
      below_sum += m_sum[i];
    }
    // Ranks below hold values <= value, the others values >= value.
    return (value * below_count - below_sum)
           + ((m_total_sum - below_sum) - value * (m_total_count - below_count));
  }

private:
  std::vector<double> m_count;
  std::vector<double> m_sum;
  double m_total_count = 0;
  double m_total_sum = 0;
};

/// A segment's values with the rank of each among them (ties broken by
/// position): a shuffle moves value and rank together, so ranks are
/// computed once per segment.
struct Ranked
{
  std::vector<double> values;
  std::vector<std::size_t> ranks;
};

Ranked
rank(std::span<const double> values)
{
  Ranked out{{values.begin(), values.end()}, std::vector<std::size_t>(values.size())};
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  for (std::size_t r = 0; r < order.size(); ++r) {
    out.ranks[order[r]] = r;
  }
  return out;
}

std::optional<Split>
best_split_ranked(const Ranked& r, std::size_t min_segment)
{
  const std::size_t n = r.values.size();
  min_segment = std::max<std::size_t>(min_segment, 2);
  if (n < 2 * min_segment) {
    return std::nullopt;
  }
  // within_prefix[k]: sum of |x_i - x_j| over i < j < k; within_suffix[k]:
  // the same over k <= i < j.
  std::vector<double> within_prefix(n + 1, 0);
  std::vector<double> within_suffix(n + 1, 0);
  RankTree forward(n);
  for (std::size_t k = 0; k < n; ++k) {
    within_prefix[k + 1] = within_prefix[k] + forward.distance_sum(r.ranks[k], r.values[k]);
    forward.insert(r.ranks[k], r.values[k]);
  }
  RankTree backward(n);
  for (std::size_t k = n; k-- > 0;) {
    within_suffix[k] = within_suffix[k + 1] + backward.distance_sum(r.ranks[k], r.values[k]);
    backward.insert(r.ranks[k], r.values[k]);
  }
  const double total = within_prefix[n];
  std::optional<Split> best;
  for (std::size_t t = min_segment; t + min_segment <= n; ++t) {
    const double a = static_cast<double>(t);
    const double b = static_cast<double>(n - t);
    const double between = total - within_prefix[t] - within_suffix[t];
    const double e = 2 * between / (a * b) - within_prefix[t] / (a * (a - 1) / 2)
                     - within_suffix[t] / (b * (b - 1) / 2);
    const double q = a * b / (a + b) * e;
    if (!best || q > best->statistic) {
      best = Split{t, q};
    }
  }
  return best;
}

Segment
describe(std::span<const double> series, std::size_t begin, std::size_t end)
{
  auto values = series.subspan(begin, end - begin);
  return Segment{begin, end, mean(values), median(values)};
}

// Two statistics this close are the same split seen through rounding.
bool
at_least(double value, double observed)
{
  return value >= observed - 1e-12 * std::max(1.0, std::fabs(observed));
}

} // namespace

std::optional<Split>
best_split(std::span<const double> values, std::size_t min_segment)
{
  return best_split_ranked(rank(values), min_segment);
}

ChangePointResult
change_points(std::span<const double> series, const ChangePointOptions& options)
{
  ChangePointResult out;
  const std::size_t n = series.size();
  const std::size_t min_segment = std::max<std::size_t>(options.min_segment, 2);
  std::vector<std::size_t> bounds = {0, n}; // segment starts, then n
  if (n >= 2 * min_segment) {
    out.method = "e-divisive";
    Xoshiro256 rng(options.seed);
    std::vector<double> p_values;
    std::vector<double> statistics;
    std::vector<std::size_t> found;
    while (true) {
      // The best split of every segment; the largest is the candidate.
      std::vector<Ranked> segments;
      std::optional<Split> candidate;
      for (std::size_t s = 0; s + 1 < bounds.size(); ++s) {
        segments.push_back(rank(series.subspan(bounds[s], bounds[s + 1] - bounds[s])));
        auto split = best_split_ranked(segments.back(), min_segment);
        if (split && (!candidate || split->statistic > candidate->statistic)) {
          candidate = Split{bounds[s] + split->index, split->statistic};
        }
      }
      if (!candidate) {
        break;
      }
      // Permutation test of the largest statistic over all segments.
      std::size_t as_large = 0;
      std::size_t drawn = 0;
      const double needed = options.alpha * static_cast<double>(options.permutations + 1);
      for (; drawn < options.permutations; ++drawn) {
        double largest = 0;
        bool any = false;
        for (auto& segment : segments) {
          for (std::size_t i = segment.values.size(); i > 1; --i) {
            std::size_t j = draw_index(rng, i);
            std::swap(segment.values[i - 1], segment.values[j]);
            std::swap(segment.ranks[i - 1], segment.ranks[j]);
          }
          if (auto split = best_split_ranked(segment, min_segment)) {
            largest = any ? std::max(largest, split->statistic) : split->statistic;
            any = true;
          }
        }
        if (any && at_least(largest, candidate->statistic)) {
          ++as_large;
        }
        if (static_cast<double>(1 + as_large) > needed) {
          break; // p can no longer reach alpha
        }
      }
      const double p = static_cast<double>(1 + as_large)
                       / static_cast<double>(options.permutations + 1);
      if (drawn < options.permutations || p > options.alpha) {
        break;
      }
      found.push_back(candidate->index);
      statistics.push_back(candidate->statistic);
      p_values.push_back(p);
      bounds.insert(std::upper_bound(bounds.begin(), bounds.end(), candidate->index),
                    candidate->index);
    }
    for (std::size_t s = 1; s + 1 < bounds.size(); ++s) {
      ChangePoint cp;
      cp.index = bounds[s];
      auto at = std::find(found.begin(), found.end(), cp.index) - found.begin();
      cp.statistic = statistics[static_cast<std::size_t>(at)];
      cp.p_value = p_values[static_cast<std::size_t>(at)];
      cp.before = describe(series, bounds[s - 1], bounds[s]);
      cp.after = describe(series, bounds[s], bounds[s + 1]);
      out.change_points.push_back(cp);
    }
  }
  for (std::size_t s = 0; s + 1 < bounds.size(); ++s) {
    if (bounds[s] < bounds[s + 1]) {
      out.segments.push_back(describe(series, bounds[s], bounds[s + 1]));
    }
  }
  return out;
}

} // namespace hb::stats

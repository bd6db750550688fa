#pragma once
// Change points in a series of measurements (one value per run, oldest
// first): E-divisive means (Matteson and James, "A Nonparametric Approach for
// Multiple Change Point Analysis of Multivariate Data", JASA 2014) with
// alpha = 1, found one at a time by the hierarchical divisive procedure of
// the R package ecp's e.divisive, each new change point kept only when a
// permutation test finds it significant.
//
// Why this and not a penalised step fit (asv's PELT-like detector): the
// statistic is a divergence of whole distributions, so skewed timings and
// outliers need no model and no noise estimate; and the permutation test's
// p-value accounts for the split having been chosen as the best of all
// positions, which a t-test of the two segments chosen (Hunter and Apache
// Otava's replacement for the permutation test) does not. The permutations are drawn from a seeded generator, so
// the same series always gives the same answer.
//
// Values must be finite (the statistic sorts them).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hb::stats {

/// The shortest segment a change point may leave on either side.
inline constexpr std::size_t k_change_min_segment = 3;
/// Permutations per test: p-values are multiples of 1 / (this + 1).
inline constexpr std::size_t k_change_permutations = 999;
/// Each split is one more test, and a history is looked at again after every
/// run, so the default level is stricter than a single comparison's 0.05.
inline constexpr double k_change_alpha = 0.01;

struct ChangePointOptions
{
  std::size_t min_segment = k_change_min_segment; // at least 2
  double alpha = k_change_alpha;                  // keep a change point when p <= alpha
  std::size_t permutations = k_change_permutations;
  std::uint64_t seed = 0x686f6d65626f79;
};

/// Values [begin, end) of the series, between two change points.
struct Segment
{
  std::size_t begin = 0;
  std::size_t end = 0;
  double mean = 0;
  double median = 0;
};

struct ChangePoint
{
  std::size_t index = 0; // the first value after the change
  double statistic = 0;  // the E-divisive statistic Q at the split, when it was found
  double p_value = 1;    // permutation p of that statistic
  Segment before;        // the neighbouring segments of the final segmentation
  Segment after;
};

struct ChangePointResult
{
  std::vector<ChangePoint> change_points; // ascending index
  std::vector<Segment> segments;          // cover the series in order
  /// "e-divisive", or "insufficient" when the series is shorter than two
  /// minimum segments (then there is one segment and no change point).
  const char* method = "insufficient";
};

/// The split of `values` into [0, index) and [index, n) with the largest
/// E-divisive statistic
///   Q = a b / (a + b) * (2/(a b) sum|x - y| - sum_{i<j}|x_i - x_j| / C(a,2)
///                                          - sum_{i<j}|y_i - y_j| / C(b,2))
/// over index in [min_segment, n - min_segment] (the first on ties), or
/// nullopt when there is no such index. All within- and between-segment
/// distance sums come from one pass each way over a Fenwick tree of value
/// ranks: O(n log n).
struct Split
{
  std::size_t index = 0;
  double statistic = 0;
};
std::optional<Split> best_split(std::span<const double> values, std::size_t min_segment);

/// The divisive procedure: while some segment is long enough to split, take
/// the best split over all segments; its p-value is the share of
/// `permutations` in which shuffling every segment's values (each within
/// itself) gives a best statistic at least as large, counting the observed
/// one: (1 + k) / (permutations + 1). Keep it when p <= alpha, else stop.
/// A test stops drawing permutations once p can no longer reach alpha.
/// Cost: O(permutations n log n) per change point.
ChangePointResult change_points(std::span<const double> series,
                                const ChangePointOptions& options = {});

} // namespace hb::stats

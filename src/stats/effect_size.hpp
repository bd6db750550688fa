#pragma once
// How big a change is, with an interval: the Hodges-Lehmann shift (in the
// data's unit) and the relative change of the median (a fraction).
//
// Inputs must not contain NaN: the estimators sort, and NaN has no order.

#include <cstddef>
#include <cstdint>
#include <span>

namespace hb::stats {

struct ShiftEstimate
{
  double estimate = 0; // median of all current - baseline differences
  double lower = 0;    // confidence interval for the shift
  double upper = 0;
  double coverage = 0; // the interval's actual confidence (only some levels are attainable)
  const char* method = "insufficient"; // "exact" | "normal" | "insufficient"
};

/// Hodges-Lehmann shift of current relative to baseline with the
/// distribution-free interval [D(k), D(n1 n2 + 1 - k)] over the sorted
/// pairwise differences D, k the largest order with P(U <= k - 1) <= (1 -
/// confidence) / 2 under Mann-Whitney's null (at least 1, so tiny samples get
/// the full range and a coverage below `confidence`). k from the exact
/// distribution ("exact") when n1 n2 <= k_mwu_exact_max_pairs, else from
/// the normal approximation ("normal"); with ties the coverage is approximate.
/// Selects order statistics without forming the n1 n2 differences: O(n)
/// memory, expected O(n log n) time. An empty side gives "insufficient".
ShiftEstimate hodges_lehmann(std::span<const double> baseline, std::span<const double> current,
                             double confidence = 0.95);

struct RelativeChange
{
  double estimate = 0; // median(current) / median(baseline) - 1
  double lower = 0;    // bootstrap percentile interval
  double upper = 0;
  const char* method = "insufficient"; // "bootstrap" | "insufficient" | "undefined"
};

/// median(current) / median(baseline) - 1 with a percentile interval from
/// `resamples` bootstrap replicates, each side resampled with replacement by
/// our xoshiro256** seeded with `seed` (same inputs and seed, same numbers,
/// with any compiler and standard library). "undefined" when a baseline value is not > 0 (a
/// resampled median could be 0); an empty side or no resamples gives
/// "insufficient". O(resamples * n).
RelativeChange relative_median_change(std::span<const double> baseline,
                                      std::span<const double> current, std::uint64_t seed,
                                      std::size_t resamples = 2000, double confidence = 0.95);

} // namespace hb::stats

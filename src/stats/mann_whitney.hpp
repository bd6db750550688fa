#pragma once
// Mann-Whitney U (Wilcoxon rank-sum), one-sided, with the exact null
// distribution for small untied samples and the tie- and continuity-corrected
// normal approximation otherwise; validated against SciPy 1.10's
// mannwhitneyu (tests/fixtures/stats/vectors.json).

#include "stats/test_result.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace hb::stats {

/// Largest n1 * n2 for which the exact null distribution is used. Its cost
/// grows as (n1 n2)^2 / 2; at this bound it takes about a millisecond.
inline constexpr std::size_t k_mwu_exact_max_pairs = 2500;

/// P(U <= k) for k = 0..k_max under "no difference" with sizes n1 and n2 and
/// no ties (U = number of pairs where the second sample is larger). Costs
/// O(min(n1,n2) * max(n1,n2) * min(k_max, n1 n2)): keep n1 n2 small. An empty
/// sample gives U = 0, so every entry is 1.
std::vector<double> mann_whitney_null_cdf(std::size_t n1, std::size_t n2, std::size_t k_max);

/// U = number of (baseline, current) pairs where current is worse, ties
/// counted as one half; p = P(U >= observed) if nothing changed. Method
/// "exact" when `method` is automatic, no value repeats in the pooled sample
/// and n1 n2 <= k_mwu_exact_max_pairs; "normal" otherwise (z set, except
/// when every value is equal: then p = 1). An empty side gives p = 1 and
/// "insufficient". O(n log n).
TestResult mann_whitney_u(std::span<const double> baseline, std::span<const double> current,
                          Worse worse, Method method = Method::automatic);

} // namespace hb::stats

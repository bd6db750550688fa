#pragma once
// Two-sample Kolmogorov-Smirnov, one-sided, with the exact p-value for small
// samples and Hodges' asymptotic formula otherwise; validated against SciPy
// 1.10's ks_2samp (tests/fixtures/stats/vectors.json).

#include "stats/test_result.hpp"

#include <cstddef>
#include <span>

namespace hb::stats {

/// Largest n1 * n2 for which the exact p-value is computed: a walk over the
/// n1 x n2 lattice, a few milliseconds at this bound.
inline constexpr std::size_t k_ks_exact_max_pairs = 1'000'000;

/// D = max over x of F_baseline(x) - F_current(x) when greater is worse (the
/// current distribution shifted up), of F_current(x) - F_baseline(x) when less
/// is worse; p = P(D >= observed) for continuous data if nothing changed (ties
/// make it conservative). Method "exact" when `method` is automatic and
/// n1 n2 <= k_ks_exact_max_pairs, else "asymptotic". An empty side
/// gives p = 1 and "insufficient". O(n log n) plus the exact walk.
TestResult kolmogorov_smirnov(std::span<const double> baseline, std::span<const double> current,
                              Worse worse, Method method = Method::automatic);

} // namespace hb::stats

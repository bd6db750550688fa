#pragma once
// Welch's unequal-variance t-test, one-sided; validated against SciPy 1.10's
// ttest_ind(equal_var=False) (tests/fixtures/stats/vectors.json).

#include "stats/test_result.hpp"

#include <span>

namespace hb::stats {

/// t = (mean(current) - mean(baseline)) / sqrt(s_c^2/n_c + s_b^2/n_b) with
/// Welch-Satterthwaite df; p = P(T >= t) when greater is worse, P(T <= t)
/// when less is worse; method "t". Fewer than two values on a side gives p = 1
/// and "insufficient". Both sides constant: t = 0 and p = 1 when the means are
/// equal, t = +-infinity and p = 0 or 1 otherwise, df unset.
TestResult welch_t_test(std::span<const double> baseline, std::span<const double> current,
                        Worse worse);

} // namespace hb::stats

#pragma once
// The two-sample tests exactly as the original tool documents them
// (compat.md "Comparison, as documented"), weaknesses included: Mann-Whitney U
// with a plain normal approximation (no tie or continuity correction) and a
// one-sided Kolmogorov-Smirnov statistic judged against the two-sided 5 %
// constant. Kept so verdicts match existing baselines; src/stats grows the
// sound versions beside them.

#include <span>

namespace hb::stats {

struct DocumentedTest
{
  double statistic = 0;   // U, or D+
  double z = 0;           // MWU only
  double critical = 0;    // what the statistic was judged against
  bool significant = false;
};

/// One-sided in the "worse" direction: `worse_is_greater` means larger
/// current values are worse (lower is better). U counts pairs where the
/// current sample is worse, ties as one half; significant when z > 1.645.
DocumentedTest documented_mann_whitney(std::span<const double> baseline,
                                       std::span<const double> current, bool worse_is_greater);

/// D+ = max over x of (F_baseline(x) - F_current(x)) when larger is worse
/// (the reverse otherwise); significant when D+ > 1.36 sqrt((n1+n2)/(n1 n2)).
DocumentedTest documented_kolmogorov_smirnov(std::span<const double> baseline,
                                             std::span<const double> current,
                                             bool worse_is_greater);

} // namespace hb::stats

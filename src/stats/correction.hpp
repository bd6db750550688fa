#pragma once
// Multiple-comparison correction over a family of p-values (one per scenario
// and metric), so that testing many metrics does not by itself produce
// "regressions".

#include <span>
#include <vector>

namespace hb::stats {

/// holm: controls the family-wise error rate, valid under any dependence
/// (the default). benjamini_hochberg: controls the false discovery rate, more
/// power for large families. none: every p-value judged alone.
enum class Correction { holm, benjamini_hochberg, none };

struct CorrectedPValues
{
  std::vector<double> adjusted; // in the input's order, each in [0, 1]
  std::vector<bool> reject;     // adjusted <= alpha
};

/// Adjusted p-values by the step-down (Holm) or step-up (Benjamini-Hochberg)
/// definitions, as statsmodels' multipletests computes them, and rejections at
/// `alpha`. A NaN p-value counts as 1; an empty family gives empty vectors.
CorrectedPValues correct_p_values(std::span<const double> p_values, double alpha = 0.05,
                                  Correction correction = Correction::holm);

} // namespace hb::stats

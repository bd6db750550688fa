#include "stats/welch.hpp"

#include "stats/descriptive.hpp"
#include "stats/distributions.hpp"

#include <cmath>
#include <limits>

namespace hb::stats {

namespace {

// Two passes (mean, then squared deviations): one pass of sums of squares
// loses every digit when the spread is small next to the mean, as timings are.
double
sample_variance(std::span<const double> values, double centre)
{
  double sum = 0;
  for (double v : values) {
    sum += (v - centre) * (v - centre);
  }
  return sum / static_cast<double>(values.size() - 1);
}

} // namespace

TestResult
welch_t_test(std::span<const double> baseline, std::span<const double> current, Worse worse)
{
  TestResult result;
  if (baseline.size() < 2 || current.size() < 2) {
    return result;
  }
  result.method = "t";
  const double n_cur = static_cast<double>(current.size());
  const double n_base = static_cast<double>(baseline.size());
  const double mean_cur = mean(current);
  const double mean_base = mean(baseline);
  const double share_cur = sample_variance(current, mean_cur) / n_cur;
  const double share_base = sample_variance(baseline, mean_base) / n_base;
  const double se2 = share_cur + share_base;
  const double diff = mean_cur - mean_base;
  const double sign = worse == Worse::greater ? 1 : -1;
  if (se2 == 0) {
    // No spread at all: any difference in means is certain, none is no evidence.
    result.statistic = diff == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), diff);
    result.p_value = sign * diff > 0 ? 0 : 1;
    return result;
  }
  const double t = diff / std::sqrt(se2);
  // Welch-Satterthwaite in terms of each side's fraction of the variance:
  // the textbook se2^2 / (...) under- or overflows for very small or large data.
  const double frac_cur = share_cur / se2;
  const double frac_base = share_base / se2;
  const double df = 1 / (frac_cur * frac_cur / (n_cur - 1) + frac_base * frac_base / (n_base - 1));
  result.statistic = t;
  result.df = df;
  result.p_value = student_t_sf(sign * t, df);
  return result;
}

} // namespace hb::stats

#pragma once
// Descriptive statistics over samples. Pure functions; inputs need not be
// sorted unless a name says so.

#include <span>
#include <vector>

namespace hb::stats {

double mean(std::span<const double> values);
double median(std::span<const double> values);
/// R-7 (Hyndman-Fan type 7) percentile of ascending `sorted`, p in [0, 1]:
/// v[lo] * (1 - frac) + v[hi] * frac, exactly as the runtime helpers compute it.
double percentile_sorted(std::span<const double> sorted, double p);
std::vector<double> sorted_copy(std::span<const double> values);

} // namespace hb::stats

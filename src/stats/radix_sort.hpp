#pragma once
// Sorting for the large samples the two-sample tests accept: an LSD radix sort
// runs in O(n) and, at a million values, several times faster than std::sort,
// which would otherwise be most of a test's time.

#include <span>
#include <vector>

namespace hb::stats {

/// `values` ascending, as std::sort with operator< would order them, except
/// that -0 comes before +0 (they compare equal, so either order is sorted).
/// Values must not be NaN.
std::vector<double> radix_sorted(std::span<const double> values);

} // namespace hb::stats

#pragma once
// The one walk the rank tests share: two ascending samples side by side, a
// distinct value at a time, so ties are handled once and in O(n1 + n2).

#include <cstddef>
#include <span>

namespace hb::stats {

/// Calls visit(base_below, base_through, cur_below, cur_through) for each
/// distinct value of the pooled ascending samples, in ascending order: how
/// many values of each sample lie below it and up to it.
template <class Visit>
void
for_each_distinct(std::span<const double> base, std::span<const double> cur, Visit&& visit)
{
  std::size_t i = 0, j = 0;
  while (i < base.size() || j < cur.size()) {
    const double x =
      j == cur.size() || (i < base.size() && base[i] < cur[j]) ? base[i] : cur[j];
    const std::size_t base_below = i;
    const std::size_t cur_below = j;
    while (i < base.size() && base[i] == x) ++i;
    while (j < cur.size() && cur[j] == x) ++j;
    visit(base_below, i, cur_below, j);
  }
}

} // namespace hb::stats

#include "stats/correction.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hb::stats {

CorrectedPValues
correct_p_values(std::span<const double> p_values, double alpha, Correction correction)
{
  const size_t m = p_values.size();
  CorrectedPValues out;
  out.adjusted.resize(m);
  for (size_t i = 0; i < m; ++i) {
    const double p = p_values[i];
    out.adjusted[i] = std::isnan(p) ? 1.0 : std::clamp(p, 0.0, 1.0);
  }
  if (correction != Correction::none && m > 0) {
    std::vector<size_t> order(m);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return out.adjusted[a] < out.adjusted[b]; });
    const double family = static_cast<double>(m);
    if (correction == Correction::holm) {
      // The r-th smallest (from 0) is multiplied by m - r; a running maximum
      // keeps the adjusted values in the order of the raw ones.
      double running = 0;
      for (size_t r = 0; r < m; ++r) {
        double& p = out.adjusted[order[r]];
        running = std::max(running, std::min(1.0, static_cast<double>(m - r) * p));
        p = running;
      }
    } else {
      // The r-th smallest (from 1) is multiplied by m / r; a running minimum
      // from the largest down.
      double running = 1;
      for (size_t r = m; r-- > 0;) {
        double& p = out.adjusted[order[r]];
        running = std::min(running, family / static_cast<double>(r + 1) * p);
        p = running;
      }
    }
  }
  out.reject.resize(m);
  for (size_t i = 0; i < m; ++i) {
    out.reject[i] = out.adjusted[i] <= alpha;
  }
  return out;
}

} // namespace hb::stats

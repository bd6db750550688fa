#pragma once
// The one sentence a report ends with: how many metrics were compared, how
// many were decided and how, and why the others were not. A gate that only
// says PASSED hides that half its metrics could not be decided; this makes
// the count and the reason visible at a glance, in the report and in JSON.

#include "bench/compare.hpp"

#include <cstddef>
#include <map>
#include <string>

namespace hb::bench {

struct VerdictCounts
{
  std::size_t compared = 0;
  std::size_t unchanged = 0;
  std::size_t improved = 0;
  std::size_t regressed = 0;
  std::size_t inconclusive = 0;
  /// The inconclusive metrics by why they stayed so.
  std::map<Undecided, std::size_t> undecided;

  std::size_t decided() const { return unchanged + improved + regressed; }
};

/// Counts the metric verdicts of every scenario of `comparison`.
VerdictCounts count_verdicts(const BaselineComparison& comparison);

/// "8 metrics compared: 6 decided (5 unchanged, 1 improved); 2 not decided
/// (2 one session a side and no run history)". Empty when nothing was
/// compared.
std::string summarize(const VerdictCounts& counts);

} // namespace hb::bench

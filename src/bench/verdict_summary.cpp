#include "bench/verdict_summary.hpp"

#include <fmt/format.h>

#include <vector>

namespace hb::bench {

VerdictCounts
count_verdicts(const BaselineComparison& comparison)
{
  VerdictCounts c;
  for (const auto& s : comparison.scenarios) {
    for (const auto& d : s.metric_deltas) {
      ++c.compared;
      switch (d.verdict) {
      case Verdict::unchanged: ++c.unchanged; break;
      case Verdict::improved: ++c.improved; break;
      case Verdict::regressed: ++c.regressed; break;
      case Verdict::inconclusive:
        ++c.inconclusive;
        ++c.undecided[d.undecided];
        break;
      }
    }
  }
  return c;
}

std::string
summarize(const VerdictCounts& c)
{
  if (c.compared == 0) {
    return "";
  }
  std::vector<std::string> how;
  if (c.regressed) how.push_back(fmt::format("{} regressed", c.regressed));
  if (c.improved) how.push_back(fmt::format("{} improved", c.improved));
  if (c.unchanged) how.push_back(fmt::format("{} unchanged", c.unchanged));
  std::string out = fmt::format("{} metric{} compared", c.compared, c.compared == 1 ? "" : "s");
  if (c.inconclusive == 0) {
    return out + fmt::format(", all decided ({})", fmt::join(how, ", "));
  }
  out += fmt::format(": {} decided", c.decided());
  if (!how.empty()) out += fmt::format(" ({})", fmt::join(how, ", "));
  std::vector<std::string> why;
  for (const auto& [kind, n] : c.undecided) {
    why.push_back(fmt::format("{} {}", n, describe(kind)));
  }
  return out + fmt::format("; {} not decided ({})", c.inconclusive, fmt::join(why, "; "));
}

} // namespace hb::bench

#pragma once
// `bench --resume`: the scenarios an interrupted bench finished, carried
// into the resumed run's results next to the ones measured now.

#include "bench/results/results.hpp"

#include <string>
#include <vector>

namespace hb::bench {

/// Appends to `into` every scenario of `kept` that `into` lacks, with its
/// entry in the normalised document, its gate results and budget findings;
/// metric policies `into` does not declare are taken too. Returns the ids
/// appended, in `kept`'s order.
std::vector<std::string> add_kept_scenarios(BenchResults& into, const BenchResults& kept);

} // namespace hb::bench

#pragma once
// `homeboy bench --runs N`: N separate invocations of the runner (or of the
// timed commands) in one bench run, combined into one result. Each
// invocation is a session, the unit of noise on a real machine (load,
// frequency, cache state move whole invocations): every per-iteration
// sample is kept, grouped by invocation (Scenario::sessions), so the
// comparison can weigh the spread between sessions (stats/sessions.hpp).
//
// As the original tool did: component_id and iterations must match across
// invocations, each scenario's summary values are the median across
// invocations, each scenario gets a `runs_summary` (per metric; for a
// metric given only as samples, of each invocation's median) and a `runs`
// list (each invocation's summary values),
// and the scenarios are sorted by id. Unlike it, the runner's distributions
// are kept (concatenated, with their session sizes), not replaced by the
// per-invocation values.

#include "bench/results/results.hpp"
#include "util/error.hpp"

#include <vector>

namespace hb::bench {

/// Combines the results of invocations 1..N (`runs`, non-empty, in order)
/// into one. `bench.runs_mismatch` when the invocations disagree on the
/// component, the iterations or the set of scenarios (a message naming the
/// invocation and what differs). One invocation is returned unchanged.
Result<BenchResults> combine_invocations(std::vector<BenchResults> runs);

/// {n, min, max, mean, stdev, cv_pct, p50, p95} of one metric's values
/// across invocations (R-7 percentiles; stdev with n - 1; cv_pct 0 when the
/// mean is 0), as the original's `runs_summary` entries.
struct RunsSummary
{
  std::size_t n = 0;
  double min = 0, max = 0, mean = 0, stdev = 0, cv_pct = 0, p50 = 0, p95 = 0;
};
RunsSummary summarize_runs(const std::vector<double>& values);

} // namespace hb::bench

#pragma once
// `homeboy bench --concurrency N`: N runner instances at once, each writing
// its own results file; their results joined into one, as the original tool
// aggregates them: every scenario of instance k (0-based) becomes
// `<id>:i<k>`, so each instance's measurements stay distinct in the report,
// the run record and the baseline. component_id and iterations come from the
// first instance that produced results, metric policies are joined (the
// first declaration of a metric wins), gate results and budget findings are
// kept with their scenario ids renamed. One instance (no --concurrency) is
// never renamed.

#include "bench/results/results.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hb::bench {

/// One instance's parsed results.
struct InstanceResults
{
  std::uint32_t instance = 0; // 0-based, as HOMEBOY_BENCH_INSTANCE_ID
  BenchResults results;
};

/// `<id>:i<instance>`.
std::string instance_scenario_id(const std::string& id, std::uint32_t instance);

/// `id` without a trailing `:i<digits>` (what the runner calls the scenario).
std::string base_scenario_id(const std::string& id);

/// The base ids of `ids`, each once, in first-seen order.
std::vector<std::string> base_scenario_ids(const std::vector<std::string>& ids);

/// The results file of instance `instance` next to `results_file`:
/// bench-results.json -> bench-results-i0.json (the original's name),
/// bench-results.round-2.json -> bench-results.round-2-i0.json.
std::string instance_results_name(const std::string& results_file_name, std::uint32_t instance);

/// Joins the instances' results (in instance order) into one, with the
/// normalised document rebuilt to match (component_id, iterations,
/// metric_policies, the renamed scenarios). Empty `parts`: an empty result
/// for `component_id`.
BenchResults merge_instances(std::vector<InstanceResults> parts, const std::string& component_id,
                             std::uint64_t iterations);

} // namespace hb::bench

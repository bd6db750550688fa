#pragma once
// Where a bench run record keeps what the runner reported about its workload
// (the results file's top-level `metadata`, `run_metadata` and
// `metric_groups`, each scenario's `metadata` and `metric_groups`, and a
// `validation_progress` ledger), in one place: the bench writes it with
// add_workload_metadata, and runs compare reads scenario metrics back with
// recorded_scenario_metrics. The layout is the original tool's, so scripts
// that query its run metadata keep working:
//
//   results.metadata{...}        the workload's metadata (without the ledger)
//   results.run_metadata{...}
//   results.metric_groups{group: {metric: number}}
//   scenario_metrics[{scenario_id, metadata{...}, metric_groups{...}}]
//   validation_progress          lifted from results `metadata`, where runs
//                                resume-plan reads it
//
// Only these keys are stored (the results file itself is the run's
// `bench_results` artifact), and at most `cap` bytes of them.

#include "util/json_fwd.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hb::analysis {

/// The most JSON a run record keeps of the workload's own metadata.
inline constexpr std::size_t k_workload_metadata_cap = 64 * 1024;

struct WorkloadMetadataSummary
{
  std::size_t reported_bytes = 0; // about how much JSON the workload reported
  std::size_t kept_bytes = 0;     // about how much of it was stored
  /// Keys left out to stay under the cap, as paths
  /// (`results.metadata.dump`, `scenario_metrics[hot].metadata.trace`).
  std::vector<std::string> omitted;
};

/// Adds the workload keys of a normalised results document to `run_metadata`
/// (an object), key by key in a fixed order (the ledger, run_metadata,
/// metric groups, then free-form metadata), skipping any key whose JSON
/// would take the total over `cap` bytes; nothing is added for a document
/// without such keys.
WorkloadMetadataSummary add_workload_metadata(Json& run_metadata, const Json& results_document,
                                              std::size_t cap = k_workload_metadata_cap);

struct RecordedMetric
{
  std::string scenario_id;
  std::string metric; // `<group>.<metric>` for a metric group's
  double value = 0;
};

/// The numeric scenario metrics a run's metadata records, as the original
/// reads them: each `scenario_metrics[]` entry's `metrics` and
/// `metric_groups` (named `<group>.<metric>`), or, when there are none,
/// each `results.scenarios[]` entry's. Non-numbers are skipped.
std::vector<RecordedMetric> recorded_scenario_metrics(const Json& run_metadata);

} // namespace hb::analysis

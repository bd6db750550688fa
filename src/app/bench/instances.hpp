#pragma once
// `homeboy bench --shared-state DIR --concurrency N` (bench.md): N runner
// instances at once, each with HOMEBOY_BENCH_SHARED_STATE, its own results
// file (bench-results-i<k>.json), its own invocation (dirs, ports) and
// HOMEBOY_BENCH_INSTANCE_ID / HOMEBOY_BENCH_CONCURRENCY; their results are
// joined with `:i<k>` scenario ids (bench/instances.hpp) into the round's
// results file. Internal to app/bench.

#include "app/bench/pipeline.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hb::app::pipeline {

/// Refuses what --shared-state and --concurrency cannot do (0 instances,
/// more than k_max_concurrency, N > 1 without a shared-state directory or
/// with timed commands, a shared-state path that is not a directory) and
/// creates the shared-state directory when it is missing.
Result<void> check_instances(const BenchRequest& request, bool timed_commands);

/// One round of request.concurrency instances at once; the joined results
/// are written to `results_file`. The round fails when any instance failed,
/// naming the first failed instance (the exit code is that instance's);
/// the results of every instance that wrote some are kept.
Round measure_instances(const Prepared& p, const BenchRequest& request, const std::string& run_id,
                        const std::filesystem::path& run_dir,
                        const std::filesystem::path& results_file, const std::string& log_tag,
                        std::uint64_t iterations, const std::vector<std::string>& scenarios);

} // namespace hb::app::pipeline

#pragma once
// Crash-consistent --baseline / --ratchet. A baseline changes only for a run
// the store records as succeeded, whatever instant homeboy is killed at:
//
//   1. a marker <data root>/pending-baselines/<run id>.json (file, key) is
//      written, then the run settles `succeeded` with baseline.pending set;
//   2. only then is homeboy.json replaced (atomic rename; the baseline names
//      its run in metadata.run_id);
//   3. the run's metadata is patched to saved/ratcheted and the marker goes.
//
// A kill before 1 completes leaves no change in the file; between 1 and 3 the
// marker stays, and the next `homeboy bench` or `runs reconcile` completes
// the record (the file names the run) or rolls it back (it does not: the run
// says the write was interrupted). A failed settle never writes the file.

#include "app/bench_service.hpp"
#include "bench/baseline.hpp"
#include "model/paths.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

/// What --baseline / --ratchet will write for this run, or nullopt with the
/// reason added to report.notes (gates failed, nothing improved, ...).
std::optional<bench::Baseline> planned_baseline(const BenchRequest& request, BenchReport& report,
                                                const std::optional<bench::Baseline>& current);

/// Step 1's marker; the caller settles the run after it.
Result<void> mark_baseline_pending(const Paths& paths, const std::string& run_id,
                                   const std::filesystem::path& homeboy_json,
                                   const std::string& key, bool ratchet);
/// Drops the marker of a run whose settle failed (nothing was written).
void drop_baseline_marker(const Paths& paths, const std::string& run_id);

/// Steps 2 and 3 for a run the store now records as succeeded.
Result<void> commit_baseline(Store& store, const Paths& paths, const std::string& run_id,
                             const std::filesystem::path& homeboy_json, const std::string& key,
                             bench::Baseline next, bool ratchet);

/// Completes or rolls back every marker whose bench is no longer running;
/// returns one sentence per run it resolved.
std::vector<std::string> recover_pending_baselines(Store& store, const Paths& paths);

/// Removes `<homeboy.json>.tmp-*` files that a killed writer left beside the
/// user's file (older than a minute, so a live writer's file is kept).
void remove_stale_temp_files(const std::filesystem::path& homeboy_json);

} // namespace hb::app

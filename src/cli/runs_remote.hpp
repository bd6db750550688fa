#pragma once
// The `runs` commands' reads from a remote runner's daemon (runs_remote.cpp;
// docs/runners.md). Each resolves the runner by id from the config.

#include "cli/runs_common.hpp"
#include "model/paths.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <filesystem>
#include <string>

namespace hb::cli {

/// runs.list from runner `id`'s daemon with these filters, plus "runner".
Result<Json> remote_runs_list(const std::string& id, const RunFilterArgs& filter);
/// runs.show of `run_id` from runner `runner_id`, plus "runner".
Result<Json> remote_run_detail(const std::string& runner_id, const std::string& run_id);
/// A remote run for people: identity, lifecycle and each scenario's metrics.
std::string render_remote_show(const Json& run, const std::string& runner);
/// Downloads an artifact's bytes into <artifact root>/runner/<runner>/<run>/
/// <artifact> (what `runs artifact cleanup-downloads` cleans); that path.
Result<std::filesystem::path> remote_artifact(const std::string& runner_id, const std::string& run_id,
                                              const std::string& artifact_id);
/// Every runner's active runs: [{runner, runs, next_cursor}], or {runner,
/// error: {code, message}} for one that could not be read.
Json active_runner_jobs(const Paths& paths);

} // namespace hb::cli

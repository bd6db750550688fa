#pragma once
// JSON shapes of stored records, shared by the CLI and (later) the HTTP API.

#include "model/run.hpp"
#include "util/json_fwd.hpp"

#include <vector>

namespace hb::app {

/// runs.list row: {id, kind, status, started_at, finished_at, component_id,
/// rig_id, git_sha, command, cwd, ...lifecycle, host (the lease owner's
/// host id: with a shared store, which host of the fleet took it)}.
Json run_summary_json(const Run& run);
/// The Run a run_summary_json row describes (a remote runner's list, read
/// back for the same table); what the row lacks stays default.
Run run_from_summary_json(const Json& row);
/// What a table of runs shows beside the row (the API's runs list, for the
/// Studio): {name, host, scenarios, verdicts {regressed, improved,
/// unchanged, inconclusive}, needs_review, duration_ms, labels}, read from
/// the run's metadata; absent facts are null (verdicts null when the run
/// compared nothing).
Json run_list_summary_json(const Run& run);
/// runs.show: the summary plus metadata and every lifecycle field.
Json run_detail_json(const Run& run);
/// A run's attempts, oldest first: the `earlier` ones (Store::run_attempts)
/// and the one the run row holds, each {attempt, status, terminal_reason,
/// exit_code, started_at, finished_at, host, timings, error, latest}.
Json attempts_json(const Run& run, const std::vector<RunAttempt>& earlier);
Json artifact_json(const Artifact& artifact);
Json finding_json(const Finding& finding);
/// Stored JSON text (a run's or artifact's metadata) as an object; invalid
/// text or another type gives an empty object.
Json object_or_empty(const std::string& text);
/// The text, or null when it is empty.
Json text_or_null(const std::string& text);
/// RFC 3339 text, or null.
Json time_json(const std::optional<TimeMs>& ms);

} // namespace hb::app

#pragma once
// What every front end (the CLI's `runs` commands, the daemon's HTTP API)
// shows of runs: the filter as typed, the runs.list and runs.show payloads,
// the event rows, and the tail of a run's captured output. One place, so
// both front ends print the same JSON.

#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hb::app {

/// A run filter as a user typed it (`runs list` flags, or the API's query
/// parameters); empty text means "not given".
struct RunFilterText
{
  std::string kind, component, rig, scenario, status, since, until, after;
  std::size_t limit = 20;
};

/// Parses the text into a store filter: statuses (validation.invalid_argument
/// naming the accepted words), times (durations or timestamps, relative to now).
Result<RunFilter> parse_run_filter(const RunFilterText& text);

/// runs.list: {command, runs[] (run_summary_json rows), next_cursor}.
/// With `summaries`, each row also has `summary` (run_list_summary_json).
Json runs_list_payload(const RunPage& page, bool summaries = false);

/// Everything recorded with one run (read by store queries; no file access).
struct RunEvidence
{
  std::vector<Artifact> artifacts;
  std::vector<MetricRow> metrics;
  std::vector<std::string> scenarios;
  std::vector<Finding> findings;
  std::vector<RunAttempt> attempts; // earlier attempts (runs resume, --retry)
};

Result<RunEvidence> load_run_evidence(Store& store, const Run& run);

/// runs.show's payload: {command, run: detail + artifacts, scenario_ids,
/// scenario_metrics[{scenario_id, metrics, distributions}]}.
Json run_show_payload(const Run& run, const RunEvidence& evidence, const char* command);

/// One event row: {seq, at (RFC 3339), type, data (object)}.
Json run_event_json(const RunEvent& event);

/// The byte offset where the last `lines` lines of the file begin (0 when it
/// has fewer, or cannot be read). A final newline does not start a line.
std::uint64_t log_tail_offset(const std::filesystem::path& path, std::size_t lines);

/// What `path` holds from `offset` on (empty when it cannot be read);
/// advances `offset` by what was read.
std::string read_log_from(const std::filesystem::path& path, std::uint64_t& offset);

} // namespace hb::app

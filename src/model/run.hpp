#pragma once
// Runs of every kind (bench, task, ...) and their lifecycle (DESIGN.md "Run
// lifecycle"). The transition table is the single source of truth for which
// status writes are legal.

#include "util/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

enum class RunStatus {
  queued,
  booting,
  running,
  collecting_artifacts,
  succeeded,
  failed,
  timed_out,
  cancelled,
};

const char* to_string(RunStatus status);
std::optional<RunStatus> parse_run_status(std::string_view text);
/// Every status, in lifecycle order.
const std::vector<RunStatus>& all_run_statuses();
bool is_terminal(RunStatus status);
/// Whether a run may move from `from` to `to`.
bool transition_allowed(RunStatus from, RunStatus to);

/// Filter values users may type: the eight statuses plus the original tool's
/// observation statuses (pass, fail, error, stale, ...) mapped onto them.
std::optional<std::vector<RunStatus>> parse_status_filter(std::string_view text);

struct Run
{
  std::string id;
  std::string kind;
  RunStatus status = RunStatus::queued;
  std::string component_id;
  std::string rig_id;
  std::string command;
  std::string cwd;
  std::string git_sha;
  std::string homeboy_version;
  TimeMs created_at = 0;
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> finished_at;
  std::optional<TimeMs> heartbeat_at;
  std::string lease_owner;
  std::int64_t lease_epoch = 0;
  std::optional<TimeMs> deadline_at;
  std::optional<TimeMs> cancel_requested_at;
  std::string terminal_reason;
  std::optional<int> exit_code;
  std::optional<int> owner_pid;
  std::optional<std::uint64_t> owner_start_time;
  std::optional<TimeMs> eligible_at;
  std::optional<TimeMs> retained_until;
  std::optional<TimeMs> promoted_at;
  std::string metadata_json = "{}";
  // Registry runs (`runs submit`/`start`): how long a run may stay booting,
  // run, and go without a heartbeat before the reaper settles it. Unset for
  // producers that own their process (bench), which the reaper settles only
  // when that process is gone.
  std::optional<std::int64_t> start_timeout_ms;
  std::optional<std::int64_t> timeout_ms;
  std::optional<std::int64_t> heartbeat_timeout_ms;
  // Attempts (docs/registry.md "Resuming"): the row always holds the latest
  // attempt, numbered from 1; earlier ones are RunAttempt rows. A queued run
  // with retry_at is an automatic retry that no worker may start before it.
  int attempt = 1;
  std::optional<TimeMs> retry_at;
};

/// A finished attempt of a run that has had a later one: what it was when
/// the next began (its status, reason, exit code, times, and its metadata's
/// runtime, timings and error).
struct RunAttempt
{
  std::string run_id;
  int attempt = 1;
  RunStatus status = RunStatus::failed;
  std::string terminal_reason;
  std::optional<int> exit_code;
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> finished_at;
  std::string lease_owner;
  std::string metadata_json = "{}";
};

/// One entry of a run's append-only event log (status changes, cancel
/// requests, producer messages).
struct RunEvent
{
  std::string run_id;
  std::int64_t seq = 0;
  TimeMs at = 0;
  std::string type;
  std::string data_json = "{}";
};

struct Artifact
{
  std::string id;
  std::string run_id;
  std::string kind;  // bench_results, log, json, screenshot, ...
  std::string type;  // file | directory | url | metadata-only
  std::string path;  // absolute for local files; the URL for url artifacts
  std::string url;
  std::string sha256;
  std::optional<std::uint64_t> size_bytes;
  std::string mime;
  std::string label;
  TimeMs created_at = 0;
  std::string metadata_json = "{}";
};

struct Finding
{
  std::string id;
  std::string run_id;
  std::string tool;
  std::string rule;
  std::string category;
  std::string severity;
  std::string message;
  std::string file;
  std::optional<std::int64_t> line;
  std::optional<std::int64_t> column;
  std::string fingerprint;
  TimeMs created_at = 0;
  std::string metadata_json = "{}";
};

/// One span of a trace run: the time between two timeline events.
struct TraceSpan
{
  std::string id;
  std::string run_id;
  std::string span_id;
  std::string status; // ok, skipped, failed, ...
  std::optional<double> duration_ms;
  std::string from_event;
  std::string to_event;
  std::string message;
  TimeMs created_at = 0;
  std::string metadata_json = "{}";
};

/// homeboy://run/<id> and homeboy://run/<id>/artifact/<aid>.
std::string run_ref(std::string_view run_id);
std::string artifact_ref(std::string_view run_id, std::string_view artifact_id);

} // namespace hb

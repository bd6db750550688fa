#pragma once
// Retention of whole runs: `homeboy runs promote` (keep forever), `runs
// retain --until` (keep until a time), and `runs cleanup`, which plans (a dry
// run, the default) or applies the deletion of runs nothing protects, with
// their records and their files under the artifact root.
//
// What is never deleted: an active run, a promoted run, a run retained past
// now, a run whose eligible_at is still ahead, and any file outside the
// artifact root (symlinks resolved) or inside another run's directory.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::app {

/// Runs deleted per write transaction by apply_run_cleanup: small enough
/// that other writers (a bench settling its run) never wait long.
constexpr std::size_t k_cleanup_batch = 200;

struct PromoteReport
{
  Run run;              // as it is after the call
  bool changed = false; // false: it was already promoted, nothing written
};

/// Promotes the run with this id or unique prefix at `now`, recording
/// `reason` (may be empty) in its metadata under `promotion`. A run already
/// promoted is left as it is (changed = false). Any kind, any status.
Result<PromoteReport> promote_run(Store& store, const std::string& id_or_prefix,
                                  const std::string& reason, TimeMs now);

/// `runs retain --until`: an RFC 3339 time or a duration from `now` (`30d`,
/// `12h`). Errors (`validation.invalid_argument`) for anything else, and for
/// a time that is not after `now`.
Result<TimeMs> parse_retain_until(std::string_view text, TimeMs now);

struct RetainReport
{
  Run run; // as it is after the call
  std::optional<TimeMs> previous;
  bool changed = false; // false: already retained until exactly that time
};

/// Retains the run until `until` (after `now`). Retention only grows: an
/// `until` earlier than the run's retained_until is refused
/// (`validation.retention_shortened`) unless `force`.
Result<RetainReport> retain_run(Store& store, const std::string& id_or_prefix, TimeMs until,
                                bool force, TimeMs now);

/// `runs cleanup --status`: the values of parse_status_filter, terminal
/// statuses only ("active runs are never cleaned up").
Result<std::vector<RunStatus>> parse_cleanup_statuses(std::string_view text);

struct RunCleanupRequest
{
  std::optional<std::int64_t> older_than_ms; // finished (else created) at least this long ago
  std::vector<RunStatus> statuses;           // terminal only; empty: all four
  std::optional<std::string> kind;
  std::size_t limit = 0; // the oldest N eligible runs; 0: all of them
  std::size_t batch_size = k_cleanup_batch;
};

/// A file or directory of a run, and what the cleanup does with it.
struct CleanupPath
{
  std::string path;
  std::uint64_t bytes = 0;
  /// delete (planned) | deleted | missing (already gone: nothing to do) |
  /// keep (with `reason`: outside the artifact root, another run's) |
  /// failed (with `reason`: could not be deleted)
  std::string action;
  std::string reason;
};

struct RunCleanupEntry
{
  std::string run_id;
  std::string kind;
  RunStatus status = RunStatus::succeeded;
  TimeMs created_at = 0;
  std::optional<TimeMs> finished_at;
  std::size_t artifacts = 0; // artifact records
  std::uint64_t bytes = 0;   // bytes of the paths to delete (deleted)
  /// delete (planned) | deleted | skipped (with `reason`: it changed since
  /// the plan, e.g. promoted, and the DELETE's re-check kept it)
  std::string action = "delete";
  std::string reason;
  std::vector<CleanupPath> paths;
};

struct RunCleanupReport
{
  bool applied = false;
  TimeMs now = 0;
  RunCleanupRequest request;
  RetentionFilter filter;
  std::vector<RunCleanupEntry> runs;

  /// Runs, artifact records and bytes deleted (applied) or to delete (plan).
  std::size_t total_runs() const;
  std::size_t total_artifacts() const;
  std::uint64_t total_bytes() const;
  /// Paths that could not be deleted (their runs' records are gone).
  std::size_t failures() const;
};

/// The runs `request` selects that nothing protects at `now`, oldest first,
/// each with its artifact count and the paths a deletion would remove. Reads
/// only.
Result<RunCleanupReport> plan_run_cleanup(Store& store, const Paths& paths,
                                          const RunCleanupRequest& request, TimeMs now);

/// Deletes the runs of `plan` in batches of request.batch_size, one write
/// transaction each; the DELETE re-checks every condition at plan.now, so a
/// run promoted or retained since the plan is skipped. Then removes the
/// files of the runs actually deleted (a missing file is fine; one that
/// cannot be removed is reported in its path's `failed` action and never
/// stops the other runs).
Result<RunCleanupReport> apply_run_cleanup(Store& store, const Paths& paths,
                                           const RunCleanupReport& plan);

Json promote_json(const PromoteReport& report);
Json retain_json(const RetainReport& report);
Json run_cleanup_json(const RunCleanupReport& report);

} // namespace hb::app

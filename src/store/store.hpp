#pragma once
// The observation store: runs of every kind with their artifacts, findings,
// per-scenario metrics and events. One interface, implemented over SQLite
// (one machine) and, later, PostgreSQL (a fleet).
//
// Contracts: every call is durable when it returns success (SQLite WAL with
// synchronous=NORMAL survives a process crash; a power loss may lose the last
// transactions but never corrupts). A Store object is used by one thread;
// open one per thread. Lists are keyset-paged and newest first.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hb {

struct RunFilter
{
  std::optional<std::string> kind;
  std::optional<std::string> component_id;
  std::optional<std::string> rig_id;
  std::optional<std::string> scenario_id;
  std::vector<RunStatus> statuses; // empty: any
  std::optional<TimeMs> since;     // created_at >= since
  std::optional<TimeMs> until;     // created_at < until
  std::size_t limit = 20;
  /// Continue after this cursor (from RunPage::next_cursor).
  std::optional<std::string> after;
};

struct RunPage
{
  std::vector<Run> runs;
  /// Present when more runs match: pass it as RunFilter::after.
  std::optional<std::string> next_cursor;
};

struct MetricRow
{
  std::string scenario_id;
  std::string name;
  double value = 0;
  std::vector<double> samples;
};

/// A metric row with the run it belongs to (metrics_for_runs).
struct RunMetricRow
{
  std::string run_id;
  MetricRow metric;
};

struct FindingFilter
{
  std::optional<std::string> run_id;
  std::optional<std::string> tool;
  std::optional<std::string> file;
  std::optional<std::string> fingerprint;
  // Run-side filters, for latest-finding.
  std::optional<std::string> kind;
  std::optional<std::string> component_id;
  std::optional<std::string> rig_id;
  std::vector<RunStatus> statuses;
  std::optional<TimeMs> since; // finding created_at >= since
  std::optional<TimeMs> until;
  std::size_t limit = 100;
};

/// Everything a producer records when it settles a run; written in one
/// transaction together with the status change, so readers never see a
/// finished run without its evidence.
struct RunOutcome
{
  RunStatus status = RunStatus::succeeded;
  std::string terminal_reason;
  std::optional<int> exit_code;
  TimeMs finished_at = 0;
  std::string metadata_json = "{}";
  std::vector<std::string> scenario_ids;
  std::vector<MetricRow> metrics;
  std::vector<Artifact> artifacts;
  std::vector<Finding> findings;
};

class Store
{
public:
  virtual ~Store() = default;

  /// Inserts a new run. `store.conflict` if the id exists.
  virtual Result<void> insert_run(const Run& run) = 0;

  /// Settles a run if it is still in `expected` with `expected_epoch`
  /// (compare-and-set); `store.conflict` otherwise, and nothing is written.
  /// The transition must be allowed by transition_allowed().
  virtual Result<void> settle_run(const std::string& run_id, RunStatus expected,
                                  std::int64_t expected_epoch, const RunOutcome& outcome) = 0;

  virtual Result<std::optional<Run>> get_run(const std::string& run_id) = 0;
  /// Resolves a unique id prefix (at least 4 characters) to a run id.
  virtual Result<std::optional<std::string>> resolve_run_id(const std::string& prefix) = 0;
  virtual Result<RunPage> list_runs(const RunFilter& filter) = 0;

  virtual Result<std::vector<std::string>> run_scenarios(const std::string& run_id) = 0;
  virtual Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) = 0;
  virtual Result<std::vector<Artifact>> run_artifacts(const std::string& run_id) = 0;
  virtual Result<std::optional<Artifact>> get_artifact(const std::string& run_id,
                                                       const std::string& artifact_id) = 0;
  /// The artifacts of several runs (one indexed lookup per run on
  /// artifacts_by_run), ordered by run as given, then created_at. `kinds`
  /// non-empty keeps only those artifact kinds.
  virtual Result<std::vector<Artifact>> artifacts_for_runs(const std::vector<std::string>& run_ids,
                                                           const std::vector<std::string>& kinds = {}) = 0;
  /// The metrics of several runs (primary-key lookups), ordered by run as
  /// given, then scenario and name.
  virtual Result<std::vector<RunMetricRow>> metrics_for_runs(const std::vector<std::string>& run_ids) = 0;

  virtual Result<std::vector<Finding>> list_findings(const FindingFilter& filter) = 0;
  virtual Result<std::optional<Finding>> get_finding(const std::string& finding_id) = 0;

  /// `runs artifact cleanup-persisted`: the local file and directory
  /// artifacts of runs that are finished, finished before `finished_before`
  /// (when set), neither promoted nor retained past `now`, and `run_id`'s
  /// only (when set); oldest run first.
  virtual Result<std::vector<Artifact>> cleanup_candidates(std::optional<TimeMs> finished_before,
                                                           const std::string& run_id,
                                                           TimeMs now) = 0;
  /// Deletes these artifact rows in one transaction; returns how many went.
  virtual Result<std::size_t> delete_artifacts(const std::vector<std::string>& artifact_ids) = 0;
};

/// Opens (creating and migrating as needed) the SQLite store at
/// paths.store_path. Errors name the file and what to do.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& path);

} // namespace hb

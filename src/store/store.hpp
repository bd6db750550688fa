#pragma once
// The observation store: runs of every kind with their artifacts, findings,
// per-scenario metrics and events. One interface, implemented over SQLite
// (one machine) and PostgreSQL (a fleet): one SQL implementation
// (store/sql) over either connection (store/sqlite, store/postgres).
//
// Contracts: every call is durable when it returns success (SQLite WAL with
// synchronous=NORMAL survives a process crash; a power loss may lose the last
// transactions but never corrupts; PostgreSQL has committed to the server). A
// Store object is used by one thread;
// open one per thread. Lists are keyset-paged and newest first.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "model/schedule.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <functional>
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

/// A position in the store's events, ordered by (at, seq, run_id).
struct EventCursor
{
  TimeMs at = 0;
  std::int64_t seq = 0;
  std::string run_id;
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
  /// Merge metadata_json into the stored metadata (RFC 7396) instead of
  /// replacing it, keeping what others wrote meanwhile (a producer's preview).
  bool merge_metadata = false;
  /// When set, the run may be cleaned up from then on.
  std::optional<TimeMs> eligible_at;
  /// An automatic retry: in the same transaction as the settle, the run's
  /// next attempt is queued (begin_attempt) and no worker starts it before
  /// this time.
  std::optional<TimeMs> retry_at;
};

/// How Store::begin_attempt starts a run's next attempt.
struct NewAttempt
{
  /// queued (for a worker; lease epoch unchanged) or booting (claimed by
  /// `owner` under lease epoch + 1, as claim_run would).
  RunStatus status = RunStatus::queued;
  std::string owner;
  /// queued only: the earliest time a worker may claim it (an automatic
  /// retry's backoff); nullopt: at once.
  std::optional<TimeMs> not_before;
  /// Why, for the `attempt` event: `resume` (a user) or `retry` (automatic).
  std::string cause = "resume";
  /// Extra keys for the `attempt` event (a JSON object's text; empty: none).
  std::string event_json;
};

/// A registry write on one active run (Store::update_run): what to set.
/// Unset fields are left as they are.
struct RunUpdate
{
  std::optional<RunStatus> status; // must be allowed by transition_allowed()
  std::optional<TimeMs> heartbeat_at;
  std::optional<TimeMs> started_at;
  bool set_deadline = false; // write deadline_at (nullopt clears it)
  std::optional<TimeMs> deadline_at;
  std::optional<int> owner_pid;
  std::optional<std::uint64_t> owner_start_time;
  std::string lease_owner; // empty: unchanged
  std::string metadata_patch; // RFC 7396 merge patch; empty: none
};

/// A run's scenario id (scenarios_for_runs).
struct RunScenarioRow
{
  std::string run_id;
  std::string scenario_id;
};

/// Which runs `runs cleanup` may delete. Beyond these filters a run must be
/// terminal, not promoted, not retained past now (retained_until NULL or <=
/// now) and eligible (eligible_at NULL or <= now).
struct RetentionFilter
{
  /// Terminal statuses only (the store refuses others); empty: all four.
  std::vector<RunStatus> statuses;
  std::optional<std::string> kind;
  /// finished_at (created_at when the run never finished) <= this.
  std::optional<TimeMs> ended_by;
};

/// A run delete_runs removed, with the artifact rows it had.
struct DeletedRun
{
  std::string run_id;
  std::vector<Artifact> artifacts;
};

/// Reads and writes inside one import transaction (Store::import_transaction).
/// Valid only while the transaction's body runs.
class ImportWriter
{
public:
  virtual ~ImportWriter() = default;
  virtual Result<std::optional<Run>> find_run(const std::string& run_id) = 0;
  virtual Result<std::vector<std::string>> run_scenarios(const std::string& run_id) = 0;
  virtual Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) = 0;
  virtual Result<std::optional<Artifact>> find_artifact(const std::string& artifact_id) = 0;
  virtual Result<std::optional<Finding>> find_finding(const std::string& finding_id) = 0;
  virtual Result<std::optional<TraceSpan>> find_trace_span(const std::string& span_id) = 0;
  /// Inserts a run with its scenario ids and metrics as they are (any
  /// status, every lifecycle field kept).
  virtual Result<void> insert_run(const Run& run, const std::vector<std::string>& scenario_ids,
                                  const std::vector<MetricRow>& metrics) = 0;
  virtual Result<void> insert_artifact(const Artifact& artifact) = 0;
  virtual Result<void> insert_finding(const Finding& finding) = 0;
  virtual Result<void> insert_trace_span(const TraceSpan& span) = 0;
  /// Inserts an event as it is, its seq kept (`store copy`).
  virtual Result<void> insert_event(const RunEvent& event) = 0;
  /// Inserts an earlier attempt of a run as it is (`store copy`).
  virtual Result<void> insert_attempt(const RunAttempt& attempt) = 0;
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

  /// The scenario ids of several runs, ordered by run as given, then id.
  virtual Result<std::vector<RunScenarioRow>> scenarios_for_runs(const std::vector<std::string>& run_ids) = 0;
  /// The findings of several runs, ordered by run as given, then
  /// created_at, id.
  virtual Result<std::vector<Finding>> findings_for_runs(const std::vector<std::string>& run_ids) = 0;
  /// The trace spans of several runs, ordered by run as given, then in the
  /// order they were recorded.
  virtual Result<std::vector<TraceSpan>> trace_spans_for_runs(const std::vector<std::string>& run_ids) = 0;

  /// Runs `body` in one read transaction: every read it makes sees the
  /// store as it was when the first one ran, whatever other processes
  /// commit meanwhile (a WAL snapshot).
  virtual Result<void> read_snapshot(const std::function<Result<void>()>& body) = 0;

  /// Runs `body` in one write transaction: everything it writes is
  /// committed together when it succeeds, nothing when it fails. `body` may
  /// run more than once when another writer holds the store (it is retried
  /// from the start), so it must not have effects it cannot repeat.
  virtual Result<void> import_transaction(const std::function<Result<void>(ImportWriter&)>& body) = 0;

  virtual Result<std::vector<Finding>> list_findings(const FindingFilter& filter) = 0;
  virtual Result<std::optional<Finding>> get_finding(const std::string& finding_id) = 0;
  /// Resolves a unique finding id prefix (at least 4 characters), as
  /// resolve_run_id does for runs.
  virtual Result<std::optional<std::string>> resolve_finding_id(const std::string& prefix) = 0;

  /// `runs artifact cleanup-persisted`: the local file and directory
  /// artifacts of runs that are finished, finished before `finished_before`
  /// (when set), neither promoted nor retained past `now`, and `run_id`'s
  /// only (when set); oldest run first.
  virtual Result<std::vector<Artifact>> cleanup_candidates(std::optional<TimeMs> finished_before,
                                                           const std::string& run_id,
                                                           TimeMs now) = 0;
  /// Deletes these artifact rows in one transaction; returns how many went.
  virtual Result<std::size_t> delete_artifacts(const std::vector<std::string>& artifact_ids) = 0;

  // The run registry (src/registry). Every status write is a compare-and-set
  // on (status, lease_epoch): a process whose lease was taken over or whose
  // run was settled by someone else gets `store.conflict` and writes nothing.

  /// Inserts new runs and a `submitted` event each, in one transaction.
  virtual Result<void> insert_runs(const std::vector<Run>& runs) = 0;
  /// Moves the oldest queued run (or `run_id`, when given) with no cancel
  /// request to booting under a new lease: lease_epoch + 1, lease_owner =
  /// `owner`, heartbeat_at = `now`, deadline_at = now + start_timeout_ms,
  /// retry_at cleared; the oldest never is an automatic retry whose retry_at
  /// is after `now`. Any number of processes may call this at once; a run goes to exactly
  /// one. nullopt: nothing to claim.
  virtual Result<std::optional<Run>> claim_run(const std::string& owner, TimeMs now,
                                               const std::optional<std::string>& run_id) = 0;
  /// Applies `update` if the run is still in `expected` with
  /// `expected_epoch`; returns the run as written. A status change is
  /// logged as a `status` event in the same transaction.
  virtual Result<Run> update_run(const std::string& run_id, RunStatus expected,
                                 std::int64_t expected_epoch, const RunUpdate& update,
                                 TimeMs now) = 0;
  /// A heartbeat: sets heartbeat_at if the run is still active under
  /// `expected_epoch` (whatever its status), merging `metadata_patch` (RFC
  /// 7396; empty: none). Returns the run, so the beater sees cancel requests.
  virtual Result<Run> beat(const std::string& run_id, std::int64_t expected_epoch, TimeMs now,
                           const std::string& metadata_patch) = 0;
  /// Cancels a queued run at once (cancelled, `cancelled_by_user`); marks an
  /// active one with cancel_requested_at (kept from the first request) for
  /// its supervisor; leaves a finished one alone. Returns the run after.
  virtual Result<Run> request_cancel(const std::string& run_id, const std::string& reason,
                                     TimeMs now) = 0;
  /// Starts the next attempt of a terminal run still in `expected` with
  /// `expected_epoch` (compare-and-set; `store.conflict` otherwise, nothing
  /// written). In one transaction: the finished attempt is kept as a
  /// RunAttempt row; the run gets attempt + 1, `attempt.status`, no start,
  /// finish, reason, exit code or cancel request, and loses the finished
  /// attempt's metadata keys (runtime, timings, refs, error, ...; the recipe,
  /// labels and validation_progress stay); an `attempt` and a `status` event
  /// are appended. Returns the run as written.
  virtual Result<Run> begin_attempt(const std::string& run_id, RunStatus expected,
                                    std::int64_t expected_epoch, const NewAttempt& attempt,
                                    TimeMs now) = 0;
  /// The earlier attempts of a run (not the one the run row holds), oldest
  /// first; empty for a run with one attempt.
  virtual Result<std::vector<RunAttempt>> run_attempts(const std::string& run_id) = 0;
  /// Runs that are booting, running or collecting artifacts (status index).
  virtual Result<std::vector<Run>> active_runs() = 0;
  virtual Result<void> append_event(const std::string& run_id, const std::string& type,
                                    const std::string& data_json, TimeMs now) = 0;
  /// A run's events with seq > after_seq, in order, at most `limit`.
  virtual Result<std::vector<RunEvent>> run_events(const std::string& run_id,
                                                   std::int64_t after_seq,
                                                   std::size_t limit) = 0;
  /// Every run's events after `cursor`, in (at, seq, run_id) order, at most
  /// `limit` (index events_by_at): the daemon's stream of all events.
  virtual Result<std::vector<RunEvent>> events_after(const EventCursor& cursor,
                                                     std::size_t limit) = 0;
  /// The position of the newest event in that order (a default cursor when
  /// there is none).
  virtual Result<EventCursor> latest_event() = 0;

  // Retention (`runs promote`, `runs retain`, `runs cleanup`).

  /// Promotes the run if it is not promoted yet: promoted_at = `at`, and
  /// {"promotion": {"reason", "at"}} set in its metadata, every other key
  /// kept. True when it wrote; false (nothing written) when the run is
  /// already promoted or does not exist.
  virtual Result<bool> promote_run(const std::string& run_id, const std::string& reason,
                                   TimeMs at) = 0;
  /// Sets retained_until = `until` when the run has none or an earlier one,
  /// or whatever it has when `force`. True when it wrote; false when the run
  /// is retained past `until` (and not `force`) or does not exist.
  virtual Result<bool> retain_run(const std::string& run_id, TimeMs until, bool force) = 0;
  /// Runs that `runs cleanup` may delete at `now` (see RetentionFilter),
  /// oldest first (finished_at, else created_at; then id); at most `limit`
  /// (0: all).
  virtual Result<std::vector<Run>> deletable_runs(const RetentionFilter& filter, TimeMs now,
                                                  std::size_t limit) = 0;
  /// In one write transaction, deletes those of `run_ids` that are still
  /// deletable at `now` under `filter` (the DELETE itself re-checks every
  /// condition, so a run promoted or retained since the plan stays), with
  /// everything recorded for them (scenarios, metrics, artifacts, findings,
  /// spans, events). Returns the runs deleted with their artifact rows as
  /// they were, read in the same transaction. Meant for batches of a few
  /// hundred ids.
  virtual Result<std::vector<DeletedRun>> delete_runs(const std::vector<std::string>& run_ids,
                                                      const RetentionFilter& filter,
                                                      TimeMs now) = 0;

  // Schedules (src/schedule, docs/schedules.md).

  /// Inserts a schedule; `store.conflict` when its name is taken.
  virtual Result<void> insert_schedule(const Schedule& schedule) = 0;
  /// Every schedule, by name.
  virtual Result<std::vector<Schedule>> list_schedules() = 0;
  /// The schedule with this id or name, or a unique id prefix (at least 4
  /// characters); nullopt when none.
  virtual Result<std::optional<Schedule>> find_schedule(const std::string& id_or_name) = 0;
  /// Pauses or resumes; resuming moves the cursor to `now`, so the slots
  /// that passed while paused never fire. False when nothing changed.
  virtual Result<bool> set_schedule_paused(const std::string& schedule_id, bool paused,
                                           TimeMs now) = 0;
  /// Deletes a schedule and its slot records; the runs it queued stay.
  virtual Result<bool> delete_schedule(const std::string& schedule_id) = 0;
  /// Records one slot, in one transaction with what it does: the slot row,
  /// the queued run (`run`, with its `submitted` event) when it fires, and
  /// the schedule's cursor moved to the slot. False, and nothing written,
  /// when the slot was recorded already (another scheduler got it) or the
  /// schedule is gone: so a slot fires at most once, across restarts and
  /// daemons.
  virtual Result<bool> record_slot(const ScheduleSlot& slot, const std::optional<Run>& run) = 0;
  /// A schedule's recorded slots, newest first, at most `limit`.
  virtual Result<std::vector<ScheduleSlot>> schedule_slots(const std::string& schedule_id,
                                                           std::size_t limit) = 0;
  /// Takes or renews the named lease for `holder` until now + ttl_ms: true
  /// when `holder` holds it now (it was free, expired, or already its own).
  virtual Result<bool> acquire_lease(const std::string& name, const std::string& holder,
                                     TimeMs now, std::int64_t ttl_ms) = 0;
  /// Gives the lease up if `holder` holds it.
  virtual Result<void> release_lease(const std::string& name, const std::string& holder) = 0;
};

/// Opens (creating and migrating as needed) the SQLite store at
/// paths.store_path. Errors name the file and what to do.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& path);

/// Connects to the PostgreSQL store at `url` and migrates it as needed
/// (under an advisory lock). Errors name the server and what to check.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url);

/// Opens the store `paths` names: PostgreSQL when paths.store_url is set,
/// else the SQLite file at paths.store_path. Every command, the worker and
/// the daemon open it this way.
Result<std::unique_ptr<Store>> open_store(const Paths& paths);

/// Wake-ups from a shared store: every change of a run's status on any host
/// (PostgreSQL NOTIFY from a trigger on runs) reaches every listener. One
/// thread owns a listener.
class StoreListener
{
public:
  virtual ~StoreListener() = default;
  /// The descriptor to poll for POLLIN; -1 while the connection is down
  /// (the caller then waits on its own timeout: the slow safety poll).
  virtual int fd() = 0;
  /// Reads what arrived, reconnecting when the connection was lost; true
  /// when a notification did.
  virtual bool drain() = 0;
};

/// A listener on the store `paths` names: nullptr for SQLite (one machine:
/// the registry's wake file serves), else one LISTEN connection.
Result<std::unique_ptr<StoreListener>> listen_store(const Paths& paths);

/// Where the store `paths` names is, for messages: the SQLite file's path,
/// or postgres://user@host:port/db (never a password).
std::string store_location(const Paths& paths);

/// What `homeboy store status` shows; read without migrating.
struct StoreStatus
{
  std::string backend;  // "sqlite" or "postgres"
  std::string location; // the file, or postgres://user@host:port/db
  int schema_version = 0;       // what the store holds (0: not created yet)
  int build_schema_version = 0; // what this homeboy writes
  std::int64_t size_bytes = 0;  // the file, or the database
  std::int64_t runs = 0;
};
Result<StoreStatus> store_status(const Paths& paths);

/// `homeboy store migrate`: brings the store to this build's schema; returns
/// its status after.
Result<StoreStatus> migrate_store(const Paths& paths);

} // namespace hb

#pragma once
// The Store in SQL, one implementation for both backends (callers use
// open_store in store.hpp). Its methods live in five files: sql_store.cpp
// (the lifecycle writes, fenced by status and lease epoch, each with its
// events in the same transaction), sql_reads.cpp (the readers),
// sql_attempts.cpp (a run's attempts), sql_retention.cpp (promote, retain,
// cleanup) and sql_schedules.cpp (schedules, slots, named leases). Where
// the dialects differ the code asks Db::backend() (queries.hpp names each
// difference).
//
// Ownership and threads: a SqlStore owns its connection; one thread at a
// time may call it (each process opens its own). Durability: a write has
// committed when its call returns (SQLite: WAL, synchronous=NORMAL, it
// survives a crash of any process; a power loss may roll back the latest
// commits but never leaves the file inconsistent. PostgreSQL: committed on
// the server).

#include "store/sql/db.hpp"
#include "store/store.hpp"

namespace hb::sql {

class SqlStore final : public Store
{
public:
  explicit SqlStore(Db db) : m_db(std::move(db)) {}

  // Lifecycle (sqlite_store.cpp).
  Result<void> insert_run(const Run& run) override;
  Result<void> settle_run(const std::string& run_id, RunStatus expected,
                          std::int64_t expected_epoch, const RunOutcome& outcome) override;
  Result<void> insert_runs(const std::vector<Run>& runs) override;
  Result<std::optional<Run>> claim_run(const std::string& owner, TimeMs now,
                                       const std::optional<std::string>& run_id) override;
  Result<Run> update_run(const std::string& run_id, RunStatus expected, std::int64_t expected_epoch,
                         const RunUpdate& u, TimeMs now) override;
  Result<Run> beat(const std::string& run_id, std::int64_t expected_epoch, TimeMs now,
                   const std::string& metadata_patch) override;
  Result<Run> request_cancel(const std::string& run_id, const std::string& reason,
                             TimeMs now) override;
  Result<void> append_event(const std::string& run_id, const std::string& type,
                            const std::string& data_json, TimeMs now) override;
  Result<void> import_transaction(
    const std::function<Result<void>(ImportWriter&)>& body) override;

  // Readers (sqlite_reads.cpp).
  Result<std::vector<Run>> active_runs() override;
  Result<std::vector<RunEvent>> run_events(const std::string& run_id, std::int64_t after_seq,
                                           std::size_t limit) override;
  Result<std::vector<RunEvent>> events_after(const EventCursor& cursor, std::size_t limit) override;
  Result<EventCursor> latest_event() override;
  Result<std::optional<Run>> get_run(const std::string& run_id) override;
  Result<std::optional<std::string>> resolve_run_id(const std::string& prefix) override;
  Result<std::optional<std::string>> resolve_finding_id(const std::string& prefix) override;
  Result<RunPage> list_runs(const RunFilter& filter) override;
  Result<std::vector<std::string>> run_scenarios(const std::string& run_id) override;
  Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) override;
  Result<std::vector<Artifact>> run_artifacts(const std::string& run_id) override;
  Result<std::optional<Artifact>> get_artifact(const std::string& run_id,
                                               const std::string& artifact_id) override;
  Result<std::vector<Artifact>> artifacts_for_runs(const std::vector<std::string>& run_ids,
                                                   const std::vector<std::string>& kinds) override;
  Result<std::vector<RunMetricRow>> metrics_for_runs(const std::vector<std::string>& run_ids) override;
  Result<std::vector<RunScenarioRow>> scenarios_for_runs(
    const std::vector<std::string>& run_ids) override;
  Result<std::vector<Finding>> findings_for_runs(const std::vector<std::string>& run_ids) override;
  Result<std::vector<TraceSpan>> trace_spans_for_runs(
    const std::vector<std::string>& run_ids) override;
  Result<void> read_snapshot(const std::function<Result<void>()>& body) override;
  Result<std::vector<Finding>> list_findings(const FindingFilter& filter) override;
  Result<std::optional<Finding>> get_finding(const std::string& finding_id) override;

  // Attempts (sqlite_attempts.cpp).
  Result<Run> begin_attempt(const std::string& run_id, RunStatus expected,
                            std::int64_t expected_epoch, const NewAttempt& attempt,
                            TimeMs now) override;
  Result<std::vector<RunAttempt>> run_attempts(const std::string& run_id) override;

  // Retention (sqlite_retention.cpp).
  Result<std::vector<Artifact>> cleanup_candidates(std::optional<TimeMs> finished_before,
                                                   const std::string& run_id, TimeMs now) override;
  Result<std::size_t> delete_artifacts(const std::vector<std::string>& artifact_ids) override;
  Result<bool> promote_run(const std::string& run_id, const std::string& reason,
                           TimeMs at) override;
  Result<bool> retain_run(const std::string& run_id, TimeMs until, bool force) override;
  Result<std::vector<Run>> deletable_runs(const RetentionFilter& filter, TimeMs now,
                                          std::size_t limit) override;
  Result<std::vector<DeletedRun>> delete_runs(const std::vector<std::string>& run_ids,
                                              const RetentionFilter& filter, TimeMs now) override;

  // Schedules and leases (sqlite_schedules.cpp).
  Result<void> insert_schedule(const Schedule& schedule) override;
  Result<std::vector<Schedule>> list_schedules() override;
  Result<std::optional<Schedule>> find_schedule(const std::string& id_or_name) override;
  Result<bool> set_schedule_paused(const std::string& schedule_id, bool paused, TimeMs now) override;
  Result<bool> delete_schedule(const std::string& schedule_id) override;
  Result<bool> record_slot(const ScheduleSlot& slot, const std::optional<Run>& run) override;
  Result<std::vector<ScheduleSlot>> schedule_slots(const std::string& schedule_id,
                                                   std::size_t limit) override;
  Result<bool> acquire_lease(const std::string& name, const std::string& holder, TimeMs now,
                             std::int64_t ttl_ms) override;
  Result<void> release_lease(const std::string& name, const std::string& holder) override;

private:
  /// Appends one event (inside the caller's write transaction).
  Result<void> insert_event(const std::string& run_id, const std::string& type,
                            const std::string& data_json, TimeMs at);
  /// Writes a settled run's scenarios, metrics, artifacts and findings
  /// (inside settle_run's transaction; `created_at` is the run's).
  Result<void> write_evidence(const std::string& run_id, std::int64_t created_at,
                              const RunOutcome& outcome);
  /// begin_attempt's body, inside the caller's write transaction.
  Result<Run> next_attempt(const std::string& run_id, RunStatus expected,
                           std::int64_t expected_epoch, const NewAttempt& attempt, TimeMs now);

  Db m_db;
};

} // namespace hb::sql

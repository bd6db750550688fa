#pragma once
// The SQL the store's readers run, exposed so a unit test can check with
// EXPLAIN QUERY PLAN that every one is an indexed lookup, never a full scan.

#include "store/sql/db.hpp"
#include "store/store.hpp"

#include <functional>
#include <string>
#include <vector>

namespace hb::sql {

/// list_runs' statement for this filter (parameters unbound).
Result<std::string> list_runs_sql(const RunFilter& filter);
/// list_runs' statement and the binds of its parameters but the last (the
/// LIMIT); `validation.invalid_argument` for a cursor that is not one.
struct ListQuery
{
  std::string sql;
  std::vector<std::function<void(Stmt&, int&)>> binds;
};
Result<ListQuery> build_list_query(const RunFilter& filter);
/// The cursor of the page that ends with `run` (RunPage::next_cursor).
std::string encode_cursor(const Run& run);
/// artifacts_for_runs' statement for a batch of `run_count` ids and
/// `kind_count` artifact kinds.
std::string artifacts_for_runs_sql(std::size_t run_count, std::size_t kind_count);
/// metrics_for_runs' statement for a batch of `run_count` ids.
std::string metrics_for_runs_sql(std::size_t run_count);
/// cleanup_candidates' statement, with or without its optional filters.
std::string cleanup_candidates_sql(bool finished_before, bool one_run);
/// scenarios_for_runs', findings_for_runs' and trace_spans_for_runs'
/// statements for a batch of `run_count` ids.
std::string scenarios_for_runs_sql(std::size_t run_count);
std::string findings_for_runs_sql(std::size_t run_count);
std::string trace_spans_for_runs_sql(std::size_t run_count);
/// deletable_runs' statement: `status_count` user statuses (0: every
/// terminal one), with or without --kind and --older-than; parameters: now,
/// now, the statuses, kind, ended_by, limit.
std::string deletable_runs_sql(std::size_t status_count, bool kind, bool ended_by,
                               Backend backend = Backend::sqlite);
/// delete_runs' statement for `run_count` ids: the same conditions, then the
/// ids; RETURNING the ids deleted.
std::string delete_runs_sql(std::size_t run_count, std::size_t status_count, bool kind,
                            bool ended_by, Backend backend = Backend::sqlite);
/// Binds the retention conditions' parameters (now, now, the statuses, kind,
/// ended_by) from `index` on; `validation.invalid_argument` for a status
/// that is not terminal.
Result<void> bind_retention(Stmt& stmt, int& index, const RetentionFilter& filter, TimeMs now);

// The registry's lookups.
/// The id of the oldest queued run nobody asked to cancel (claim_run).
/// Parameter ?3 is now: an automatic retry waits for its retry_at.
inline constexpr const char* k_next_queued_run_sql =
  "(SELECT id FROM runs WHERE status = 'queued' AND cancel_requested_at IS NULL "
  "AND (retry_at IS NULL OR retry_at <= ?3) ORDER BY created_at, id LIMIT 1)";
/// k_next_queued_run_sql as `backend` runs it: PostgreSQL locks the row it
/// picks and skips rows other claimers hold (FOR UPDATE SKIP LOCKED).
std::string next_queued_run_sql(Backend backend);
/// active_runs' condition (the reaper's view).
inline constexpr const char* k_active_runs_where =
  "status IN ('booting', 'running', 'collecting_artifacts')";
/// run_events: seq, at, type, data of (run_id, after seq, limit).
inline constexpr const char* k_run_events_sql =
  "SELECT seq, at, type, data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";
/// events_after: run_id, seq, at, type, data after (at, seq, run_id), limit.
inline constexpr const char* k_events_after_sql =
  "SELECT run_id, seq, at, type, data FROM events WHERE (at, seq, run_id) > (?, ?, ?) "
  "ORDER BY at, seq, run_id LIMIT ?";
/// latest_event: the last event in that order.
inline constexpr const char* k_latest_event_sql =
  "SELECT at, seq, run_id FROM events ORDER BY at DESC, seq DESC, run_id DESC LIMIT 1";

} // namespace hb::sql

#pragma once
// The mapping between the store's records and SQLite rows, and the few
// shapes every statement of the SQLite store is run in. Internal to
// store/sqlite: the column lists here must match schema.cpp, and each
// read_* reads the columns of its k_*_columns list in order.
//
// Thread-safety: none of its own; every function works on the Stmt or Db it
// is given, which belongs to one thread at a time.

#include "store/sql/db.hpp"
#include "store/store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::sql {

/// The runs columns in read_run's order.
inline constexpr const char* k_run_columns =
  "id, kind, status, component_id, rig_id, command, cwd, git_sha, homeboy_version, created_at, "
  "started_at, finished_at, heartbeat_at, lease_owner, lease_epoch, deadline_at, "
  "cancel_requested_at, terminal_reason, exit_code, owner_pid, owner_start_time, eligible_at, "
  "retained_until, promoted_at, metadata, start_timeout_ms, timeout_ms, heartbeat_timeout_ms, "
  "attempt, retry_at";
/// The artifacts columns in read_artifact's order.
inline constexpr const char* k_artifact_columns =
  "id, run_id, kind, type, path, url, sha256, size_bytes, mime, label, created_at, metadata";
/// The findings columns (table alias `f`) in read_finding's order.
inline constexpr const char* k_finding_columns =
  "f.id, f.run_id, f.tool, f.rule, f.category, f.severity, f.message, f.file, f.line, "
  "f.column_number, f.fingerprint, f.created_at, f.metadata";
/// The trace_spans columns in read_trace_span's order.
inline constexpr const char* k_trace_span_columns =
  "id, run_id, span_id, status, duration_ms, from_event, to_event, message, created_at, metadata";

/// The stored metadata as a JSON object to merge into: text that is not JSON
/// (a damaged row) is kept under `corrupt_metadata` instead of failing every
/// later write, which would leave the run unsettleable. A macro so that it
/// can be pasted into string literals.
#define HB_METADATA_BASE                                                                       \
  "CASE WHEN json_valid(metadata) AND json_type(metadata) = 'object' THEN metadata ELSE "    \
  "json_object('corrupt_metadata', metadata) END"

Run read_run(const Stmt& s);
Artifact read_artifact(const Stmt& s);
Finding read_finding(const Stmt& s);
TraceSpan read_trace_span(const Stmt& s);

/// How many columns k_run_columns names.
inline constexpr int k_run_column_count = 30;
/// INSERT INTO runs (k_run_columns) VALUES (?, ...) with `rows` rows, each
/// bound by bind_run from its first parameter (1, 31, 61, ...).
std::string insert_run_sql(std::size_t rows = 1);
void bind_run(Stmt& stmt, const Run& run, int first = 1);
/// INSERT INTO artifacts (k_artifact_columns) VALUES (?, ...), bound by
/// bind_artifact with the row's run id.
std::string insert_artifact_sql();
void bind_artifact(Stmt& stmt, const Artifact& a, const std::string& run_id);
/// INSERT INTO findings ... VALUES (?, ...), bound by bind_finding.
inline constexpr const char* k_insert_finding_sql =
  "INSERT INTO findings (id, run_id, tool, rule, category, severity, message, file, line, "
  "column_number, fingerprint, created_at, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
void bind_finding(Stmt& stmt, const Finding& f, const std::string& run_id);
/// INSERT INTO trace_spans (k_trace_span_columns) VALUES (?, ...), bound by
/// bind_trace_span.
std::string insert_trace_span_sql();
void bind_trace_span(Stmt& stmt, const TraceSpan& t);
/// The run_attempts columns in read_attempt's order.
inline constexpr const char* k_attempt_columns =
  "run_id, attempt, status, terminal_reason, exit_code, started_at, finished_at, lease_owner, "
  "metadata";
RunAttempt read_attempt(const Stmt& s);
/// INSERT INTO run_attempts (k_attempt_columns) VALUES (?, ...), replacing
/// the row of the same attempt, bound by bind_attempt.
std::string insert_attempt_sql();
void bind_attempt(Stmt& stmt, const RunAttempt& a);
/// Binds a metric's samples as a blob of native doubles, NULL when empty.
void bind_samples(Stmt& stmt, int index, const std::vector<double>& samples);
std::vector<double> decode_samples(std::string_view blob);

/// An optional integer of any width as the int64 that Stmt::bind_opt takes.
template <class T>
std::optional<std::int64_t>
opt64(const std::optional<T>& value)
{
  return value ? std::optional<std::int64_t>(static_cast<std::int64_t>(*value)) : std::nullopt;
}

/// `columns` with every column prefixed by `alias.`, for joins.
std::string qualified(std::string_view columns, std::string_view alias);
/// "?,?,...,?" with `n` markers.
std::string placeholders(std::size_t n);

/// Steps `stmt` to its end, calling `each` on every row.
Result<void> each_row(Stmt& stmt, const std::function<void(const Stmt&)>& each);
/// Prepares `sql`, lets `bind` bind it, and calls `each` on every row.
Result<void> each_row(Db& db, std::string_view sql, const std::function<void(Stmt&)>& bind,
                      const std::function<void(const Stmt&)>& each);
/// Prepares `sql`, lets `bind` bind it, and runs it to completion; returns
/// the number of rows it changed.
Result<int> execute(Db& db, std::string_view sql, const std::function<void(Stmt&)>& bind);

/// The first row of `sql` read by `read`, or nothing when it has none.
template <class T, class Read>
Result<std::optional<T>>
first_row(Db& db, std::string_view sql, const std::function<void(Stmt&)>& bind, Read read)
{
  std::optional<T> out;
  auto stmt = db.prepare(sql);
  if (!stmt) return Unexpected(stmt.error());
  bind(*stmt);
  auto row = stmt->step();
  if (!row) return Unexpected(row.error());
  if (*row) out = read(*stmt);
  return out;
}

/// The id in `table` that starts with `prefix` (at least 4 characters;
/// shorter: none); `validation.ambiguous_id` naming two when several do.
Result<std::optional<std::string>> resolve_prefix(Db& db, const char* table, const char* what,
                                                  const std::string& prefix);

/// Steps an UPDATE ... RETURNING <k_run_columns> to its end: the run it
/// wrote, or `store.conflict` saying `conflict` when it matched no row.
Result<Run> updated_run(Stmt& stmt, const std::string& conflict);

} // namespace hb::sql

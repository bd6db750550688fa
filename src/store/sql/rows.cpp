// Row codecs and statement shapes of the SQLite store (see rows.hpp): one
// place that knows the column order of each table.

#include "store/sql/rows.hpp"

#include <fmt/format.h>

#include <cstring>

namespace hb::sql {

Run
read_run(const Stmt& s)
{
  Run run;
  run.id = s.text(0);
  run.kind = s.text(1);
  run.status = parse_run_status(s.text(2)).value_or(RunStatus::failed);
  run.component_id = s.text(3);
  run.rig_id = s.text(4);
  run.command = s.text(5);
  run.cwd = s.text(6);
  run.git_sha = s.text(7);
  run.homeboy_version = s.text(8);
  run.created_at = s.int64(9);
  run.started_at = s.opt_int64(10);
  run.finished_at = s.opt_int64(11);
  run.heartbeat_at = s.opt_int64(12);
  run.lease_owner = s.text(13);
  run.lease_epoch = s.int64(14);
  run.deadline_at = s.opt_int64(15);
  run.cancel_requested_at = s.opt_int64(16);
  run.terminal_reason = s.text(17);
  if (auto code = s.opt_int64(18)) run.exit_code = static_cast<int>(*code);
  if (auto pid = s.opt_int64(19)) run.owner_pid = static_cast<int>(*pid);
  if (auto start = s.opt_int64(20)) run.owner_start_time = static_cast<std::uint64_t>(*start);
  run.eligible_at = s.opt_int64(21);
  run.retained_until = s.opt_int64(22);
  run.promoted_at = s.opt_int64(23);
  run.metadata_json = s.text(24);
  run.start_timeout_ms = s.opt_int64(25);
  run.timeout_ms = s.opt_int64(26);
  run.heartbeat_timeout_ms = s.opt_int64(27);
  run.attempt = static_cast<int>(s.int64(28));
  run.retry_at = s.opt_int64(29);
  return run;
}

Artifact
read_artifact(const Stmt& s)
{
  Artifact a;
  a.id = s.text(0);
  a.run_id = s.text(1);
  a.kind = s.text(2);
  a.type = s.text(3);
  a.path = s.text(4);
  a.url = s.text(5);
  a.sha256 = s.text(6);
  if (auto size = s.opt_int64(7)) a.size_bytes = static_cast<std::uint64_t>(*size);
  a.mime = s.text(8);
  a.label = s.text(9);
  a.created_at = s.int64(10);
  a.metadata_json = s.text(11);
  return a;
}

Finding
read_finding(const Stmt& s)
{
  Finding f;
  f.id = s.text(0);
  f.run_id = s.text(1);
  f.tool = s.text(2);
  f.rule = s.text(3);
  f.category = s.text(4);
  f.severity = s.text(5);
  f.message = s.text(6);
  f.file = s.text(7);
  f.line = s.opt_int64(8);
  f.column = s.opt_int64(9);
  f.fingerprint = s.text(10);
  f.created_at = s.int64(11);
  f.metadata_json = s.text(12);
  return f;
}

TraceSpan
read_trace_span(const Stmt& s)
{
  TraceSpan t;
  t.id = s.text(0);
  t.run_id = s.text(1);
  t.span_id = s.text(2);
  t.status = s.text(3);
  if (!s.is_null(4)) t.duration_ms = s.real(4);
  t.from_event = s.text(5);
  t.to_event = s.text(6);
  t.message = s.text(7);
  t.created_at = s.int64(8);
  t.metadata_json = s.text(9);
  return t;
}

std::string
insert_run_sql(std::size_t rows)
{
  std::string values;
  for (std::size_t i = 0; i < rows; ++i) {
    values += fmt::format("{}({})", i ? "," : "", placeholders(k_run_column_count));
  }
  return fmt::format("INSERT INTO runs ({}) VALUES {}", k_run_columns, values);
}

void
bind_run(Stmt& stmt, const Run& run, int first)
{
  const int o = first;
  stmt.bind(o + 0, run.id)
    .bind(o + 1, run.kind)
    .bind(o + 2, to_string(run.status))
    .bind_text_or_null(o + 3, run.component_id)
    .bind_text_or_null(o + 4, run.rig_id)
    .bind_text_or_null(o + 5, run.command)
    .bind_text_or_null(o + 6, run.cwd)
    .bind_text_or_null(o + 7, run.git_sha)
    .bind_text_or_null(o + 8, run.homeboy_version)
    .bind(o + 9, static_cast<std::int64_t>(run.created_at))
    .bind_opt(o + 10, run.started_at)
    .bind_opt(o + 11, run.finished_at)
    .bind_opt(o + 12, run.heartbeat_at)
    .bind_text_or_null(o + 13, run.lease_owner)
    .bind(o + 14, run.lease_epoch)
    .bind_opt(o + 15, run.deadline_at)
    .bind_opt(o + 16, run.cancel_requested_at)
    .bind_text_or_null(o + 17, run.terminal_reason)
    .bind_opt(o + 18, opt64(run.exit_code))
    .bind_opt(o + 19, opt64(run.owner_pid))
    .bind_opt(o + 20, opt64(run.owner_start_time))
    .bind_opt(o + 21, run.eligible_at)
    .bind_opt(o + 22, run.retained_until)
    .bind_opt(o + 23, run.promoted_at)
    .bind(o + 24, run.metadata_json)
    .bind_opt(o + 25, run.start_timeout_ms)
    .bind_opt(o + 26, run.timeout_ms)
    .bind_opt(o + 27, run.heartbeat_timeout_ms)
    .bind(o + 28, static_cast<std::int64_t>(run.attempt))
    .bind_opt(o + 29, run.retry_at);
}

std::string
insert_artifact_sql()
{
  return fmt::format("INSERT INTO artifacts ({}) VALUES ({})", k_artifact_columns, placeholders(12));
}

void
bind_artifact(Stmt& stmt, const Artifact& a, const std::string& run_id)
{
  stmt.bind(1, a.id).bind(2, run_id).bind(3, a.kind).bind(4, a.type)
    .bind_text_or_null(5, a.path).bind_text_or_null(6, a.url).bind_text_or_null(7, a.sha256)
    .bind_opt(8, opt64(a.size_bytes))
    .bind_text_or_null(9, a.mime).bind_text_or_null(10, a.label)
    .bind(11, static_cast<std::int64_t>(a.created_at)).bind(12, a.metadata_json);
}

void
bind_finding(Stmt& stmt, const Finding& f, const std::string& run_id)
{
  stmt.bind(1, f.id).bind(2, run_id).bind(3, f.tool).bind_text_or_null(4, f.rule)
    .bind_text_or_null(5, f.category).bind_text_or_null(6, f.severity).bind(7, f.message)
    .bind_text_or_null(8, f.file).bind_opt(9, f.line).bind_opt(10, f.column)
    .bind_text_or_null(11, f.fingerprint).bind(12, static_cast<std::int64_t>(f.created_at))
    .bind(13, f.metadata_json);
}

std::string
insert_trace_span_sql()
{
  return fmt::format("INSERT INTO trace_spans ({}) VALUES ({})", k_trace_span_columns,
                     placeholders(10));
}

void
bind_trace_span(Stmt& stmt, const TraceSpan& t)
{
  stmt.bind(1, t.id).bind(2, t.run_id).bind(3, t.span_id).bind(4, t.status);
  if (t.duration_ms) {
    stmt.bind(5, *t.duration_ms);
  } else {
    stmt.bind_null(5);
  }
  stmt.bind_text_or_null(6, t.from_event).bind_text_or_null(7, t.to_event)
    .bind_text_or_null(8, t.message).bind(9, static_cast<std::int64_t>(t.created_at))
    .bind(10, t.metadata_json);
}

void
bind_samples(Stmt& stmt, int index, const std::vector<double>& samples)
{
  if (samples.empty()) {
    stmt.bind_null(index);
  } else {
    // SQLite copies the blob when it binds (bind_blob is SQLITE_TRANSIENT).
    stmt.bind_blob(index, samples.data(), samples.size() * sizeof(double));
  }
}

std::vector<double>
decode_samples(std::string_view blob)
{
  std::vector<double> out(blob.size() / sizeof(double));
  if (!out.empty()) std::memcpy(out.data(), blob.data(), out.size() * sizeof(double));
  return out;
}

std::string
qualified(std::string_view columns, std::string_view alias)
{
  std::string out;
  while (!columns.empty()) {
    const auto comma = columns.find(", ");
    out += fmt::format("{}.{}", alias, columns.substr(0, comma));
    if (comma == std::string_view::npos) break;
    out += ", ";
    columns.remove_prefix(comma + 2);
  }
  return out;
}

std::string
placeholders(std::size_t n)
{
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

Result<void>
each_row(Stmt& stmt, const std::function<void(const Stmt&)>& each)
{
  while (true) {
    auto row = stmt.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return {};
    each(stmt);
  }
}

Result<void>
each_row(Db& db, std::string_view sql, const std::function<void(Stmt&)>& bind,
         const std::function<void(const Stmt&)>& each)
{
  auto stmt = db.prepare(sql);
  if (!stmt) return Unexpected(stmt.error());
  bind(*stmt);
  return each_row(*stmt, each);
}

Result<int>
execute(Db& db, std::string_view sql, const std::function<void(Stmt&)>& bind)
{
  auto stmt = db.prepare(sql);
  if (!stmt) return Unexpected(stmt.error());
  bind(*stmt);
  if (auto ok = stmt->run(); !ok) return Unexpected(ok.error());
  return stmt->changes();
}

Result<Run>
updated_run(Stmt& stmt, const std::string& conflict)
{
  auto row = stmt.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return make_error("store.conflict", conflict);
  Run run = read_run(stmt);
  if (auto rest = stmt.run(); !rest) return Unexpected(rest.error());
  return run;
}

/// The one id in `table` (runs or findings) that starts with `prefix`, by a
/// range scan on its primary key: ids with this prefix sort between the
/// prefix and the prefix followed by the highest byte.
Result<std::optional<std::string>>
resolve_prefix(Db& db, const char* table, const char* what, const std::string& prefix)
{
  if (prefix.size() < 4) return std::optional<std::string>();
  // Ids are ASCII: a prefix with any other byte matches none. The range's
  // end is the prefix with its last character incremented (valid UTF-8 for
  // both backends, and bytewise as their "C"/BINARY collations compare).
  for (unsigned char c : prefix) {
    if (c < 0x20 || c >= 0x7f) return std::optional<std::string>();
  }
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  std::vector<std::string> ids;
  auto ok = each_row(
    db, fmt::format("SELECT id FROM {} WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", table),
    [&](Stmt& s) { s.bind(1, prefix).bind(2, end); },
    [&](const Stmt& s) { ids.push_back(s.text(0)); });
  if (!ok) return Unexpected(ok.error());
  if (ids.size() > 1) {
    return make_error("validation.ambiguous_id",
                      fmt::format("{} id prefix `{}` matches more than one {} ({}, {}, ...); "
                                  "give more characters",
                                  what, prefix, what, ids[0], ids[1]));
  }
  return ids.empty() ? std::optional<std::string>() : std::optional<std::string>(ids[0]);
}

RunAttempt
read_attempt(const Stmt& s)
{
  RunAttempt a;
  a.run_id = s.text(0);
  a.attempt = static_cast<int>(s.int64(1));
  a.status = parse_run_status(s.text(2)).value_or(RunStatus::failed);
  a.terminal_reason = s.text(3);
  if (auto code = s.opt_int64(4)) a.exit_code = static_cast<int>(*code);
  a.started_at = s.opt_int64(5);
  a.finished_at = s.opt_int64(6);
  a.lease_owner = s.text(7);
  a.metadata_json = s.text(8);
  return a;
}

std::string
insert_attempt_sql()
{
  return fmt::format("INSERT INTO run_attempts ({}) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT "
                     "(run_id, attempt) DO UPDATE SET status = excluded.status, terminal_reason = "
                     "excluded.terminal_reason, exit_code = excluded.exit_code, started_at = "
                     "excluded.started_at, finished_at = excluded.finished_at, lease_owner = "
                     "excluded.lease_owner, metadata = excluded.metadata",
                     k_attempt_columns);
}

void
bind_attempt(Stmt& stmt, const RunAttempt& a)
{
  stmt.bind(1, a.run_id)
    .bind(2, static_cast<std::int64_t>(a.attempt))
    .bind(3, to_string(a.status))
    .bind_text_or_null(4, a.terminal_reason)
    .bind_opt(5, opt64(a.exit_code))
    .bind_opt(6, a.started_at)
    .bind_opt(7, a.finished_at)
    .bind_text_or_null(8, a.lease_owner)
    .bind(9, a.metadata_json);
}

} // namespace hb::sql

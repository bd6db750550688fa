#include "store/sqlite/db.hpp"
#include "store/sqlite/queries.hpp"
#include "store/sqlite/schema.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <tuple>
#include <unordered_map>

namespace hb {

namespace {

using sqlite::Db;
using sqlite::Stmt;

constexpr const char* k_run_columns =
  "id, kind, status, component_id, rig_id, command, cwd, git_sha, homeboy_version, created_at, "
  "started_at, finished_at, heartbeat_at, lease_owner, lease_epoch, deadline_at, "
  "cancel_requested_at, terminal_reason, exit_code, owner_pid, owner_start_time, eligible_at, "
  "retained_until, promoted_at, metadata, start_timeout_ms, timeout_ms, heartbeat_timeout_ms";

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
  if (auto code = s.opt_int64(18)) {
    run.exit_code = static_cast<int>(*code);
  }
  if (auto pid = s.opt_int64(19)) {
    run.owner_pid = static_cast<int>(*pid);
  }
  if (auto start = s.opt_int64(20)) {
    run.owner_start_time = static_cast<std::uint64_t>(*start);
  }
  run.eligible_at = s.opt_int64(21);
  run.retained_until = s.opt_int64(22);
  run.promoted_at = s.opt_int64(23);
  run.metadata_json = s.text(24);
  run.start_timeout_ms = s.opt_int64(25);
  run.timeout_ms = s.opt_int64(26);
  run.heartbeat_timeout_ms = s.opt_int64(27);
  return run;
}

// The stored metadata as a JSON object to merge into: text that is not JSON
// (a damaged row) is kept under `corrupt_metadata` instead of failing every
// later write, which would leave the run unsettleable.
#define HB_METADATA_BASE                                                                       \
  "CASE WHEN json_valid(metadata) AND json_type(metadata) = 'object' THEN metadata ELSE "    \
  "json_object('corrupt_metadata', metadata) END"

constexpr const char* k_artifact_columns =
  "id, run_id, kind, type, path, url, sha256, size_bytes, mime, label, created_at, metadata";

// A column list with every column prefixed by `alias.`, for queries that
// join tables.
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
  if (auto size = s.opt_int64(7)) {
    a.size_bytes = static_cast<std::uint64_t>(*size);
  }
  a.mime = s.text(8);
  a.label = s.text(9);
  a.created_at = s.int64(10);
  a.metadata_json = s.text(11);
  return a;
}

constexpr const char* k_finding_columns =
  "f.id, f.run_id, f.tool, f.rule, f.category, f.severity, f.message, f.file, f.line, "
  "f.column_number, f.fingerprint, f.created_at, f.metadata";

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

constexpr const char* k_trace_span_columns =
  "id, run_id, span_id, status, duration_ms, from_event, to_event, message, created_at, metadata";

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

std::optional<std::int64_t>
opt64(const std::optional<int>& value)
{
  return value ? std::optional<std::int64_t>(*value) : std::nullopt;
}

std::string
insert_run_sql()
{
  return fmt::format("INSERT INTO runs ({}) VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     k_run_columns);
}

// INSERT INTO runs (k_run_columns) VALUES (...): binds every column.
void
bind_run(Stmt& stmt, const Run& run)
{
  stmt.bind(1, run.id)
    .bind(2, run.kind)
    .bind(3, to_string(run.status))
    .bind_text_or_null(4, run.component_id)
    .bind_text_or_null(5, run.rig_id)
    .bind_text_or_null(6, run.command)
    .bind_text_or_null(7, run.cwd)
    .bind_text_or_null(8, run.git_sha)
    .bind_text_or_null(9, run.homeboy_version)
    .bind(10, static_cast<std::int64_t>(run.created_at))
    .bind_opt(11, run.started_at)
    .bind_opt(12, run.finished_at)
    .bind_opt(13, run.heartbeat_at)
    .bind_text_or_null(14, run.lease_owner)
    .bind(15, run.lease_epoch)
    .bind_opt(16, run.deadline_at)
    .bind_opt(17, run.cancel_requested_at)
    .bind_text_or_null(18, run.terminal_reason)
    .bind_opt(19, opt64(run.exit_code))
    .bind_opt(20, opt64(run.owner_pid))
    .bind_opt(21, run.owner_start_time
                    ? std::optional<std::int64_t>(static_cast<std::int64_t>(*run.owner_start_time))
                    : std::nullopt)
    .bind_opt(22, run.eligible_at)
    .bind_opt(23, run.retained_until)
    .bind_opt(24, run.promoted_at)
    .bind(25, run.metadata_json)
    .bind_opt(26, run.start_timeout_ms)
    .bind_opt(27, run.timeout_ms)
    .bind_opt(28, run.heartbeat_timeout_ms);
}

// INSERT INTO artifacts (k_artifact_columns) VALUES (...).
void
bind_artifact(Stmt& stmt, const Artifact& a, const std::string& run_id)
{
  stmt.bind(1, a.id).bind(2, run_id).bind(3, a.kind).bind(4, a.type)
    .bind_text_or_null(5, a.path).bind_text_or_null(6, a.url).bind_text_or_null(7, a.sha256)
    .bind_opt(8, a.size_bytes ? std::optional<std::int64_t>(static_cast<std::int64_t>(*a.size_bytes))
                              : std::nullopt)
    .bind_text_or_null(9, a.mime).bind_text_or_null(10, a.label)
    .bind(11, static_cast<std::int64_t>(a.created_at)).bind(12, a.metadata_json);
}

constexpr const char* k_insert_finding =
  "INSERT INTO findings (id, run_id, tool, rule, category, severity, message, file, line, "
  "column_number, fingerprint, created_at, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

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
encode_samples(const std::vector<double>& samples)
{
  std::string blob(samples.size() * sizeof(double), '\0');
  if (!samples.empty()) {
    std::memcpy(blob.data(), samples.data(), blob.size());
  }
  return blob;
}

std::vector<double>
decode_samples(std::string_view blob)
{
  std::vector<double> out(blob.size() / sizeof(double));
  if (!out.empty()) {
    std::memcpy(out.data(), blob.data(), out.size() * sizeof(double));
  }
  return out;
}

struct Cursor
{
  TimeMs created_at;
  std::string id;
};

std::string
encode_cursor(const Run& run)
{
  return fmt::format("{}:{}", run.created_at, run.id);
}

Result<Cursor>
decode_cursor(const std::string& text)
{
  auto colon = text.find(':');
  char* end = nullptr;
  long long created = colon == std::string::npos ? 0 : std::strtoll(text.c_str(), &end, 10);
  if (colon == std::string::npos || end != text.c_str() + colon || colon + 1 >= text.size()) {
    return make_error("validation.invalid_argument",
                      fmt::format("`{}` is not a page cursor; pass the next_cursor value from a "
                                  "previous page",
                                  text));
  }
  return Cursor{created, text.substr(colon + 1)};
}

std::string
placeholders(std::size_t n)
{
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

struct ListQuery
{
  std::string sql;
  std::vector<std::function<void(Stmt&, int&)>> binds;
};

// The SQL of list_runs: one indexed predicate leads (scenario, component,
// kind, ...); the keyset condition and the order follow that index, so a page
// costs O(limit) rows whatever the store's size.
Result<ListQuery>
build_list_query(const RunFilter& filter)
{
  std::string from = "runs r";
  std::string time_col = "r.created_at";
  std::string id_col = "r.id";
  std::vector<std::string> where;
  std::vector<std::function<void(Stmt&, int&)>> binds;
  auto add_text = [&](const std::string& clause, const std::string& value) {
    where.push_back(clause);
    binds.push_back([value](Stmt& s, int& i) { s.bind(i++, value); });
  };
  if (filter.scenario_id) {
    from = "run_scenarios s JOIN runs r ON r.id = s.run_id";
    time_col = "s.created_at";
    id_col = "s.run_id";
    add_text("s.scenario_id = ?", *filter.scenario_id);
  }
  if (filter.kind) add_text("r.kind = ?", *filter.kind);
  if (filter.component_id) add_text("r.component_id = ?", *filter.component_id);
  if (filter.rig_id) add_text("r.rig_id = ?", *filter.rig_id);
  if (!filter.statuses.empty()) {
    std::string in = "r.status IN (";
    for (size_t i = 0; i < filter.statuses.size(); ++i) {
      in += i ? ",?" : "?";
      std::string name = to_string(filter.statuses[i]);
      binds.push_back([name](Stmt& s, int& idx) { s.bind(idx++, name); });
    }
    where.push_back(in + ")");
  }
  if (filter.since) {
    where.push_back(time_col + " >= ?");
    std::int64_t v = *filter.since;
    binds.push_back([v](Stmt& s, int& i) { s.bind(i++, v); });
  }
  if (filter.until) {
    where.push_back(time_col + " < ?");
    std::int64_t v = *filter.until;
    binds.push_back([v](Stmt& s, int& i) { s.bind(i++, v); });
  }
  if (filter.after) {
    auto cursor = decode_cursor(*filter.after);
    if (!cursor) {
      return Unexpected(cursor.error());
    }
    where.push_back(fmt::format("({0} < ? OR ({0} = ? AND {1} < ?))", time_col, id_col));
    Cursor c = *cursor;
    binds.push_back([c](Stmt& s, int& i) {
      s.bind(i++, static_cast<std::int64_t>(c.created_at));
      s.bind(i++, static_cast<std::int64_t>(c.created_at));
      s.bind(i++, c.id);
    });
  }
  std::string columns = qualified(k_run_columns, "r");
  std::string sql = fmt::format("SELECT {} FROM {}", columns, from);
  if (!where.empty()) {
    sql += " WHERE " + fmt::format("{}", fmt::join(where, " AND "));
  }
  sql += fmt::format(" ORDER BY {} DESC, {} DESC LIMIT ?", time_col, id_col);
  return ListQuery{std::move(sql), std::move(binds)};
}

} // namespace

std::string
sqlite::artifacts_for_runs_sql(std::size_t run_count, std::size_t kind_count)
{
  std::string sql = fmt::format("SELECT {}, rowid FROM artifacts WHERE run_id IN ({})",
                                k_artifact_columns, placeholders(run_count));
  if (kind_count) sql += " AND kind IN (" + placeholders(kind_count) + ")";
  return sql;
}

std::string
sqlite::metrics_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT run_id, scenario_id, name, value, samples FROM metrics WHERE run_id IN ({})",
                     placeholders(run_count));
}

std::string
sqlite::cleanup_candidates_sql(bool finished_before, bool one_run)
{
  // Terminal runs through runs_by_status, their artifacts through
  // artifacts_by_run. A run retained until later or promoted keeps all.
  std::string sql = fmt::format(
    "SELECT {} FROM runs r JOIN artifacts a ON a.run_id = r.id "
    "WHERE r.status IN ('succeeded', 'failed', 'timed_out', 'cancelled') "
    "AND r.promoted_at IS NULL AND (r.retained_until IS NULL OR r.retained_until <= ?) "
    "AND a.type IN ('file', 'directory') AND r.finished_at IS NOT NULL",
    qualified(k_artifact_columns, "a"));
  if (finished_before) sql += " AND r.finished_at < ?";
  if (one_run) sql += " AND r.id = ?";
  return sql + " ORDER BY r.finished_at, r.id, a.created_at, a.rowid";
}

std::string
sqlite::scenarios_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT run_id, scenario_id FROM run_scenarios WHERE run_id IN ({})",
                     placeholders(run_count));
}

std::string
sqlite::findings_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT {} FROM findings f WHERE f.run_id IN ({})", k_finding_columns,
                     placeholders(run_count));
}

std::string
sqlite::trace_spans_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT {}, rowid FROM trace_spans WHERE run_id IN ({})",
                     k_trace_span_columns, placeholders(run_count));
}

namespace {

// The rules of `runs cleanup` in one place: the plan's SELECT and the DELETE
// share them, so the DELETE re-checks everything the plan checked. The first
// two terms are the WHERE of the partial index runs_by_retention, spelled as
// there so that SQLite can use it. Parameters: now, now, the statuses, kind,
// ended_by.
std::string
retention_conditions(std::size_t status_count, bool kind, bool ended_by)
{
  std::string sql =
    "promoted_at IS NULL AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled') "
    "AND (retained_until IS NULL OR retained_until <= ?) "
    "AND (eligible_at IS NULL OR eligible_at <= ?)";
  if (status_count) sql += " AND status IN (" + placeholders(status_count) + ")";
  if (kind) sql += " AND kind = ?";
  if (ended_by) sql += " AND COALESCE(finished_at, created_at) <= ?";
  return sql;
}

// Binds retention_conditions' parameters from `index` on.
Result<void>
bind_retention(Stmt& stmt, int& index, const RetentionFilter& filter, TimeMs now)
{
  for (RunStatus status : filter.statuses) {
    if (!is_terminal(status)) {
      return make_error("validation.invalid_argument",
                        fmt::format("status `{}` is not terminal: active runs are never cleaned up",
                                    to_string(status)));
    }
  }
  stmt.bind(index++, static_cast<std::int64_t>(now)); // retained_until <= now
  stmt.bind(index++, static_cast<std::int64_t>(now)); // eligible_at <= now
  for (RunStatus status : filter.statuses) stmt.bind(index++, std::string_view(to_string(status)));
  if (filter.kind) stmt.bind(index++, *filter.kind);
  if (filter.ended_by) stmt.bind(index++, static_cast<std::int64_t>(*filter.ended_by));
  return {};
}

} // namespace

// Both statements name their index: without ANALYZE statistics SQLite
// prefers runs_by_status (or runs_by_kind) and sorts, which would read every
// terminal run for a --limit 10 plan, or walk an index for a batch of ids.

std::string
sqlite::deletable_runs_sql(std::size_t status_count, bool kind, bool ended_by)
{
  return fmt::format("SELECT {} FROM runs INDEXED BY runs_by_retention WHERE {} "
                     "ORDER BY COALESCE(finished_at, created_at), id LIMIT ?",
                     k_run_columns, retention_conditions(status_count, kind, ended_by));
}

std::string
sqlite::delete_runs_sql(std::size_t run_count, std::size_t status_count, bool kind, bool ended_by)
{
  // sqlite_autoindex_runs_1 is the primary key's index (id TEXT PRIMARY KEY).
  return fmt::format("DELETE FROM runs INDEXED BY sqlite_autoindex_runs_1 WHERE {} AND id IN ({}) "
                     "RETURNING id",
                     retention_conditions(status_count, kind, ended_by), placeholders(run_count));
}

Result<std::string>
sqlite::list_runs_sql(const RunFilter& filter)
{
  auto built = build_list_query(filter);
  if (!built) return Unexpected(built.error());
  return built->sql;
}

namespace {

using sqlite::artifacts_for_runs_sql;
using sqlite::metrics_for_runs_sql;
using sqlite::cleanup_candidates_sql;

Result<void>
each_row_of(Stmt& stmt, const std::function<void(const Stmt&)>& each)
{
  while (true) {
    auto row = stmt.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return {};
    each(stmt);
  }
}

// The import transaction's reads and writes, with each statement prepared
// once: an import of 100,000 runs runs each of them that many times.
class SqliteImportWriter final : public ImportWriter
{
public:
  explicit SqliteImportWriter(Db& db) : m_db(db) {}

  Result<std::optional<Run>> find_run(const std::string& run_id) override
  {
    return find_one<Run>(m_find_run, fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns),
                         run_id, read_run);
  }

  Result<std::vector<std::string>> run_scenarios(const std::string& run_id) override
  {
    auto stmt = statement(m_scenarios, "SELECT scenario_id FROM run_scenarios WHERE run_id = ? "
                                       "ORDER BY scenario_id");
    if (!stmt) return Unexpected(stmt.error());
    std::vector<std::string> out;
    (*stmt)->bind(1, run_id);
    auto ok = each_row_of(**stmt, [&](const Stmt& s) { out.push_back(s.text(0)); });
    (*stmt)->reset();
    if (!ok) return Unexpected(ok.error());
    return out;
  }

  Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) override
  {
    auto stmt = statement(m_metrics, "SELECT scenario_id, name, value, samples FROM metrics "
                                     "WHERE run_id = ? ORDER BY scenario_id, name");
    if (!stmt) return Unexpected(stmt.error());
    std::vector<MetricRow> out;
    (*stmt)->bind(1, run_id);
    auto ok = each_row_of(**stmt, [&](const Stmt& s) {
      out.push_back({s.text(0), s.text(1), s.real(2), decode_samples(s.blob(3))});
    });
    (*stmt)->reset();
    if (!ok) return Unexpected(ok.error());
    return out;
  }

  Result<std::optional<Artifact>> find_artifact(const std::string& id) override
  {
    return find_one<Artifact>(m_find_artifact,
                              fmt::format("SELECT {} FROM artifacts WHERE id = ?", k_artifact_columns),
                              id, read_artifact);
  }

  Result<std::optional<Finding>> find_finding(const std::string& id) override
  {
    return find_one<Finding>(m_find_finding,
                             fmt::format("SELECT {} FROM findings f WHERE f.id = ?", k_finding_columns),
                             id, read_finding);
  }

  Result<std::optional<TraceSpan>> find_trace_span(const std::string& id) override
  {
    return find_one<TraceSpan>(m_find_span,
                               fmt::format("SELECT {} FROM trace_spans WHERE id = ?", k_trace_span_columns),
                               id, read_trace_span);
  }

  Result<void> insert_run(const Run& run, const std::vector<std::string>& scenario_ids,
                          const std::vector<MetricRow>& metrics) override
  {
    auto stmt = statement(m_insert_run,
                          insert_run_sql());
    if (!stmt) return Unexpected(stmt.error());
    bind_run(**stmt, run);
    if (auto ok = finish(**stmt); !ok) return ok;
    if (!scenario_ids.empty()) {
      auto scen = statement(m_insert_scenario, "INSERT OR IGNORE INTO run_scenarios "
                                               "(scenario_id, created_at, run_id) VALUES (?, ?, ?)");
      if (!scen) return Unexpected(scen.error());
      for (const auto& id : scenario_ids) {
        (*scen)->bind(1, id).bind(2, static_cast<std::int64_t>(run.created_at)).bind(3, run.id);
        if (auto ok = finish(**scen); !ok) return ok;
      }
    }
    if (!metrics.empty()) {
      auto met = statement(m_insert_metric, "INSERT INTO metrics (run_id, scenario_id, name, "
                                            "value, samples) VALUES (?, ?, ?, ?, ?)");
      if (!met) return Unexpected(met.error());
      for (const auto& m : metrics) {
        (*met)->bind(1, run.id).bind(2, m.scenario_id).bind(3, m.name).bind(4, m.value);
        std::string blob = encode_samples(m.samples);
        if (m.samples.empty()) {
          (*met)->bind_null(5);
        } else {
          (*met)->bind_blob(5, blob.data(), blob.size());
        }
        if (auto ok = finish(**met); !ok) return ok;
      }
    }
    return {};
  }

  Result<void> insert_artifact(const Artifact& a) override
  {
    auto stmt = statement(m_insert_artifact,
                          fmt::format("INSERT INTO artifacts ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                      k_artifact_columns));
    if (!stmt) return Unexpected(stmt.error());
    bind_artifact(**stmt, a, a.run_id);
    return finish(**stmt);
  }

  Result<void> insert_finding(const Finding& f) override
  {
    auto stmt = statement(m_insert_finding, k_insert_finding);
    if (!stmt) return Unexpected(stmt.error());
    bind_finding(**stmt, f, f.run_id);
    return finish(**stmt);
  }

  Result<void> insert_trace_span(const TraceSpan& t) override
  {
    auto stmt = statement(m_insert_span,
                          fmt::format("INSERT INTO trace_spans ({}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                      k_trace_span_columns));
    if (!stmt) return Unexpected(stmt.error());
    Stmt& s = **stmt;
    s.bind(1, t.id).bind(2, t.run_id).bind(3, t.span_id).bind(4, t.status);
    if (t.duration_ms) {
      s.bind(5, *t.duration_ms);
    } else {
      s.bind_null(5);
    }
    s.bind_text_or_null(6, t.from_event).bind_text_or_null(7, t.to_event)
      .bind_text_or_null(8, t.message).bind(9, static_cast<std::int64_t>(t.created_at))
      .bind(10, t.metadata_json);
    return finish(s);
  }

private:
  Result<Stmt*> statement(std::optional<Stmt>& slot, const std::string& sql)
  {
    if (!slot) {
      auto stmt = m_db.prepare(sql);
      if (!stmt) return Unexpected(stmt.error());
      slot.emplace(std::move(*stmt));
    }
    return &*slot;
  }

  static Result<void> finish(Stmt& stmt)
  {
    auto ok = stmt.run();
    stmt.reset();
    return ok;
  }

  template <class T, class Read>
  Result<std::optional<T>> find_one(std::optional<Stmt>& slot, const std::string& sql,
                                    const std::string& id, Read read)
  {
    auto stmt = statement(slot, sql);
    if (!stmt) return Unexpected(stmt.error());
    Stmt& s = **stmt;
    s.bind(1, id);
    auto row = s.step();
    std::optional<T> out;
    if (row && *row) out = read(s);
    s.reset();
    if (!row) return Unexpected(row.error());
    return out;
  }

  Db& m_db;
  std::optional<Stmt> m_find_run, m_scenarios, m_metrics, m_find_artifact, m_find_finding,
    m_find_span, m_insert_run, m_insert_scenario, m_insert_metric, m_insert_artifact,
    m_insert_finding, m_insert_span;
};

class SqliteStore final : public Store
{
public:
  explicit SqliteStore(Db db) : m_db(std::move(db)) {}

  Result<void> insert_run(const Run& run) override
  {
    return m_db.write_transaction([&]() -> Result<void> {
      auto stmt = m_db.prepare(insert_run_sql());
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      bind_run(*stmt, run);
      auto done = stmt->run();
      if (!done && done.error().message.find("UNIQUE") != std::string::npos) {
        return make_error("store.conflict", fmt::format("a run with id {} already exists", run.id));
      }
      return done;
    });
  }

  Result<void> settle_run(const std::string& run_id, RunStatus expected,
                          std::int64_t expected_epoch, const RunOutcome& outcome) override
  {
    if (!transition_allowed(expected, outcome.status)) {
      return make_error("store.invalid_transition",
                        fmt::format("run {} cannot move from {} to {}", run_id,
                                    to_string(expected), to_string(outcome.status)));
    }
    return m_db.write_transaction([&]() -> Result<void> {
      auto update = m_db.prepare(
        fmt::format("UPDATE runs SET status = ?, terminal_reason = ?, exit_code = ?, "
                    "finished_at = ?, metadata = {}, eligible_at = coalesce(?, eligible_at) "
                    "WHERE id = ? AND status = ? AND lease_epoch = ?",
                    outcome.merge_metadata ? "json_patch(" HB_METADATA_BASE ", ?)" : "?"));
      if (!update) {
        return Unexpected(update.error());
      }
      update->bind(1, to_string(outcome.status))
        .bind_text_or_null(2, outcome.terminal_reason)
        .bind_opt(3, opt64(outcome.exit_code))
        .bind(4, static_cast<std::int64_t>(outcome.finished_at))
        .bind(5, outcome.metadata_json)
        .bind_opt(6, outcome.eligible_at)
        .bind(7, run_id)
        .bind(8, to_string(expected))
        .bind(9, expected_epoch);
      if (auto ok = update->run(); !ok) {
        return ok;
      }
      if (update->changes() != 1) {
        return make_error("store.conflict",
                          fmt::format("run {} is no longer {} (epoch {}); it was settled or taken "
                                      "over by another process",
                                      run_id, to_string(expected), expected_epoch));
      }
      Json data = {{"from", to_string(expected)}, {"to", to_string(outcome.status)}};
      if (!outcome.terminal_reason.empty()) {
        data["reason"] = outcome.terminal_reason;
      }
      if (auto ok = insert_event(run_id, "status", dump_json(data), outcome.finished_at); !ok) {
        return ok;
      }
      return write_evidence(run_id, outcome);
    });
  }

  Result<void> insert_runs(const std::vector<Run>& runs) override
  {
    return m_db.write_transaction([&]() -> Result<void> {
      auto stmt = m_db.prepare(insert_run_sql());
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      for (const auto& run : runs) {
        bind_run(*stmt, run);
        auto done = stmt->run();
        if (!done) {
          if (done.error().message.find("UNIQUE") != std::string::npos) {
            return make_error("store.conflict", fmt::format("a run with id {} already exists", run.id));
          }
          return done;
        }
        stmt->reset();
        Json data = {{"status", to_string(run.status)}};
        if (auto ok = insert_event(run.id, "submitted", dump_json(data), run.created_at); !ok) {
          return ok;
        }
      }
      return {};
    });
  }

  Result<std::optional<Run>> claim_run(const std::string& owner, TimeMs now,
                                       const std::optional<std::string>& run_id) override
  {
    std::optional<Run> claimed;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      claimed.reset();
      // One statement under the write lock: the row it picks is the row it
      // moves, so two claimers can never both get it.
      auto stmt = m_db.prepare(fmt::format(
        "UPDATE runs SET status = 'booting', lease_epoch = lease_epoch + 1, lease_owner = ?, "
        "heartbeat_at = ?, owner_pid = NULL, owner_start_time = NULL, "
        "deadline_at = CASE WHEN start_timeout_ms IS NULL THEN NULL ELSE ? + start_timeout_ms END "
        "WHERE id = {} AND status = 'queued' AND cancel_requested_at IS NULL RETURNING {}",
        run_id ? "?" : std::string(sqlite::k_next_queued_run_sql), k_run_columns));
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      stmt->bind(1, owner).bind(2, static_cast<std::int64_t>(now)).bind(3, static_cast<std::int64_t>(now));
      if (run_id) {
        stmt->bind(4, *run_id);
      }
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        return {};
      }
      claimed = read_run(*stmt);
      if (auto rest = stmt->run(); !rest) {
        return rest;
      }
      Json data = {{"from", "queued"}, {"to", "booting"}, {"owner", owner},
                   {"epoch", claimed->lease_epoch}};
      return insert_event(claimed->id, "status", dump_json(data), now);
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return claimed;
  }

  Result<Run> update_run(const std::string& run_id, RunStatus expected, std::int64_t expected_epoch,
                         const RunUpdate& u, TimeMs now) override
  {
    if (u.status && *u.status != expected && !transition_allowed(expected, *u.status)) {
      return make_error("store.invalid_transition",
                        fmt::format("run {} cannot move from {} to {}", run_id, to_string(expected),
                                    to_string(*u.status)));
    }
    std::vector<std::string> sets;
    std::vector<std::function<void(Stmt&, int&)>> binds;
    auto set_int = [&](const char* column, std::optional<std::int64_t> value) {
      sets.push_back(fmt::format("{} = ?", column));
      binds.push_back([value](Stmt& s, int& i) { s.bind_opt(i++, value); });
    };
    auto set_text = [&](const char* column, std::string value) {
      sets.push_back(fmt::format("{} = ?", column));
      binds.push_back([value](Stmt& s, int& i) { s.bind(i++, value); });
    };
    if (u.status) set_text("status", to_string(*u.status));
    if (u.heartbeat_at) set_int("heartbeat_at", *u.heartbeat_at);
    if (u.started_at) set_int("started_at", *u.started_at);
    if (u.set_deadline) set_int("deadline_at", u.deadline_at);
    if (u.owner_pid) set_int("owner_pid", *u.owner_pid);
    if (u.owner_start_time) set_int("owner_start_time", static_cast<std::int64_t>(*u.owner_start_time));
    if (!u.lease_owner.empty()) set_text("lease_owner", u.lease_owner);
    if (!u.metadata_patch.empty()) {
      sets.push_back("metadata = json_patch(" HB_METADATA_BASE ", ?)");
      std::string patch = u.metadata_patch;
      binds.push_back([patch](Stmt& s, int& i) { s.bind(i++, patch); });
    }
    if (sets.empty()) {
      sets.push_back("id = id");
    }
    std::optional<Run> written;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      auto stmt = m_db.prepare(fmt::format(
        "UPDATE runs SET {} WHERE id = ? AND status = ? AND lease_epoch = ? RETURNING {}",
        fmt::join(sets, ", "), k_run_columns));
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      int index = 1;
      for (auto& bind : binds) bind(*stmt, index);
      stmt->bind(index, run_id);
      stmt->bind(index + 1, to_string(expected));
      stmt->bind(index + 2, expected_epoch);
      auto run = updated_run(*stmt, fmt::format("run {} is no longer {} with lease epoch {}; it "
                                                "was settled or taken over by another process",
                                                run_id, to_string(expected), expected_epoch));
      if (!run) {
        return Unexpected(run.error());
      }
      written = *run;
      if (u.status && *u.status != expected) {
        Json data = {{"from", to_string(expected)}, {"to", to_string(*u.status)}};
        return insert_event(run_id, "status", dump_json(data), now);
      }
      return {};
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return *written;
  }

  Result<Run> beat(const std::string& run_id, std::int64_t expected_epoch, TimeMs now,
                   const std::string& metadata_patch) override
  {
    std::optional<Run> written;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      auto stmt = m_db.prepare(fmt::format(
        "UPDATE runs SET heartbeat_at = ?, metadata = CASE WHEN ? = '' THEN metadata ELSE "
        "json_patch(" HB_METADATA_BASE ", ?) END WHERE id = ? AND lease_epoch = ? AND {} "
        "RETURNING {}",
        sqlite::k_active_runs_where, k_run_columns));
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      stmt->bind(1, static_cast<std::int64_t>(now))
        .bind(2, metadata_patch)
        .bind(3, metadata_patch.empty() ? "{}" : metadata_patch)
        .bind(4, run_id)
        .bind(5, expected_epoch);
      auto run = updated_run(*stmt, fmt::format("run {} is no longer active with lease epoch {}; "
                                                "it was settled or taken over by another process",
                                                run_id, expected_epoch));
      if (!run) {
        return Unexpected(run.error());
      }
      written = *run;
      return {};
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return *written;
  }

  Result<Run> request_cancel(const std::string& run_id, const std::string& reason, TimeMs now) override
  {
    std::optional<Run> after;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      auto current = get_run(run_id);
      if (!current) {
        return Unexpected(current.error());
      }
      if (!*current) {
        return make_error("run.not_found", fmt::format("no run with id {}", run_id));
      }
      const Run& run = **current;
      const bool queued = run.status == RunStatus::queued;
      if (queued || (!is_terminal(run.status) && !run.cancel_requested_at)) {
        // A queued run never started: it is settled here, so no worker can
        // pick it up. An active one is marked for its supervisor.
        auto stmt = m_db.prepare(
          queued ? "UPDATE runs SET status = 'cancelled', terminal_reason = 'cancelled_by_user', "
                   "cancel_requested_at = ?1, finished_at = ?1, "
                   "metadata = json_patch(" HB_METADATA_BASE ", ?2) WHERE id = ?3 AND status = 'queued'"
                 : "UPDATE runs SET cancel_requested_at = ?1, "
                   "metadata = json_patch(" HB_METADATA_BASE ", ?2) WHERE id = ?3");
        if (!stmt) {
          return Unexpected(stmt.error());
        }
        stmt->bind(1, static_cast<std::int64_t>(now))
          .bind(2, dump_json(Json{{"cancel_reason", reason}}))
          .bind(3, run_id);
        if (auto ok = stmt->run(); !ok) {
          return ok;
        }
        Json data = queued ? Json{{"reason", reason}, {"from", "queued"}, {"to", "cancelled"}}
                           : Json{{"reason", reason}};
        if (auto ok = insert_event(run_id, queued ? "status" : "cancel_requested", dump_json(data),
                                   now);
            !ok) {
          return ok;
        }
      }
      auto reread = get_run(run_id);
      if (!reread) {
        return Unexpected(reread.error());
      }
      after = **reread;
      return {};
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return *after;
  }

  Result<std::vector<Run>> active_runs() override
  {
    auto stmt = m_db.prepare(fmt::format("SELECT {} FROM runs WHERE {}", k_run_columns,
                                         sqlite::k_active_runs_where));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    std::vector<Run> out;
    auto done = each_row(*stmt, [&](const Stmt& s) { out.push_back(read_run(s)); });
    if (!done) {
      return Unexpected(done.error());
    }
    return out;
  }

  Result<void> append_event(const std::string& run_id, const std::string& type,
                            const std::string& data_json, TimeMs now) override
  {
    return m_db.write_transaction([&] { return insert_event(run_id, type, data_json, now); });
  }

  Result<std::vector<RunEvent>> run_events(const std::string& run_id, std::int64_t after_seq,
                                           std::size_t limit) override
  {
    auto stmt = m_db.prepare(sqlite::k_run_events_sql);
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, run_id).bind(2, after_seq).bind(3, static_cast<std::int64_t>(limit));
    std::vector<RunEvent> out;
    auto done = each_row(*stmt, [&](const Stmt& s) {
      out.push_back(RunEvent{run_id, s.int64(0), s.int64(1), s.text(2), s.text(3)});
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return out;
  }

  Result<std::optional<Run>> get_run(const std::string& run_id) override
  {
    auto stmt = m_db.prepare(fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, run_id);
    auto row = stmt->step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return std::optional<Run>();
    }
    return std::optional<Run>(read_run(*stmt));
  }

  Result<std::optional<std::string>> resolve_run_id(const std::string& prefix) override
  {
    if (prefix.size() < 4) {
      return std::optional<std::string>();
    }
    // Range scan on the primary key: ids with this prefix sort between the
    // prefix and the prefix followed by the highest byte.
    auto stmt = m_db.prepare("SELECT id FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT 2");
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, prefix).bind(2, prefix + "\xff");
    std::vector<std::string> ids;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        break;
      }
      ids.push_back(stmt->text(0));
    }
    if (ids.size() > 1) {
      return make_error("validation.ambiguous_id",
                        fmt::format("run id prefix `{}` matches more than one run ({}, {}, ...); "
                                    "give more characters",
                                    prefix, ids[0], ids[1]));
    }
    return ids.empty() ? std::optional<std::string>() : std::optional<std::string>(ids[0]);
  }

  Result<RunPage> list_runs(const RunFilter& filter) override
  {
    auto built = build_list_query(filter);
    if (!built) {
      return Unexpected(built.error());
    }
    auto& sql = built->sql;
    auto& binds = built->binds;
    auto stmt = m_db.prepare(sql);
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    int index = 1;
    for (auto& bind : binds) {
      bind(*stmt, index);
    }
    stmt->bind(index, static_cast<std::int64_t>(filter.limit + 1));
    RunPage page;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        break;
      }
      page.runs.push_back(read_run(*stmt));
    }
    if (page.runs.size() > filter.limit) {
      page.runs.pop_back();
      page.next_cursor = encode_cursor(page.runs.back());
    }
    return page;
  }

  Result<std::vector<std::string>> run_scenarios(const std::string& run_id) override
  {
    std::vector<std::string> out;
    auto ok = query("SELECT scenario_id FROM run_scenarios WHERE run_id = ? ORDER BY scenario_id",
                    run_id, [&](const Stmt& s) { out.push_back(s.text(0)); });
    if (!ok) {
      return Unexpected(ok.error());
    }
    return out;
  }

  Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) override
  {
    std::vector<MetricRow> out;
    auto ok = query("SELECT scenario_id, name, value, samples FROM metrics WHERE run_id = ? "
                    "ORDER BY scenario_id, name",
                    run_id, [&](const Stmt& s) {
                      out.push_back({s.text(0), s.text(1), s.real(2), decode_samples(s.blob(3))});
                    });
    if (!ok) {
      return Unexpected(ok.error());
    }
    return out;
  }

  Result<std::vector<Artifact>> run_artifacts(const std::string& run_id) override
  {
    std::vector<Artifact> out;
    auto ok = query(fmt::format("SELECT {} FROM artifacts WHERE run_id = ? ORDER BY created_at, rowid",
                                k_artifact_columns),
                    run_id, [&](const Stmt& s) { out.push_back(read_artifact(s)); });
    if (!ok) {
      return Unexpected(ok.error());
    }
    return out;
  }

  Result<std::vector<Artifact>> cleanup_candidates(std::optional<TimeMs> finished_before,
                                                   const std::string& run_id, TimeMs now) override
  {
    const std::string sql = cleanup_candidates_sql(finished_before.has_value(), !run_id.empty());
    auto stmt = m_db.prepare(sql);
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    int index = 1;
    stmt->bind(index++, static_cast<std::int64_t>(now));
    if (finished_before) stmt->bind(index++, static_cast<std::int64_t>(*finished_before));
    if (!run_id.empty()) stmt->bind(index++, run_id);
    std::vector<Artifact> out;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        return out;
      }
      out.push_back(read_artifact(*stmt));
    }
  }

  Result<std::size_t> delete_artifacts(const std::vector<std::string>& artifact_ids) override
  {
    std::size_t deleted = 0;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      deleted = 0;
      auto stmt = m_db.prepare("DELETE FROM artifacts WHERE id = ?");
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      for (const auto& id : artifact_ids) {
        stmt->reset();
        stmt->bind(1, id);
        if (auto ok = stmt->run(); !ok) {
          return ok;
        }
        deleted += static_cast<std::size_t>(stmt->changes());
      }
      return {};
    });
    if (!done) {
      return Unexpected(done.error());
    }
    return deleted;
  }

  Result<std::optional<Artifact>> get_artifact(const std::string& run_id,
                                               const std::string& artifact_id) override
  {
    auto stmt = m_db.prepare(
      fmt::format("SELECT {} FROM artifacts WHERE run_id = ? AND id = ?", k_artifact_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, run_id).bind(2, artifact_id);
    auto row = stmt->step();
    if (!row) {
      return Unexpected(row.error());
    }
    return *row ? std::optional<Artifact>(read_artifact(*stmt)) : std::optional<Artifact>();
  }

  Result<std::vector<Artifact>> artifacts_for_runs(const std::vector<std::string>& run_ids,
                                                   const std::vector<std::string>& kinds) override
  {
    std::unordered_map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
    struct Row { std::size_t run; std::int64_t rowid; Artifact a; };
    std::vector<Row> rows;
    auto ok = for_chunks(run_ids, [&](std::size_t begin, std::size_t end) -> Result<void> {
      auto stmt = m_db.prepare(artifacts_for_runs_sql(end - begin, kinds.size()));
      if (!stmt) return Unexpected(stmt.error());
      int index = 1;
      for (std::size_t i = begin; i < end; ++i) stmt->bind(index++, run_ids[i]);
      for (const auto& kind : kinds) stmt->bind(index++, kind);
      return each_row(*stmt, [&](const Stmt& s) {
        Artifact a = read_artifact(s);
        std::size_t run = order[a.run_id];
        rows.push_back({run, s.int64(12), std::move(a)});
      });
    });
    if (!ok) return Unexpected(ok.error());
    std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
      return std::tie(x.run, x.a.created_at, x.rowid) < std::tie(y.run, y.a.created_at, y.rowid);
    });
    std::vector<Artifact> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back(std::move(row.a));
    return out;
  }

  Result<std::vector<RunMetricRow>> metrics_for_runs(const std::vector<std::string>& run_ids) override
  {
    std::unordered_map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
    std::vector<std::pair<std::size_t, RunMetricRow>> rows;
    auto ok = for_chunks(run_ids, [&](std::size_t begin, std::size_t end) -> Result<void> {
      auto stmt = m_db.prepare(metrics_for_runs_sql(end - begin));
      if (!stmt) return Unexpected(stmt.error());
      int index = 1;
      for (std::size_t i = begin; i < end; ++i) stmt->bind(index++, run_ids[i]);
      return each_row(*stmt, [&](const Stmt& s) {
        RunMetricRow row{s.text(0), {s.text(1), s.text(2), s.real(3), decode_samples(s.blob(4))}};
        rows.emplace_back(order[row.run_id], std::move(row));
      });
    });
    if (!ok) return Unexpected(ok.error());
    std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
      return std::tie(x.first, x.second.metric.scenario_id, x.second.metric.name) <
             std::tie(y.first, y.second.metric.scenario_id, y.second.metric.name);
    });
    std::vector<RunMetricRow> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back(std::move(row.second));
    return out;
  }

  Result<std::vector<RunScenarioRow>> scenarios_for_runs(const std::vector<std::string>& run_ids) override
  {
    std::unordered_map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
    std::vector<std::pair<std::size_t, RunScenarioRow>> rows;
    auto ok = for_chunks(run_ids, [&](std::size_t begin, std::size_t end) -> Result<void> {
      auto stmt = m_db.prepare(sqlite::scenarios_for_runs_sql(end - begin));
      if (!stmt) return Unexpected(stmt.error());
      int index = 1;
      for (std::size_t i = begin; i < end; ++i) stmt->bind(index++, run_ids[i]);
      return each_row(*stmt, [&](const Stmt& s) {
        RunScenarioRow row{s.text(0), s.text(1)};
        rows.emplace_back(order[row.run_id], std::move(row));
      });
    });
    if (!ok) return Unexpected(ok.error());
    std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
      return std::tie(x.first, x.second.scenario_id) < std::tie(y.first, y.second.scenario_id);
    });
    std::vector<RunScenarioRow> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back(std::move(row.second));
    return out;
  }

  Result<std::vector<Finding>> findings_for_runs(const std::vector<std::string>& run_ids) override
  {
    std::unordered_map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
    std::vector<std::pair<std::size_t, Finding>> rows;
    auto ok = for_chunks(run_ids, [&](std::size_t begin, std::size_t end) -> Result<void> {
      auto stmt = m_db.prepare(sqlite::findings_for_runs_sql(end - begin));
      if (!stmt) return Unexpected(stmt.error());
      int index = 1;
      for (std::size_t i = begin; i < end; ++i) stmt->bind(index++, run_ids[i]);
      return each_row(*stmt, [&](const Stmt& s) {
        Finding f = read_finding(s);
        std::size_t run = order[f.run_id];
        rows.emplace_back(run, std::move(f));
      });
    });
    if (!ok) return Unexpected(ok.error());
    std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
      return std::tie(x.first, x.second.created_at, x.second.id) <
             std::tie(y.first, y.second.created_at, y.second.id);
    });
    std::vector<Finding> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back(std::move(row.second));
    return out;
  }

  Result<std::vector<TraceSpan>> trace_spans_for_runs(const std::vector<std::string>& run_ids) override
  {
    std::unordered_map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
    struct Row { std::size_t run; std::int64_t rowid; TraceSpan span; };
    std::vector<Row> rows;
    auto ok = for_chunks(run_ids, [&](std::size_t begin, std::size_t end) -> Result<void> {
      auto stmt = m_db.prepare(sqlite::trace_spans_for_runs_sql(end - begin));
      if (!stmt) return Unexpected(stmt.error());
      int index = 1;
      for (std::size_t i = begin; i < end; ++i) stmt->bind(index++, run_ids[i]);
      return each_row(*stmt, [&](const Stmt& s) {
        TraceSpan t = read_trace_span(s);
        std::size_t run = order[t.run_id];
        rows.push_back({run, s.int64(10), std::move(t)});
      });
    });
    if (!ok) return Unexpected(ok.error());
    std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
      return std::tie(x.run, x.rowid) < std::tie(y.run, y.rowid);
    });
    std::vector<TraceSpan> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back(std::move(row.span));
    return out;
  }

  Result<void> read_snapshot(const std::function<Result<void>()>& body) override
  {
    if (auto begun = m_db.exec("BEGIN"); !begun) return begun;
    auto result = body();
    (void)m_db.exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

  Result<void> import_transaction(const std::function<Result<void>(ImportWriter&)>& body) override
  {
    // A bulk import touches index pages all over the B-trees (ids are
    // random); with SQLite's default 2 MB page cache most of them would be
    // read again and again. 256 MB at most, for this connection only.
    (void)m_db.exec("PRAGMA cache_size = -262144");
    auto done = m_db.write_transaction([&]() -> Result<void> {
      SqliteImportWriter writer(m_db);
      return body(writer);
    });
    (void)m_db.exec("PRAGMA cache_size = -2000");
    return done;
  }

  Result<std::vector<Finding>> list_findings(const FindingFilter& filter) override
  {
    std::string sql = fmt::format("SELECT {} FROM findings f", k_finding_columns);
    std::vector<std::string> where;
    std::vector<std::string> values;
    bool join_runs = filter.kind || filter.component_id || filter.rig_id || !filter.statuses.empty();
    if (join_runs) {
      sql += " JOIN runs r ON r.id = f.run_id";
    }
    auto add = [&](const char* clause, const std::optional<std::string>& value) {
      if (value) {
        where.push_back(clause);
        values.push_back(*value);
      }
    };
    add("f.run_id = ?", filter.run_id);
    add("f.tool = ?", filter.tool);
    add("f.file = ?", filter.file);
    add("f.fingerprint = ?", filter.fingerprint);
    add("r.kind = ?", filter.kind);
    add("r.component_id = ?", filter.component_id);
    add("r.rig_id = ?", filter.rig_id);
    if (!filter.statuses.empty()) {
      std::string in = "r.status IN (";
      for (size_t i = 0; i < filter.statuses.size(); ++i) {
        in += i ? ",?" : "?";
        values.push_back(to_string(filter.statuses[i]));
      }
      where.push_back(in + ")");
    }
    if (filter.since) {
      where.push_back("f.created_at >= ?");
    }
    if (filter.until) {
      where.push_back("f.created_at < ?");
    }
    if (!where.empty()) {
      sql += " WHERE " + fmt::format("{}", fmt::join(where, " AND "));
    }
    sql += filter.run_id ? " ORDER BY f.created_at, f.id" : " ORDER BY f.created_at DESC, f.id DESC";
    sql += " LIMIT ?";
    auto stmt = m_db.prepare(sql);
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    int i = 1;
    for (const auto& value : values) {
      stmt->bind(i++, value);
    }
    if (filter.since) stmt->bind(i++, static_cast<std::int64_t>(*filter.since));
    if (filter.until) stmt->bind(i++, static_cast<std::int64_t>(*filter.until));
    stmt->bind(i, static_cast<std::int64_t>(filter.limit));
    std::vector<Finding> out;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        break;
      }
      out.push_back(read_finding(*stmt));
    }
    return out;
  }

  Result<std::optional<Finding>> get_finding(const std::string& finding_id) override
  {
    auto stmt = m_db.prepare(fmt::format("SELECT {} FROM findings f WHERE f.id = ?", k_finding_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, finding_id);
    auto row = stmt->step();
    if (!row) {
      return Unexpected(row.error());
    }
    return *row ? std::optional<Finding>(read_finding(*stmt)) : std::optional<Finding>();
  }

private:
  // Batches of run ids for `IN (...)` lists: well under SQLite's limit on
  // bound parameters, each batch one indexed lookup per id.
  static constexpr std::size_t k_batch = 500;

  static Result<void> for_chunks(const std::vector<std::string>& ids,
                                 const std::function<Result<void>(std::size_t, std::size_t)>& fn)
  {
    for (std::size_t begin = 0; begin < ids.size(); begin += k_batch) {
      if (auto ok = fn(begin, std::min(ids.size(), begin + k_batch)); !ok) return ok;
    }
    return {};
  }

  static Result<void> each_row(Stmt& stmt, const std::function<void(const Stmt&)>& each)
  {
    while (true) {
      auto row = stmt.step();
      if (!row) return Unexpected(row.error());
      if (!*row) return {};
      each(stmt);
    }
  }

  Result<void> query(const std::string& sql, const std::string& arg,
                     const std::function<void(const Stmt&)>& each)
  {
    auto stmt = m_db.prepare(sql);
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, arg);
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return Unexpected(row.error());
      }
      if (!*row) {
        return {};
      }
      each(*stmt);
    }
  }

  // Steps an UPDATE ... RETURNING <run columns> to its end: the run it
  // wrote, or `store.conflict` saying `conflict` when it matched no row.
  static Result<Run> updated_run(Stmt& stmt, const std::string& conflict)
  {
    auto row = stmt.step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return make_error("store.conflict", conflict);
    }
    Run run = read_run(stmt);
    if (auto rest = stmt.run(); !rest) {
      return Unexpected(rest.error());
    }
    return run;
  }

  // Appends one event (inside the caller's write transaction).
  Result<void> insert_event(const std::string& run_id, const std::string& type,
                            const std::string& data_json, TimeMs at)
  {
    auto stmt = m_db.prepare(
      "INSERT INTO events (run_id, seq, at, type, data) VALUES (?, (SELECT coalesce(max(seq), 0) "
      "+ 1 FROM events WHERE run_id = ?), ?, ?, ?)");
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, run_id).bind(2, run_id).bind(3, static_cast<std::int64_t>(at)).bind(4, type)
      .bind(5, data_json);
    return stmt->run();
  }

  Result<void> write_evidence(const std::string& run_id, const RunOutcome& outcome)
  {
    auto created = m_db.prepare("SELECT created_at FROM runs WHERE id = ?");
    if (!created) {
      return Unexpected(created.error());
    }
    created->bind(1, run_id);
    if (auto row = created->step(); !row || !*row) {
      return row ? make_error("store.failed", "run vanished while settling") : Unexpected(row.error());
    }
    std::int64_t created_at = created->int64(0);

    if (!outcome.scenario_ids.empty()) {
      auto stmt = m_db.prepare(
        "INSERT OR IGNORE INTO run_scenarios (scenario_id, created_at, run_id) VALUES (?, ?, ?)");
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      for (const auto& id : outcome.scenario_ids) {
        auto& s = *stmt;
        s.bind(1, id).bind(2, created_at).bind(3, run_id);
        if (auto ok = s.run(); !ok) {
          return ok;
        }
        s.reset();
      }
    }
    if (!outcome.metrics.empty()) {
      auto stmt = m_db.prepare("INSERT OR REPLACE INTO metrics (run_id, scenario_id, name, value, "
                               "samples) VALUES (?, ?, ?, ?, ?)");
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      for (const auto& metric : outcome.metrics) {
        stmt->bind(1, run_id).bind(2, metric.scenario_id).bind(3, metric.name).bind(4, metric.value);
        if (metric.samples.empty()) {
          stmt->bind_null(5);
        } else {
          std::string blob = encode_samples(metric.samples);
          stmt->bind_blob(5, blob.data(), blob.size());
        }
        if (auto ok = stmt->run(); !ok) {
          return ok;
        }
        stmt->reset();
      }
    }
    for (const auto& a : outcome.artifacts) {
      auto stmt = m_db.prepare(fmt::format(
        "INSERT INTO artifacts ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", k_artifact_columns));
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      bind_artifact(*stmt, a, run_id);
      if (auto ok = stmt->run(); !ok) {
        return ok;
      }
    }
    for (const auto& f : outcome.findings) {
      auto stmt = m_db.prepare(k_insert_finding);
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      bind_finding(*stmt, f, run_id);
      if (auto ok = stmt->run(); !ok) {
        return ok;
      }
    }
    return {};
  }

  Db m_db;

public:
  // Retention (`runs promote`, `runs retain`, `runs cleanup`).

  Result<bool> promote_run(const std::string& run_id, const std::string& reason,
                           TimeMs at) override
  {
    bool promoted = false;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      // json_set, not a rewrite of the whole document: whatever else the
      // metadata holds stays as it is (and metadata that is not JSON is left
      // alone rather than failing the promotion).
      auto stmt = m_db.prepare(
        "UPDATE runs SET promoted_at = ?, metadata = CASE WHEN json_valid(metadata) THEN "
        "json_set(metadata, '$.promotion', json_object('reason', ?, 'at', ?)) ELSE metadata END "
        "WHERE id = ? AND promoted_at IS NULL");
      if (!stmt) return Unexpected(stmt.error());
      stmt->bind(1, static_cast<std::int64_t>(at)).bind_text_or_null(2, reason)
        .bind(3, format_rfc3339(at)).bind(4, run_id);
      if (auto ok = stmt->run(); !ok) return ok;
      promoted = stmt->changes() == 1;
      return {};
    });
    if (!done) return Unexpected(done.error());
    return promoted;
  }

  Result<bool> retain_run(const std::string& run_id, TimeMs until, bool force) override
  {
    bool written = false;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      auto stmt = m_db.prepare("UPDATE runs SET retained_until = ? WHERE id = ? AND (? OR "
                               "retained_until IS NULL OR retained_until <= ?)");
      if (!stmt) return Unexpected(stmt.error());
      stmt->bind(1, static_cast<std::int64_t>(until)).bind(2, run_id)
        .bind(3, static_cast<std::int64_t>(force)).bind(4, static_cast<std::int64_t>(until));
      if (auto ok = stmt->run(); !ok) return ok;
      written = stmt->changes() == 1;
      return {};
    });
    if (!done) return Unexpected(done.error());
    return written;
  }

  Result<std::vector<Run>> deletable_runs(const RetentionFilter& filter, TimeMs now,
                                          std::size_t limit) override
  {
    auto stmt = m_db.prepare(sqlite::deletable_runs_sql(filter.statuses.size(),
                                                        filter.kind.has_value(),
                                                        filter.ended_by.has_value()));
    if (!stmt) return Unexpected(stmt.error());
    int index = 1;
    if (auto ok = bind_retention(*stmt, index, filter, now); !ok) return Unexpected(ok.error());
    stmt->bind(index, limit ? static_cast<std::int64_t>(limit) : std::int64_t{-1});
    std::vector<Run> out;
    auto ok = each_row(*stmt, [&](const Stmt& s) { out.push_back(read_run(s)); });
    if (!ok) return Unexpected(ok.error());
    return out;
  }

  Result<std::vector<DeletedRun>> delete_runs(const std::vector<std::string>& run_ids,
                                              const RetentionFilter& filter, TimeMs now) override
  {
    std::vector<DeletedRun> deleted;
    if (run_ids.empty()) return deleted;
    auto done = m_db.write_transaction([&]() -> Result<void> {
      deleted.clear();
      // The artifact rows first, in the same transaction: the cascade takes
      // them, and the caller needs their paths for the runs that did go.
      std::unordered_map<std::string, std::vector<Artifact>> artifacts;
      auto read = m_db.prepare(artifacts_for_runs_sql(run_ids.size(), 0));
      if (!read) return Unexpected(read.error());
      int index = 1;
      for (const auto& id : run_ids) read->bind(index++, id);
      auto ok = each_row(*read, [&](const Stmt& s) {
        Artifact a = read_artifact(s);
        artifacts[a.run_id].push_back(std::move(a));
      });
      if (!ok) return ok;
      auto del = m_db.prepare(sqlite::delete_runs_sql(run_ids.size(), filter.statuses.size(),
                                                      filter.kind.has_value(),
                                                      filter.ended_by.has_value()));
      if (!del) return Unexpected(del.error());
      index = 1;
      if (auto bound = bind_retention(*del, index, filter, now); !bound) return bound;
      for (const auto& id : run_ids) del->bind(index++, id);
      return each_row(*del, [&](const Stmt& s) {
        std::string id = s.text(0);
        auto found = artifacts.find(id);
        deleted.push_back({id, found == artifacts.end() ? std::vector<Artifact>{}
                                                        : std::move(found->second)});
      });
    });
    if (!done) return Unexpected(done.error());
    return deleted;
  }
};

} // namespace

Result<std::unique_ptr<Store>>
open_sqlite_store(const std::filesystem::path& path)
{
  if (auto made = fs::create_directories(path.parent_path()); !made) {
    return make_error("store.unwritable",
                      fmt::format("cannot create the data directory for the observation store: "
                                  "{} (set HOMEBOY_DATA_DIR to a writable directory)",
                                  made.error().message));
  }
  auto db = Db::open(path);
  if (!db) {
    Error err = db.error();
    if (err.code != "store.busy") {
      err.message += " (check that the directory is writable, or set HOMEBOY_DATA_DIR)";
    }
    return Unexpected(err);
  }
  if (auto migrated = sqlite::migrate(*db); !migrated) {
    return Unexpected(migrated.error());
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(*db)));
}

} // namespace hb

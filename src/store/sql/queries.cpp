// The SQL of the SQLite store's readers and of `runs cleanup`, built in one
// place so that the store runs exactly what the query-plan test checks
// (queries.hpp).

#include "store/sql/queries.hpp"
#include "store/sql/rows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace hb::sql {

namespace {

struct PageCursor
{
  TimeMs created_at;
  std::string id;
};

Result<PageCursor>
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
  return PageCursor{created, text.substr(colon + 1)};
}

} // namespace

std::string
encode_cursor(const Run& run)
{
  return fmt::format("{}:{}", run.created_at, run.id);
}

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
  // "a,b": runs of any of these kinds (the Studio's chips).
  std::vector<std::string> kinds;
  for (std::size_t start = 0; filter.kind && start <= filter.kind->size();) {
    std::size_t comma = std::min(filter.kind->find(',', start), filter.kind->size());
    kinds.push_back(filter.kind->substr(start, comma - start));
    start = comma + 1;
  }
  if (filter.scenario_id) {
    from = "run_scenarios s JOIN runs r ON r.id = s.run_id";
    time_col = "s.created_at";
    id_col = "s.run_id";
    add_text("s.scenario_id = ?", *filter.scenario_id);
  }
  if (kinds.size() == 1 || (kinds.size() > 1 && filter.scenario_id)) {
    std::string in = kinds.size() == 1 ? "r.kind = ?" : "r.kind IN (" + placeholders(kinds.size()) + ")";
    where.push_back(in);
    for (const auto& kind : kinds) binds.push_back([kind](Stmt& s, int& i) { s.bind(i++, kind); });
  }
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
    PageCursor c = *cursor;
    binds.push_back([c](Stmt& s, int& i) {
      s.bind(i++, static_cast<std::int64_t>(c.created_at));
      s.bind(i++, static_cast<std::int64_t>(c.created_at));
      s.bind(i++, c.id);
    });
  }
  std::string columns = qualified(k_run_columns, "r");
  std::string order = fmt::format(" ORDER BY {} DESC, {} DESC", time_col, id_col);
  if (kinds.size() > 1 && !filter.scenario_id) {
    // One page of each kind along runs_by_kind, merged: O(kinds x limit)
    // rows, where `kind IN (...)` would read every run of those kinds and
    // sort them.
    std::vector<std::string> pages;
    std::vector<std::function<void(Stmt&, int&)>> all_binds;
    for (const auto& kind : kinds) {
      std::vector<std::string> conditions = where;
      conditions.insert(conditions.begin(), "r.kind = ?");
      pages.push_back(fmt::format("SELECT id FROM (SELECT r.id FROM runs r WHERE {}{} LIMIT {}) AS page{}",
                                  fmt::join(conditions, " AND "), order, filter.limit + 1,
                                  pages.size()));
      all_binds.push_back([kind](Stmt& s, int& i) { s.bind(i++, kind); });
      all_binds.insert(all_binds.end(), binds.begin(), binds.end());
    }
    return ListQuery{fmt::format("SELECT {} FROM runs r WHERE r.id IN ({}){} LIMIT ?", columns,
                                 fmt::join(pages, " UNION ALL "), order),
                     std::move(all_binds)};
  }
  std::string sql = fmt::format("SELECT {} FROM {}", columns, from);
  if (!where.empty()) {
    sql += " WHERE " + fmt::format("{}", fmt::join(where, " AND "));
  }
  sql += order + " LIMIT ?";
  return ListQuery{std::move(sql), std::move(binds)};
}

std::string
artifacts_for_runs_sql(std::size_t run_count, std::size_t kind_count)
{
  std::string sql = fmt::format("SELECT {}, rowid FROM artifacts WHERE run_id IN ({})",
                                k_artifact_columns, placeholders(run_count));
  if (kind_count) sql += " AND kind IN (" + placeholders(kind_count) + ")";
  return sql;
}

std::string
metrics_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT run_id, scenario_id, name, value, samples FROM metrics WHERE run_id IN ({})",
                     placeholders(run_count));
}

std::string
cleanup_candidates_sql(bool finished_before, bool one_run)
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
scenarios_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT run_id, scenario_id FROM run_scenarios WHERE run_id IN ({})",
                     placeholders(run_count));
}

std::string
findings_for_runs_sql(std::size_t run_count)
{
  return fmt::format("SELECT {} FROM findings f WHERE f.run_id IN ({})", k_finding_columns,
                     placeholders(run_count));
}

std::string
trace_spans_for_runs_sql(std::size_t run_count)
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

} // namespace


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

// On SQLite both statements name their index: without ANALYZE statistics
// SQLite prefers runs_by_status (or runs_by_kind) and sorts, which would read
// every terminal run for a --limit 10 plan, or walk an index for a batch of
// ids. PostgreSQL has no such hint (its planner keeps statistics).

std::string
deletable_runs_sql(std::size_t status_count, bool kind, bool ended_by, Backend backend)
{
  return fmt::format("SELECT {} FROM runs{} WHERE {} "
                     "ORDER BY COALESCE(finished_at, created_at), id LIMIT ?",
                     k_run_columns,
                     backend == Backend::sqlite ? " INDEXED BY runs_by_retention" : "",
                     retention_conditions(status_count, kind, ended_by));
}

std::string
delete_runs_sql(std::size_t run_count, std::size_t status_count, bool kind, bool ended_by,
                Backend backend)
{
  // sqlite_autoindex_runs_1 is the primary key's index (id TEXT PRIMARY KEY).
  return fmt::format("DELETE FROM runs{} WHERE {} AND id IN ({}) RETURNING id",
                     backend == Backend::sqlite ? " INDEXED BY sqlite_autoindex_runs_1" : "",
                     retention_conditions(status_count, kind, ended_by), placeholders(run_count));
}

Result<std::string>
list_runs_sql(const RunFilter& filter)
{
  auto built = build_list_query(filter);
  if (!built) return Unexpected(built.error());
  return built->sql;
}

std::string
next_queued_run_sql(Backend backend)
{
  std::string sql = k_next_queued_run_sql;
  if (backend == Backend::postgres) {
    sql.insert(sql.size() - 1, " FOR UPDATE SKIP LOCKED");
  }
  return sql;
}

} // namespace hb::sql

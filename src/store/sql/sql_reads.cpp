// The SQLite store's readers: every one an indexed lookup (the query-plan
// test checks the statements of queries.hpp), lists paged by keyset.

#include "store/sql/sql_store.hpp"
#include "store/sql/batch_reads.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/rows.hpp"

#include <fmt/format.h>

namespace hb::sql {

namespace {

/// Binds `id` as the statement's one parameter.
auto
by_id(const std::string& id)
{
  return [&id](Stmt& s) { s.bind(1, id); };
}

/// Every row of `sql` with `id` bound, read by `read`.
template <class T, class Read>
Result<std::vector<T>>
rows_of(Db& db, std::string_view sql, const std::string& id, Read read)
{
  std::vector<T> out;
  auto ok = each_row(db, sql, by_id(id), [&](const Stmt& s) { out.push_back(read(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

} // namespace

Result<std::vector<Run>>
SqlStore::active_runs()
{
  std::vector<Run> out;
  auto ok = each_row(
    m_db, fmt::format("SELECT {} FROM runs WHERE {}", k_run_columns, k_active_runs_where),
    [](Stmt&) {}, [&](const Stmt& s) { out.push_back(read_run(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::vector<RunEvent>>
SqlStore::run_events(const std::string& run_id, std::int64_t after_seq, std::size_t limit)
{
  std::vector<RunEvent> out;
  auto ok = each_row(
    m_db, k_run_events_sql,
    [&](Stmt& s) { s.bind(1, run_id).bind(2, after_seq).bind(3, static_cast<std::int64_t>(limit)); },
    [&](const Stmt& s) {
      out.push_back(RunEvent{run_id, s.int64(0), s.int64(1), s.text(2), s.text(3)});
    });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::vector<RunEvent>>
SqlStore::events_after(const EventCursor& cursor, std::size_t limit)
{
  std::vector<RunEvent> out;
  auto ok = each_row(
    m_db, k_events_after_sql,
    [&](Stmt& s) {
      s.bind(1, cursor.at).bind(2, cursor.seq).bind(3, cursor.run_id)
        .bind(4, static_cast<std::int64_t>(limit));
    },
    [&](const Stmt& s) {
      out.push_back(RunEvent{s.text(0), s.int64(1), s.int64(2), s.text(3), s.text(4)});
    });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<EventCursor>
SqlStore::latest_event()
{
  EventCursor cursor;
  auto ok = each_row(
    m_db, k_latest_event_sql, [](Stmt&) {},
    [&](const Stmt& s) { cursor = EventCursor{s.int64(0), s.int64(1), s.text(2)}; });
  if (!ok) return Unexpected(ok.error());
  return cursor;
}

Result<std::optional<Run>>
SqlStore::get_run(const std::string& run_id)
{
  return first_row<Run>(m_db, fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns),
                        by_id(run_id), read_run);
}

Result<std::optional<std::string>>
SqlStore::resolve_run_id(const std::string& prefix)
{
  return resolve_prefix(m_db, "runs", "run", prefix);
}

Result<std::optional<std::string>>
SqlStore::resolve_finding_id(const std::string& prefix)
{
  return resolve_prefix(m_db, "findings", "finding", prefix);
}

Result<RunPage>
SqlStore::list_runs(const RunFilter& filter)
{
  auto built = build_list_query(filter);
  if (!built) return Unexpected(built.error());
  RunPage page;
  auto ok = each_row(
    m_db, built->sql,
    [&](Stmt& s) {
      int index = 1;
      for (auto& bind : built->binds) bind(s, index);
      s.bind(index, static_cast<std::int64_t>(filter.limit + 1));
    },
    [&](const Stmt& s) { page.runs.push_back(read_run(s)); });
  if (!ok) return Unexpected(ok.error());
  if (page.runs.size() > filter.limit) {
    page.runs.pop_back();
    page.next_cursor = encode_cursor(page.runs.back());
  }
  return page;
}

Result<std::vector<std::string>>
SqlStore::run_scenarios(const std::string& run_id)
{
  return rows_of<std::string>(
    m_db, "SELECT scenario_id FROM run_scenarios WHERE run_id = ? ORDER BY scenario_id", run_id,
    [](const Stmt& s) { return s.text(0); });
}

Result<std::vector<MetricRow>>
SqlStore::run_metrics(const std::string& run_id)
{
  return rows_of<MetricRow>(m_db,
                            "SELECT scenario_id, name, value, samples FROM metrics WHERE run_id = ? "
                            "ORDER BY scenario_id, name",
                            run_id, [](const Stmt& s) {
                              return MetricRow{s.text(0), s.text(1), s.real(2),
                                               decode_samples(s.blob(3))};
                            });
}

Result<std::vector<Artifact>>
SqlStore::run_artifacts(const std::string& run_id)
{
  return rows_of<Artifact>(
    m_db,
    fmt::format("SELECT {} FROM artifacts WHERE run_id = ? ORDER BY created_at, rowid",
                k_artifact_columns),
    run_id, read_artifact);
}

Result<std::optional<Artifact>>
SqlStore::get_artifact(const std::string& run_id, const std::string& artifact_id)
{
  return first_row<Artifact>(
    m_db, fmt::format("SELECT {} FROM artifacts WHERE run_id = ? AND id = ?", k_artifact_columns),
    [&](Stmt& s) { s.bind(1, run_id).bind(2, artifact_id); }, read_artifact);
}

Result<std::vector<Artifact>>
SqlStore::artifacts_for_runs(const std::vector<std::string>& run_ids,
                                const std::vector<std::string>& kinds)
{
  return sql::artifacts_for_runs(m_db, run_ids, kinds);
}

Result<std::vector<RunMetricRow>>
SqlStore::metrics_for_runs(const std::vector<std::string>& run_ids)
{
  return sql::metrics_for_runs(m_db, run_ids);
}

Result<std::vector<RunScenarioRow>>
SqlStore::scenarios_for_runs(const std::vector<std::string>& run_ids)
{
  return sql::scenarios_for_runs(m_db, run_ids);
}

Result<std::vector<Finding>>
SqlStore::findings_for_runs(const std::vector<std::string>& run_ids)
{
  return sql::findings_for_runs(m_db, run_ids);
}

Result<std::vector<TraceSpan>>
SqlStore::trace_spans_for_runs(const std::vector<std::string>& run_ids)
{
  return sql::trace_spans_for_runs(m_db, run_ids);
}

Result<void>
SqlStore::read_snapshot(const std::function<Result<void>()>& body)
{
  return m_db.read_transaction(body);
}

Result<std::vector<Finding>>
SqlStore::list_findings(const FindingFilter& filter)
{
  std::string sql = fmt::format("SELECT {} FROM findings f", k_finding_columns);
  std::vector<std::string> where;
  std::vector<std::string> values;
  if (filter.kind || filter.component_id || filter.rig_id || !filter.statuses.empty()) {
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
    where.push_back("r.status IN (" + placeholders(filter.statuses.size()) + ")");
    for (RunStatus status : filter.statuses) values.push_back(to_string(status));
  }
  if (filter.since) where.push_back("f.created_at >= ?");
  if (filter.until) where.push_back("f.created_at < ?");
  if (!where.empty()) sql += fmt::format(" WHERE {}", fmt::join(where, " AND "));
  sql += filter.run_id ? " ORDER BY f.created_at, f.id" : " ORDER BY f.created_at DESC, f.id DESC";
  sql += " LIMIT ?";
  std::vector<Finding> out;
  auto ok = each_row(
    m_db, sql,
    [&](Stmt& s) {
      int i = 1;
      for (const auto& value : values) s.bind(i++, value);
      if (filter.since) s.bind(i++, static_cast<std::int64_t>(*filter.since));
      if (filter.until) s.bind(i++, static_cast<std::int64_t>(*filter.until));
      s.bind(i, static_cast<std::int64_t>(filter.limit));
    },
    [&](const Stmt& s) { out.push_back(read_finding(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::optional<Finding>>
SqlStore::get_finding(const std::string& finding_id)
{
  return first_row<Finding>(
    m_db, fmt::format("SELECT {} FROM findings f WHERE f.id = ?", k_finding_columns),
    by_id(finding_id), read_finding);
}

} // namespace hb::sql

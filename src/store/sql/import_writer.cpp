// The reads and writes of a bundle import, with each statement prepared
// once: an import of 100,000 runs runs each of them that many times.

#include "store/sql/import_writer.hpp"
#include "store/sql/rows.hpp"

#include <fmt/format.h>

#include <optional>

namespace hb::sql {

namespace {

class SqlImportWriter final : public ImportWriter
{
public:
  explicit SqlImportWriter(Db& db) : m_db(db) {}

  Result<std::optional<Run>> find_run(const std::string& run_id) override
  {
    return find_one<Run>(m_find_run, fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns),
                         run_id, read_run);
  }

  Result<std::vector<std::string>> run_scenarios(const std::string& run_id) override
  {
    std::vector<std::string> out;
    auto ok = each(m_scenarios,
                   "SELECT scenario_id FROM run_scenarios WHERE run_id = ? ORDER BY scenario_id",
                   run_id, [&](const Stmt& s) { out.push_back(s.text(0)); });
    if (!ok) return Unexpected(ok.error());
    return out;
  }

  Result<std::vector<MetricRow>> run_metrics(const std::string& run_id) override
  {
    std::vector<MetricRow> out;
    auto ok = each(m_metrics,
                   "SELECT scenario_id, name, value, samples FROM metrics WHERE run_id = ? "
                   "ORDER BY scenario_id, name",
                   run_id, [&](const Stmt& s) {
                     out.push_back({s.text(0), s.text(1), s.real(2), decode_samples(s.blob(3))});
                   });
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
    auto stmt = statement(m_insert_run, insert_run_sql());
    if (!stmt) return Unexpected(stmt.error());
    bind_run(**stmt, run);
    if (auto ok = finish(**stmt); !ok) return ok;
    if (!scenario_ids.empty()) {
      auto scen = statement(m_insert_scenario, "INSERT INTO run_scenarios "
                                               "(scenario_id, created_at, run_id) VALUES (?, ?, ?) "
                                               "ON CONFLICT DO NOTHING");
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
        bind_samples(**met, 5, m.samples);
        if (auto ok = finish(**met); !ok) return ok;
      }
    }
    return {};
  }

  Result<void> insert_artifact(const Artifact& a) override
  {
    auto stmt = statement(m_insert_artifact, insert_artifact_sql());
    if (!stmt) return Unexpected(stmt.error());
    bind_artifact(**stmt, a, a.run_id);
    return finish(**stmt);
  }

  Result<void> insert_finding(const Finding& f) override
  {
    auto stmt = statement(m_insert_finding, k_insert_finding_sql);
    if (!stmt) return Unexpected(stmt.error());
    bind_finding(**stmt, f, f.run_id);
    return finish(**stmt);
  }

  Result<void> insert_trace_span(const TraceSpan& t) override
  {
    auto stmt = statement(m_insert_span, insert_trace_span_sql());
    if (!stmt) return Unexpected(stmt.error());
    bind_trace_span(**stmt, t);
    return finish(**stmt);
  }

  Result<void> insert_event(const RunEvent& e) override
  {
    auto stmt = statement(m_insert_event,
                          "INSERT INTO events (run_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)");
    if (!stmt) return Unexpected(stmt.error());
    (*stmt)->bind(1, e.run_id).bind(2, e.seq).bind(3, static_cast<std::int64_t>(e.at))
      .bind(4, e.type).bind(5, e.data_json);
    return finish(**stmt);
  }

  Result<void> insert_attempt(const RunAttempt& a) override
  {
    auto stmt = statement(m_insert_attempt, insert_attempt_sql());
    if (!stmt) return Unexpected(stmt.error());
    bind_attempt(**stmt, a);
    return finish(**stmt);
  }

private:
  /// The statement in `slot`, prepared from `sql` on first use.
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

  Result<void> each(std::optional<Stmt>& slot, const std::string& sql, const std::string& id,
                    const std::function<void(const Stmt&)>& fn)
  {
    auto stmt = statement(slot, sql);
    if (!stmt) return Unexpected(stmt.error());
    (*stmt)->bind(1, id);
    auto ok = each_row(**stmt, fn);
    (*stmt)->reset();
    return ok;
  }

  template <class T, class Read>
  Result<std::optional<T>> find_one(std::optional<Stmt>& slot, const std::string& sql,
                                    const std::string& id, Read read)
  {
    std::optional<T> out;
    auto ok = each(slot, sql, id, [&](const Stmt& s) {
      if (!out) out = read(s);
    });
    if (!ok) return Unexpected(ok.error());
    return out;
  }

  Db& m_db;
  std::optional<Stmt> m_find_run, m_scenarios, m_metrics, m_find_artifact, m_find_finding,
    m_find_span, m_insert_run, m_insert_scenario, m_insert_metric, m_insert_artifact,
    m_insert_finding, m_insert_span, m_insert_event, m_insert_attempt;
};

} // namespace

std::unique_ptr<ImportWriter>
make_import_writer(Db& db)
{
  return std::make_unique<SqlImportWriter>(db);
}

} // namespace hb::sql

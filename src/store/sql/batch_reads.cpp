// One shape for every reader of many runs: the batched lookup and the
// reordering are written once, each reader says only how to read a row and
// how its rows of one run are ordered.

#include "store/sql/batch_reads.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/rows.hpp"

#include <algorithm>
#include <functional>
#include <tuple>
#include <unordered_map>

namespace hb::sql {

namespace {

// Batches of run ids for `IN (...)` lists: well under SQLite's limit on
// bound parameters, each batch one indexed lookup per id.
constexpr std::size_t k_batch = 500;

/// The rows of `run_ids`, in the order of the ids and, within one run, in
/// the order of `within`. `sql(n)` is the statement for n ids; `extra` are
/// bound after them; `read` reads a row and `run_of` says whose it is.
template <class T, class Read, class RunOf, class Within>
Result<std::vector<T>>
rows_for_runs(Db& db, const std::vector<std::string>& run_ids,
              const std::function<std::string(std::size_t)>& sql,
              const std::vector<std::string>& extra, Read read, RunOf run_of, Within within)
{
  std::unordered_map<std::string_view, std::size_t> order;
  for (std::size_t i = 0; i < run_ids.size(); ++i) order.emplace(run_ids[i], i);
  std::vector<std::pair<std::size_t, T>> rows;
  for (std::size_t begin = 0; begin < run_ids.size(); begin += k_batch) {
    const std::size_t end = std::min(run_ids.size(), begin + k_batch);
    auto ok = each_row(
      db, sql(end - begin),
      [&](Stmt& stmt) {
        int index = 1;
        for (std::size_t i = begin; i < end; ++i) stmt.bind(index++, run_ids[i]);
        for (const auto& value : extra) stmt.bind(index++, value);
      },
      [&](const Stmt& s) {
        T row = read(s);
        const std::size_t run = order[run_of(row)];
        rows.emplace_back(run, std::move(row));
      });
    if (!ok) return Unexpected(ok.error());
  }
  std::sort(rows.begin(), rows.end(), [&](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first < y.first;
    return within(x.second, y.second);
  });
  std::vector<T> out;
  out.reserve(rows.size());
  for (auto& row : rows) out.push_back(std::move(row.second));
  return out;
}

/// A row with the table's rowid, for tables whose rows of one run keep
/// their insertion order.
template <class T>
struct WithRowid
{
  T value;
  std::int64_t rowid;
};

template <class T>
std::vector<T>
values(std::vector<WithRowid<T>>&& rows)
{
  std::vector<T> out;
  out.reserve(rows.size());
  for (auto& row : rows) out.push_back(std::move(row.value));
  return out;
}

} // namespace

Result<std::vector<Artifact>>
artifacts_for_runs(Db& db, const std::vector<std::string>& run_ids,
                   const std::vector<std::string>& kinds)
{
  using Row = WithRowid<Artifact>;
  auto rows = rows_for_runs<Row>(
    db, run_ids, [&](std::size_t n) { return artifacts_for_runs_sql(n, kinds.size()); }, kinds,
    [](const Stmt& s) { return Row{read_artifact(s), s.int64(12)}; },
    [](const Row& r) -> const std::string& { return r.value.run_id; },
    [](const Row& x, const Row& y) {
      return std::tie(x.value.created_at, x.rowid) < std::tie(y.value.created_at, y.rowid);
    });
  if (!rows) return Unexpected(rows.error());
  return values(std::move(*rows));
}

Result<std::vector<RunMetricRow>>
metrics_for_runs(Db& db, const std::vector<std::string>& run_ids)
{
  return rows_for_runs<RunMetricRow>(
    db, run_ids, metrics_for_runs_sql, {},
    [](const Stmt& s) {
      return RunMetricRow{s.text(0), {s.text(1), s.text(2), s.real(3), decode_samples(s.blob(4))}};
    },
    [](const RunMetricRow& r) -> const std::string& { return r.run_id; },
    [](const RunMetricRow& x, const RunMetricRow& y) {
      return std::tie(x.metric.scenario_id, x.metric.name) < std::tie(y.metric.scenario_id, y.metric.name);
    });
}

Result<std::vector<RunScenarioRow>>
scenarios_for_runs(Db& db, const std::vector<std::string>& run_ids)
{
  return rows_for_runs<RunScenarioRow>(
    db, run_ids, scenarios_for_runs_sql, {},
    [](const Stmt& s) { return RunScenarioRow{s.text(0), s.text(1)}; },
    [](const RunScenarioRow& r) -> const std::string& { return r.run_id; },
    [](const RunScenarioRow& x, const RunScenarioRow& y) { return x.scenario_id < y.scenario_id; });
}

Result<std::vector<Finding>>
findings_for_runs(Db& db, const std::vector<std::string>& run_ids)
{
  return rows_for_runs<Finding>(
    db, run_ids, findings_for_runs_sql, {}, read_finding,
    [](const Finding& f) -> const std::string& { return f.run_id; },
    [](const Finding& x, const Finding& y) {
      return std::tie(x.created_at, x.id) < std::tie(y.created_at, y.id);
    });
}

Result<std::vector<TraceSpan>>
trace_spans_for_runs(Db& db, const std::vector<std::string>& run_ids)
{
  using Row = WithRowid<TraceSpan>;
  auto rows = rows_for_runs<Row>(
    db, run_ids, trace_spans_for_runs_sql, {},
    [](const Stmt& s) { return Row{read_trace_span(s), s.int64(10)}; },
    [](const Row& r) -> const std::string& { return r.value.run_id; },
    [](const Row& x, const Row& y) { return x.rowid < y.rowid; });
  if (!rows) return Unexpected(rows.error());
  return values(std::move(*rows));
}

} // namespace hb::sql

// Every reader query is an indexed lookup: EXPLAIN QUERY PLAN of the SQL the
// store runs (list_runs for each filter, the batched artifact and metric
// lookups of the runs readers, runs cleanup's plan and DELETE) never shows a
// full scan of a table.

#include "store/sqlite/connection.hpp"
#include "store/sql/queries.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"

#include <algorithm>

#include <fmt/core.h>
#include <gtest/gtest.h>

using namespace hb;

namespace {

class QueryPlan : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-plan-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    auto path = m_dir->path() / "homeboy.sqlite";
    auto store = open_sqlite_store(path); // creates and migrates the schema
    ASSERT_TRUE(store) << store.error().message;
    store->reset();
    auto db = sqlite::open_connection(path);
    ASSERT_TRUE(db) << db.error().message;
    m_db.emplace(std::move(*db));
  }

  /// The plan's detail lines.
  std::vector<std::string> plan(const std::string& sql)
  {
    std::vector<std::string> lines;
    auto stmt = m_db->prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(stmt) << (stmt ? "" : stmt.error().message) << "\n" << sql;
    if (!stmt) return lines;
    while (true) {
      auto row = stmt->step();
      EXPECT_TRUE(row);
      if (!row || !*row) break;
      lines.push_back(stmt->text(3));
    }
    return lines;
  }

  void expect_indexed(const std::string& sql)
  {
    auto lines = plan(sql);
    ASSERT_FALSE(lines.empty()) << sql;
    std::string all;
    for (const auto& line : lines) all += "  " + line + "\n";
    for (const auto& line : lines) {
      // A scan of a subquery's result (a bounded page, named pageN when
      // aliased) is not a table's.
      bool scan = line.rfind("SCAN ", 0) == 0 && line.rfind("SCAN (subquery-", 0) != 0 &&
                  line.rfind("SCAN page", 0) != 0;
      EXPECT_FALSE(scan && line.find("INDEX") == std::string::npos)
        << "full table scan in the plan of\n  " << sql << "\nplan:\n" << all;
    }
  }

  std::optional<fs::TempDir> m_dir;
  std::optional<sql::Db> m_db;
};

RunFilter
with(void (*set)(RunFilter&))
{
  RunFilter f;
  set(f);
  return f;
}

} // namespace

TEST_F(QueryPlan, ListRunsUsesAnIndexForEveryFilter)
{
  std::vector<RunFilter> filters = {
    RunFilter{},
    with([](RunFilter& f) { f.kind = "bench"; }),
    with([](RunFilter& f) { f.component_id = "a"; }),
    with([](RunFilter& f) { f.rig_id = "r"; }),
    with([](RunFilter& f) { f.scenario_id = "s"; }),
    with([](RunFilter& f) { f.statuses = {RunStatus::succeeded}; }),
    with([](RunFilter& f) { f.statuses = {RunStatus::failed, RunStatus::timed_out}; }),
    with([](RunFilter& f) { f.since = 1; f.until = 2; }),
    with([](RunFilter& f) { f.after = "5:abc"; }),
    with([](RunFilter& f) {
      f.kind = "bench";
      f.component_id = "a";
      f.statuses = {RunStatus::succeeded};
      f.since = 1;
      f.after = "5:abc";
    }),
    with([](RunFilter& f) {
      f.scenario_id = "s";
      f.kind = "bench";
      f.rig_id = "r";
      f.until = 9;
    }),
  };
  for (const auto& filter : filters) {
    auto sql = sql::list_runs_sql(filter);
    ASSERT_TRUE(sql) << sql.error().message;
    expect_indexed(*sql);
  }
}

TEST_F(QueryPlan, SeveralKindsReadOnePageOfEachAlongTheKindIndex)
{
  for (const auto& filter :
       {with([](RunFilter& f) { f.kind = "bench,bench-job"; }),
        with([](RunFilter& f) {
          f.kind = "gh_actions,loop,trace";
          f.component_id = "a";
          f.after = "5:abc";
        })}) {
    auto sql = sql::list_runs_sql(filter);
    ASSERT_TRUE(sql) << sql.error().message;
    expect_indexed(*sql);
    // Each kind's page is a search along an index ordered by time (the
    // kind's, or the component's): no sort of all the kind's runs.
    int kind_pages = 0;
    for (const auto& line : plan(*sql)) {
      kind_pages += line.find("runs_by_kind") != std::string::npos
                    || line.find("runs_by_component") != std::string::npos;
    }
    EXPECT_EQ(kind_pages, static_cast<int>(std::count(filter.kind->begin(), filter.kind->end(), ',') + 1))
      << *sql;
  }
}

TEST_F(QueryPlan, BatchedArtifactLookupsUseTheRunIndex)
{
  for (std::size_t runs : {1u, 2u, 500u}) {
    for (std::size_t kinds : {0u, 1u, 3u}) {
      std::string sql = sql::artifacts_for_runs_sql(runs, kinds);
      expect_indexed(sql);
      bool uses_run_index = false;
      for (const auto& line : plan(sql)) {
        uses_run_index |= line.find("artifacts_by_run") != std::string::npos;
      }
      EXPECT_TRUE(uses_run_index) << sql;
    }
  }
}

TEST_F(QueryPlan, BatchedMetricLookupsUseThePrimaryKey)
{
  for (std::size_t runs : {1u, 500u}) {
    std::string sql = sql::metrics_for_runs_sql(runs);
    expect_indexed(sql);
    for (const auto& line : plan(sql)) {
      EXPECT_NE(line.find("SEARCH"), std::string::npos) << line;
    }
  }
}

TEST_F(QueryPlan, CleanupCandidatesGoThroughTheStatusAndRunIndexes)
{
  for (bool before : {false, true}) {
    for (bool one_run : {false, true}) {
      expect_indexed(sql::cleanup_candidates_sql(before, one_run));
    }
  }
}

TEST_F(QueryPlan, BatchedScenarioFindingAndSpanLookupsUseTheRunIndexes)
{
  for (std::size_t runs : {1u, 500u}) {
    std::vector<std::pair<std::string, const char*>> cases = {
      {sql::scenarios_for_runs_sql(runs), "run_scenarios_by_run"},
      {sql::findings_for_runs_sql(runs), "findings_by_run"},
      {sql::trace_spans_for_runs_sql(runs), "trace_spans_by_run"},
    };
    for (const auto& [sql, index] : cases) {
      expect_indexed(sql);
      bool uses_index = false;
      for (const auto& line : plan(sql)) uses_index |= line.find(index) != std::string::npos;
      EXPECT_TRUE(uses_index) << sql;
    }
  }
}

TEST_F(QueryPlan, RegistryLookupsUseTheStatusIndexAndTheEventKey)
{
  auto claim = std::string("SELECT * FROM runs WHERE id = ") + sql::k_next_queued_run_sql;
  expect_indexed(claim);
  bool by_status = false;
  for (const auto& line : plan(claim)) by_status |= line.find("runs_by_status") != std::string::npos;
  EXPECT_TRUE(by_status) << claim;
  // The claim must not sort: the index gives the oldest queued run first.
  for (const auto& line : plan(claim)) EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << line;

  expect_indexed(std::string("SELECT id FROM runs WHERE ") + sql::k_active_runs_where);
  expect_indexed(sql::k_run_events_sql);
  expect_indexed(sql::k_events_after_sql);
  for (const auto& line : plan(sql::k_events_after_sql)) {
    EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << line;
  }
  for (const auto& line : plan(sql::k_latest_event_sql)) {
    EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << line;
  }
}

TEST_F(QueryPlan, RunCleanupPlanAndDeleteNeverScanRuns)
{
  for (std::size_t statuses : {0u, 1u, 4u}) {
    for (bool kind : {false, true}) {
      for (bool ended_by : {false, true}) {
        expect_indexed(sql::deletable_runs_sql(statuses, kind, ended_by));
        for (std::size_t runs : {1u, 200u}) {
          // Each id of the batch is a primary-key lookup.
          const std::string sql = sql::delete_runs_sql(runs, statuses, kind, ended_by);
          expect_indexed(sql);
          bool by_key = false;
          for (const auto& line : plan(sql)) {
            by_key |= line.find("sqlite_autoindex_runs_1") != std::string::npos;
          }
          EXPECT_TRUE(by_key) << sql;
        }
      }
    }
  }
  // Unfiltered, the plan walks the partial index in its order: no sort, so
  // --limit N reads N rows whatever the number of protected runs.
  std::string all;
  for (const auto& line : plan(sql::deletable_runs_sql(0, false, true))) all += line + "\n";
  EXPECT_NE(all.find("runs_by_retention"), std::string::npos) << all;
  EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << all;
}

TEST_F(QueryPlan, DeletingARunCascadesThroughRunIndexes)
{
  // What ON DELETE CASCADE runs for each child table: one indexed lookup by
  // run id (EXPLAIN QUERY PLAN does not show foreign-key actions).
  for (const char* table :
       {"artifacts", "findings", "trace_spans", "run_scenarios", "metrics", "events"}) {
    const std::string sql = fmt::format("DELETE FROM {} WHERE run_id = ?", table);
    expect_indexed(sql);
    for (const auto& line : plan(sql)) {
      EXPECT_NE(line.find("SEARCH"), std::string::npos) << sql << ": " << line;
    }
  }
}

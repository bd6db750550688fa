// What only the PostgreSQL backend has: a server to reach (unreachable, a
// password in the URL), connections the server can cut, its schema version
// in homeboy_schema, and its planner (every reader's query can be served by
// an index). Runs only against the test server (`pg.` in ctest); the
// behaviour both backends share is the conformance suite.

#include "store/postgres/connection.hpp"
#include "store/postgres/schema.hpp"
#include "store/sql/queries.hpp"
#include "store/store.hpp"
#include "support/test_store.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <chrono>

using namespace hb;

namespace {

class Postgres : public ::testing::Test
{
protected:
  void SetUp() override
  {
    ASSERT_TRUE(test::on_postgres()) << "run through ctest (pg.*): it starts the test server";
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    // An application name of its own, so cutting "other connections" never
    // reaches the tests running beside this one.
    m_app = "hb_" + name.substr(0, 40);
    m_url = test::test_store_url(name) + "&application_name=" + m_app;
    auto store = open_postgres_store(m_url);
    ASSERT_TRUE(store) << store.error().message;
    m_store = std::move(*store);
    auto db = postgres::open_connection(m_url);
    ASSERT_TRUE(db) << db.error().message;
    m_db.emplace(std::move(*db));
  }

  hb::Run make_run(TimeMs created)
  {
    hb::Run run;
    run.id = new_uuid_v4();
    run.kind = "task";
    run.status = RunStatus::queued;
    run.created_at = created;
    return run;
  }

  /// Ends every other session of this database, as an administrator or a
  /// server restart would.
  void cut_other_connections()
  {
    ASSERT_TRUE(m_db->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                           "datname = current_database() AND pid <> pg_backend_pid() AND "
                           "application_name = '" + m_app + "'"));
  }

  std::string m_app;
  std::string m_url;
  std::unique_ptr<Store> m_store;
  std::optional<sql::Db> m_db;
};

} // namespace

TEST_F(Postgres, MigrationIsIdempotentAndANewerSchemaIsRefused)
{
  auto again = open_postgres_store(m_url);
  ASSERT_TRUE(again) << again.error().message;
  auto version = postgres::stored_version(*m_db);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, postgres::schema_version());
  ASSERT_TRUE(m_db->exec(
    fmt::format("UPDATE homeboy_schema SET version = {}", postgres::schema_version() + 1)));
  auto newer = open_postgres_store(m_url);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, "store.too_new");
  EXPECT_NE(newer.error().message.find(fmt::format("schema version {}", postgres::schema_version() + 1)),
            std::string::npos)
    << newer.error().message;
  EXPECT_NE(newer.error().message.find("refuses to write"), std::string::npos);
}

TEST_F(Postgres, AnUnreachableServerIsAClearErrorNamingIt)
{
  // Port 1 on the loopback: nothing listens, so the refusal is immediate.
  auto store = open_postgres_store("postgres://homeboy@127.0.0.1:1/homeboy");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, "store.unavailable");
  EXPECT_NE(store.error().message.find("postgres://homeboy@127.0.0.1:1/homeboy"), std::string::npos)
    << store.error().message;
  EXPECT_NE(store.error().message.find("check that the server runs"), std::string::npos);
}

TEST_F(Postgres, AnUnknownRoleIsAClearError)
{
  std::string url = m_url;
  url.replace(url.find("homeboy@"), 8, "nobody_here@");
  auto store = open_postgres_store(url);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, "store.unavailable");
  EXPECT_NE(store.error().message.find("nobody_here"), std::string::npos) << store.error().message;
}

TEST_F(Postgres, APasswordInTheUrlIsRefused)
{
  auto store = open_postgres_store("postgres://homeboy:secret@127.0.0.1:1/homeboy");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, "config.invalid");
  EXPECT_NE(store.error().message.find("PGPASSFILE"), std::string::npos);
  EXPECT_EQ(store.error().message.find("secret"), std::string::npos) << "the password is not echoed";
}

TEST_F(Postgres, AWriteAfterTheServerCutTheConnectionReconnectsAndLands)
{
  hb::Run first = make_run(1000);
  ASSERT_TRUE(m_store->insert_run(first));
  cut_other_connections();
  hb::Run second = make_run(2000);
  auto inserted = m_store->insert_run(second);
  ASSERT_TRUE(inserted) << inserted.error().message;
  cut_other_connections();
  auto read = m_store->get_run(second.id);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_TRUE(read->has_value());
  // A claim after a cut: the run goes to the claimer exactly once.
  cut_other_connections();
  auto claimed = m_store->claim_run("host-a", 3000, std::nullopt);
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((*claimed)->id, first.id);
  EXPECT_EQ((*claimed)->lease_epoch, 1);
}

TEST_F(Postgres, EveryReaderQueryCanBeServedByAnIndex)
{
  // With sequential scans priced out, the planner still scans a table only
  // when no index serves the query: the check EXPLAIN QUERY PLAN makes on
  // SQLite (query_plan_test.cpp).
  ASSERT_TRUE(m_db->exec("SET enable_seqscan = off"));
  auto expect_indexed = [&](const std::string& sql) {
    auto stmt = m_db->prepare("EXPLAIN " + sql);
    ASSERT_TRUE(stmt) << sql;
    std::string plan;
    // EXPLAIN needs its parameters bound; NULL serves every type.
    for (int i = 1; i <= 64; ++i) stmt->bind_null(i);
    while (true) {
      auto row = stmt->step();
      ASSERT_TRUE(row) << row.error().message << "\n" << sql;
      if (!*row) break;
      plan += stmt->text(0) + "\n";
    }
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << sql << "\n" << plan;
  };
  for (const char* kind : {"bench", "bench,comparison"}) {
    RunFilter filter;
    filter.kind = kind;
    auto sql = sql::list_runs_sql(filter);
    ASSERT_TRUE(sql);
    expect_indexed(*sql);
  }
  RunFilter by_status;
  by_status.statuses = {RunStatus::running};
  expect_indexed(*sql::list_runs_sql(by_status));
  expect_indexed(*sql::list_runs_sql(RunFilter{}));
  expect_indexed(sql::artifacts_for_runs_sql(3, 1));
  expect_indexed(sql::metrics_for_runs_sql(3));
  expect_indexed(sql::scenarios_for_runs_sql(3));
  expect_indexed(sql::findings_for_runs_sql(3));
  expect_indexed(sql::trace_spans_for_runs_sql(3));
  // The claim's pick, its `now` (?3) written out: alone it has no type.
  std::string claim = sql::next_queued_run_sql(sql::Backend::postgres);
  claim.replace(claim.find("?3"), 2, "0");
  expect_indexed("SELECT * FROM runs WHERE id = " + claim);
  expect_indexed(std::string("SELECT id FROM runs WHERE ") + sql::k_active_runs_where);
  expect_indexed(sql::k_run_events_sql);
  expect_indexed(sql::k_events_after_sql);
  expect_indexed(sql::k_latest_event_sql);
  expect_indexed(sql::deletable_runs_sql(0, true, true, sql::Backend::postgres));
  expect_indexed(sql::delete_runs_sql(3, 0, true, true, sql::Backend::postgres));
}

TEST_F(Postgres, ATransactionWhoseConnectionIsCutMidwayIsRetriedWholeAndLandsOnce)
{
  // As a server restart in the middle of a bundle import would: the first
  // attempt's connection ends after its first insert; the transaction rolls
  // back and runs again on a new connection.
  hb::Run first = make_run(1000);
  hb::Run second = make_run(2000);
  int attempts = 0;
  auto done = m_store->import_transaction([&](ImportWriter& w) -> Result<void> {
    ++attempts;
    if (auto ok = w.insert_run(first, {"s"}, {{"s", "p95_ms", 1.0, {1.0, 2.0}}}); !ok) return ok;
    if (attempts == 1) cut_other_connections();
    return w.insert_run(second, {}, {});
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(attempts, 2);
  RunFilter all;
  all.limit = 10;
  auto listed = m_store->list_runs(all);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->runs.size(), 2u);
  auto metrics = m_store->run_metrics(first.id);
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].samples, (std::vector<double>{1.0, 2.0}));
}

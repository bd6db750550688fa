// What only the PostgreSQL backend has: a server to reach (unreachable, a
// password in the URL), connections the server can cut, its schema version
// in homeboy_schema, and its planner (every reader's query can be served by
// an index). Runs only against the test server (`pg.` in ctest); the
// behaviour both backends share is the conformance suite.

#include "store/postgres/connection.hpp"
#include "store/postgres/listener.hpp"
#include "store/postgres/schema.hpp"
#include "store/postgres/session.hpp"
#include "store/sql/queries.hpp"
#include "store/store.hpp"
#include "support/scoped_env.hpp"
#include "support/test_store.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <poll.h>

using namespace hb;

using hb::test::ScopedEnv;

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

namespace {

/// The test server's loopback URL (scripts/pg-test-server writes it next
/// to the socket URL), with `user` instead of homeboy.
std::string
tcp_url(const std::string& user)
{
  std::ifstream in(std::filesystem::path(test::postgres_url_file()).parent_path() / "tcp_url");
  std::string url;
  std::getline(in, url);
  EXPECT_FALSE(url.empty()) << "no tcp_url beside the test server's url file";
  return url.empty() ? url : url.replace(url.find("homeboy@"), 8, user + "@");
}

std::string
current_user(postgres::Session& session)
{
  auto outcome = session.exec("SELECT current_user");
  EXPECT_TRUE(outcome.ok) << outcome.message;
  return outcome.ok && outcome.rows == 1 ? std::string(outcome.value(0, 0)) : "";
}

} // namespace

TEST_F(Postgres, TheBuiltInClientServesTheStoreAndLeavesTlsToLibpq)
{
  ScopedEnv forced("HOMEBOY_PG_CLIENT", nullptr);
  auto session = postgres::open_session(m_url, "hb_client_test");
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_STREQ((*session)->client(), "built-in");
  EXPECT_EQ(current_user(**session), "homeboy");
  // Rows, NULLs, bytea and a completion count through the extended protocol.
  postgres::Params params;
  params.values = {std::string("\x00\x01\xff", 3), std::nullopt};
  params.types = {17, 0};
  params.formats = {1, 0};
  auto rows = (*session)->execute("", "SELECT $1::bytea, $2::text, n FROM generate_series(1, 3) AS n", params);
  ASSERT_TRUE(rows.ok) << rows.message;
  EXPECT_EQ(rows.rows, 3);
  EXPECT_EQ(rows.changes, 3);
  EXPECT_EQ(postgres::unescape_bytea(rows.value(2, 0)), std::string("\x00\x01\xff", 3));
  EXPECT_TRUE(rows.is_null(2, 1));
  EXPECT_EQ(rows.value(2, 2), "3");
  // An error keeps the session usable, with its SQLSTATE.
  auto missing = (*session)->exec("SELECT * FROM no_such_table");
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.sqlstate, "42P01");
  EXPECT_NE(missing.message.find("no_such_table"), std::string::npos);
  EXPECT_TRUE((*session)->ok());

  // TLS demanded over TCP: libpq's, which finds this server has none.
  auto tls = postgres::open_session(tcp_url("homeboy") + "?sslmode=require", "hb_client_test");
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().message.find("SSL"), std::string::npos) << tls.error().message;

  ScopedEnv libpq("HOMEBOY_PG_CLIENT", "libpq");
  auto through_libpq = postgres::open_session(m_url, "hb_client_test");
  ASSERT_TRUE(through_libpq) << through_libpq.error().message;
  EXPECT_STREQ((*through_libpq)->client(), "libpq");
  EXPECT_EQ(current_user(**through_libpq), "homeboy");
}

TEST_F(Postgres, PasswordsByMd5AndScramFromThePasswordFileEitherClient)
{
  // Roles are the cluster's: the libpq pass may create them at the same time.
  for (const char* role : {"hb_md5", "hb_scram", "hb_scram_utf8"}) {
    ASSERT_TRUE(m_db->exec(fmt::format("DO $$BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN "
                                       "duplicate_object OR unique_violation THEN NULL; END$$",
                                       role)));
  }
  ASSERT_TRUE(m_db->exec("SET password_encryption = 'md5'"));
  ASSERT_TRUE(m_db->exec("ALTER ROLE hb_md5 PASSWORD 'md5:secret'"));
  ASSERT_TRUE(m_db->exec("SET password_encryption = 'scram-sha-256'"));
  ASSERT_TRUE(m_db->exec("ALTER ROLE hb_scram PASSWORD 'scram secret'"));
  ASSERT_TRUE(m_db->exec("ALTER ROLE hb_scram_utf8 PASSWORD 'p\u00e4ssw\u00f6rd'"));
  auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-pgpass");
  ASSERT_TRUE(dir);
  const auto passfile = dir->path() / "pgpass";
  auto write_passfile = [&](const std::string& scram_password) {
    std::ofstream(passfile) << "*:*:*:hb_md5:md5\\:secret\n127.0.0.1:*:*:hb_scram:" << scram_password
                            << "\n127.0.0.1:*:*:hb_scram_utf8:p\u00e4ssw\u00f6rd\n";
    std::filesystem::permissions(passfile, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  };
  write_passfile("scram secret");
  ScopedEnv file("PGPASSFILE", passfile.c_str());
  ScopedEnv password("PGPASSWORD", nullptr);
  std::string md5_url = m_url;
  md5_url.replace(md5_url.find("homeboy@"), 8, "hb_md5@");
  const std::string scram_url = tcp_url("hb_scram") + "?sslmode=prefer";
  for (const char* client : {"built-in", "libpq"}) {
    ScopedEnv forced("HOMEBOY_PG_CLIENT", std::string(client) == "libpq" ? "libpq" : nullptr);
    auto md5 = postgres::open_session(md5_url, "hb_client_test");
    ASSERT_TRUE(md5) << client << ": " << md5.error().message;
    EXPECT_STREQ((*md5)->client(), client);
    EXPECT_EQ(current_user(**md5), "hb_md5");
    auto scram = postgres::open_session(scram_url, "hb_client_test");
    ASSERT_TRUE(scram) << client << ": " << scram.error().message;
    EXPECT_STREQ((*scram)->client(), client);
    EXPECT_EQ(current_user(**scram), "hb_scram");
  }
  // A non-ASCII password: SCRAM normalizes it first (SASLprep), which the
  // built-in client leaves to libpq.
  {
    ScopedEnv unforced("HOMEBOY_PG_CLIENT", nullptr);
    auto utf8 = postgres::open_session(tcp_url("hb_scram_utf8") + "?sslmode=prefer", "hb_client_test");
    ASSERT_TRUE(utf8) << utf8.error().message;
    EXPECT_STREQ((*utf8)->client(), "libpq");
    EXPECT_EQ(current_user(**utf8), "hb_scram_utf8");
  }
  // A wrong password is the server's refusal, worded as libpq words it,
  // and the store's error says where to look.
  write_passfile("not it");
  auto wrong = postgres::open_session(scram_url, "hb_client_test");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("password authentication failed for user \"hb_scram\""),
            std::string::npos)
    << wrong.error().message;
  auto store = open_postgres_store(scram_url);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("PGPASSFILE or ~/.pgpass"), std::string::npos) << store.error().message;
  std::filesystem::remove(passfile);
  auto none = postgres::open_session(md5_url, "hb_client_test");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no password supplied"), std::string::npos) << none.error().message;
}

TEST_F(Postgres, AnUnreachableTcpServerIsNamed)
{
  ScopedEnv forced("HOMEBOY_PG_CLIENT", nullptr);
  auto refused = postgres::open_session("postgres://homeboy@127.0.0.1:1/homeboy", "hb_client_test");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("connection to server at \"127.0.0.1\", port 1 failed"),
            std::string::npos)
    << refused.error().message;
  // 192.0.2.1 (TEST-NET-1) is never routed: the connect_timeout (or the
  // network's refusal) ends it, naming the address.
  auto silent = postgres::open_session("postgres://homeboy@192.0.2.1:5432/homeboy?connect_timeout=2", "t");
  ASSERT_FALSE(silent);
  EXPECT_NE(silent.error().message.find("connection to server at \"192.0.2.1\", port 5432 failed"),
            std::string::npos)
    << silent.error().message;
}

TEST_F(Postgres, TheListenerWakesOnARunChangeAndComesBackAfterACut)
{
  for (const char* client : {"built-in", "libpq"}) {
    ScopedEnv forced("HOMEBOY_PG_CLIENT", std::string(client) == "libpq" ? "libpq" : nullptr);
    auto listener = postgres::listen(m_url);
    ASSERT_TRUE(listener) << client << ": " << listener.error().message;
    auto woken_within = [&](int ms) {
      pollfd p{(*listener)->fd(), POLLIN, 0};
      return p.fd >= 0 && ::poll(&p, 1, ms) == 1 && (*listener)->drain();
    };
    // (No "nothing yet" check: the channel is the database's, and the tests
    // beside this one write runs in their own schemas.)
    ASSERT_TRUE(m_store->insert_run(make_run(1000)));
    EXPECT_TRUE(woken_within(10000)) << client << ": the insert's NOTIFY";
    // The server ends the listener's session: the next drain finds it lost,
    // the one after reconnects and counts as a wake.
    cut_other_connections();
    bool lost = false;
    for (int i = 0; i < 100 && !lost; ++i) {
      // The server's FATAL message and its hang-up may come apart, and the
      // tests beside this one may notify meanwhile (the channel is shared).
      pollfd p{(*listener)->fd(), POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, 10000), 1) << client << ": the cut is readable";
      (void)(*listener)->drain();
      lost = (*listener)->fd() == -1;
    }
    ASSERT_TRUE(lost) << client << ": the listener saw its session end";
    EXPECT_TRUE((*listener)->drain()) << client << ": reconnected";
    ASSERT_TRUE(m_store->insert_run(make_run(2000)));
    EXPECT_TRUE(woken_within(10000)) << client << ": notifications after the reconnect";
  }
}

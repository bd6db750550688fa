// The store's conformance suite (tests/support/test_store.hpp: run on
// SQLite and on PostgreSQL): inserts, compare-and-set settling with its
// evidence, keyset paging and every list filter, and concurrent writers.

#include "store/store.hpp"
#include "support/store_fixture.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <thread>

using namespace hb;
using StoreTest = test::StoreTest;

TEST_F(StoreTest, InsertSettleAndReadBack)
{
  hb::Run run = make_run("bench", "demo", 1000);
  run.git_sha = "abc";
  ASSERT_TRUE(m_store->insert_run(run));

  RunOutcome outcome;
  outcome.status = RunStatus::succeeded;
  outcome.exit_code = 0;
  outcome.finished_at = 2000;
  outcome.metadata_json = R"({"iterations":3})";
  outcome.scenario_ids = {"cold", "warm"};
  outcome.metrics = {{"cold", "p95_ms", 12.5, {12, 13, 12.5}}, {"warm", "p95_ms", 3, {}}};
  Artifact a;
  a.id = "art-1";
  a.kind = "bench_results";
  a.type = "file";
  a.path = "/x/bench-results.json";
  a.size_bytes = 42;
  a.created_at = 2000;
  outcome.artifacts = {a};
  Finding f;
  f.id = "f-1";
  f.tool = "budget";
  f.rule = "bench.gate.p95_ms";
  f.severity = "error";
  f.message = "gate failed";
  f.created_at = 2000;
  outcome.findings = {f};
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, 0, outcome));

  auto got = m_store->get_run(run.id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, RunStatus::succeeded);
  EXPECT_EQ((*got)->finished_at, 2000);
  EXPECT_EQ((*got)->git_sha, "abc");
  EXPECT_EQ((*got)->metadata_json, R"({"iterations":3})");
  auto metrics = m_store->run_metrics(run.id);
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_EQ((*metrics)[0].samples, (std::vector<double>{12, 13, 12.5}));
  EXPECT_TRUE((*metrics)[1].samples.empty());
  auto artifacts = m_store->run_artifacts(run.id);
  ASSERT_TRUE(artifacts);
  ASSERT_EQ(artifacts->size(), 1u);
  EXPECT_EQ((*artifacts)[0].size_bytes, 42u);
  FindingFilter ff;
  ff.run_id = run.id;
  auto findings = m_store->list_findings(ff);
  ASSERT_TRUE(findings);
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ((*findings)[0].rule, "bench.gate.p95_ms");
  auto scen = m_store->run_scenarios(run.id);
  EXPECT_EQ(*scen, (std::vector<std::string>{"cold", "warm"}));
}

TEST_F(StoreTest, SettleIsCompareAndSet)
{
  hb::Run run = make_run("bench", "demo", 1000);
  ASSERT_TRUE(m_store->insert_run(run));
  RunOutcome done;
  done.status = RunStatus::failed;
  done.finished_at = 1;
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, 0, done));
  done.status = RunStatus::succeeded;
  auto again = m_store->settle_run(run.id, RunStatus::running, 0, done);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "store.conflict")
    << "running->succeeded is legal, but the row is no longer running";
  EXPECT_EQ((*m_store->get_run(run.id))->status, RunStatus::failed);
}

TEST_F(StoreTest, StaleEpochCannotWrite)
{
  hb::Run run = make_run("task", "", 1000);
  run.lease_epoch = 2;
  ASSERT_TRUE(m_store->insert_run(run));
  RunOutcome done;
  done.status = RunStatus::succeeded;
  auto stale = m_store->settle_run(run.id, RunStatus::running, 1, done);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, "store.conflict");
  auto got = m_store->get_run(run.id);
  EXPECT_EQ((*got)->status, RunStatus::running);
}

TEST_F(StoreTest, TerminalRunsNeverMove)
{
  hb::Run run = make_run("bench", "", 1);
  ASSERT_TRUE(m_store->insert_run(run));
  RunOutcome done;
  done.status = RunStatus::cancelled;
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, 0, done));
  auto moved = m_store->settle_run(run.id, RunStatus::cancelled, 0, done);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, "store.invalid_transition");
}

TEST_F(StoreTest, DuplicateIdIsAConflict)
{
  hb::Run run = make_run("bench", "demo", 1);
  ASSERT_TRUE(m_store->insert_run(run));
  auto dup = m_store->insert_run(run);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "store.conflict");
}

TEST_F(StoreTest, ListNewestFirstWithFiltersAndPaging)
{
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    hb::Run run = make_run(i % 2 ? "bench" : "task", i % 3 ? "a" : "b", 1000 + i);
    ids.push_back(run.id);
    ASSERT_TRUE(m_store->insert_run(run));
    if (i % 5 == 0) {
      RunOutcome o;
      o.status = RunStatus::succeeded;
      o.scenario_ids = {"cold"};
      ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, 0, o));
    }
  }
  RunFilter f;
  f.limit = 10;
  auto page1 = m_store->list_runs(f);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->runs.size(), 10u);
  EXPECT_EQ(page1->runs[0].id, ids[24]);
  ASSERT_TRUE(page1->next_cursor);
  f.after = page1->next_cursor;
  auto page2 = m_store->list_runs(f);
  EXPECT_EQ(page2->runs[0].id, ids[14]);
  f.after = page2->next_cursor;
  auto page3 = m_store->list_runs(f);
  EXPECT_EQ(page3->runs.size(), 5u);
  EXPECT_FALSE(page3->next_cursor);

  RunFilter kind;
  kind.kind = "bench";
  kind.limit = 100;
  EXPECT_EQ(m_store->list_runs(kind)->runs.size(), 12u);
  RunFilter comp;
  comp.component_id = "b";
  comp.limit = 100;
  EXPECT_EQ(m_store->list_runs(comp)->runs.size(), 9u);
  RunFilter status;
  status.statuses = {RunStatus::succeeded};
  status.limit = 100;
  EXPECT_EQ(m_store->list_runs(status)->runs.size(), 5u);
  RunFilter scen;
  scen.scenario_id = "cold";
  scen.limit = 2;
  auto sp = m_store->list_runs(scen);
  ASSERT_EQ(sp->runs.size(), 2u);
  EXPECT_EQ(sp->runs[0].id, ids[20]);
  scen.after = sp->next_cursor;
  EXPECT_EQ(m_store->list_runs(scen)->runs.size(), 2u);
  RunFilter window;
  window.since = 1010;
  window.until = 1015;
  window.limit = 100;
  EXPECT_EQ(m_store->list_runs(window)->runs.size(), 5u);
}

TEST_F(StoreTest, SeveralKindsListNewestFirstAndPageAcrossThem)
{
  std::vector<std::string> wanted; // newest first
  for (int i = 0; i < 30; ++i) {
    const char* kind = i % 3 == 0 ? "bench" : i % 3 == 1 ? "task" : "rig";
    hb::Run run = make_run(kind, "a", 1000 + i);
    ASSERT_TRUE(m_store->insert_run(run));
    if (i % 3 != 1) wanted.insert(wanted.begin(), run.id);
  }
  RunFilter f;
  f.kind = "rig,bench";
  f.limit = 7;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto got = m_store->list_runs(f);
    ASSERT_TRUE(got) << got.error().message;
    for (const auto& r : got->runs) seen.push_back(r.id);
    if (!got->next_cursor) break;
    f.after = got->next_cursor;
  }
  EXPECT_EQ(seen, wanted); // 20 runs in 3 pages, in order, none twice
  RunFilter none;
  none.kind = "comparison,loop";
  EXPECT_TRUE(m_store->list_runs(none)->runs.empty());
}

TEST_F(StoreTest, BadCursorIsAnError)
{
  RunFilter f;
  f.after = "garbage";
  auto page = m_store->list_runs(f);
  ASSERT_FALSE(page);
  EXPECT_NE(page.error().message.find("cursor"), std::string::npos);
}

TEST_F(StoreTest, ResolvesUniquePrefixes)
{
  hb::Run a = make_run("bench", "", 1);
  a.id = "abcd1111-0000-4000-8000-000000000000";
  hb::Run b = make_run("bench", "", 2);
  b.id = "abcd2222-0000-4000-8000-000000000000";
  ASSERT_TRUE(m_store->insert_run(a));
  ASSERT_TRUE(m_store->insert_run(b));
  EXPECT_EQ(**m_store->resolve_run_id("abcd1"), a.id);
  EXPECT_FALSE(m_store->resolve_run_id("abcd"));
  EXPECT_FALSE(m_store->resolve_run_id("ffff")->has_value());
}

TEST_F(StoreTest, ConcurrentWritersAllLand)
{
  constexpr int k_threads = 4;
  constexpr int k_runs = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      auto store = test::open_test_store(path());
      ASSERT_TRUE(store);
      for (int i = 0; i < k_runs; ++i) {
        hb::Run run = make_run("bench", "c" + std::to_string(t), i);
        ASSERT_TRUE((*store)->insert_run(run));
        RunOutcome o;
        o.status = RunStatus::succeeded;
        o.scenario_ids = {"s"};
        ASSERT_TRUE((*store)->settle_run(run.id, RunStatus::running, 0, o));
      }
    });
  }
  for (auto& th : threads) th.join();
  RunFilter f;
  f.limit = 1000;
  EXPECT_EQ(m_store->list_runs(f)->runs.size(), static_cast<size_t>(k_threads * k_runs));
}

TEST_F(StoreTest, BatchedArtifactAndMetricLookupsKeepTheGivenRunOrder)
{
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    hb::Run run = make_run("bench", "demo", 1000 + i);
    ids.push_back(run.id);
    ASSERT_TRUE(m_store->insert_run(run));
    RunOutcome o;
    o.status = RunStatus::succeeded;
    o.metrics = {{"s", "p95_ms", 10.0 + i, {}}, {"a", "mean_ms", 1.0 + i, {1, 2}}};
    for (int k = 0; k < 2; ++k) {
      Artifact a;
      a.id = fmt::format("art-{}-{}", i, k);
      a.kind = k ? "log" : "bench_results";
      a.type = "file";
      a.path = "/x";
      a.created_at = 2000 + k;
      o.artifacts.push_back(a);
    }
    ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, 0, o));
  }
  std::vector<std::string> order = {ids[2], ids[0]};
  auto artifacts = m_store->artifacts_for_runs(order);
  ASSERT_TRUE(artifacts);
  ASSERT_EQ(artifacts->size(), 4u);
  EXPECT_EQ((*artifacts)[0].id, "art-2-0");
  EXPECT_EQ((*artifacts)[1].id, "art-2-1");
  EXPECT_EQ((*artifacts)[2].id, "art-0-0");
  auto logs = m_store->artifacts_for_runs(order, {"log"});
  ASSERT_TRUE(logs);
  ASSERT_EQ(logs->size(), 2u);
  EXPECT_EQ((*logs)[0].id, "art-2-1");
  EXPECT_TRUE(m_store->artifacts_for_runs({})->empty());

  auto metrics = m_store->metrics_for_runs(order);
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->size(), 4u);
  EXPECT_EQ((*metrics)[0].run_id, ids[2]);
  EXPECT_EQ((*metrics)[0].metric.scenario_id, "a");
  EXPECT_EQ((*metrics)[0].metric.samples, (std::vector<double>{1, 2}));
  EXPECT_EQ((*metrics)[1].metric.value, 12.0);
  EXPECT_EQ((*metrics)[2].run_id, ids[0]);

  // Batches larger than one IN list.
  std::vector<std::string> many(1200, "nope");
  many.push_back(ids[1]);
  EXPECT_EQ(m_store->artifacts_for_runs(many)->size(), 2u);
}

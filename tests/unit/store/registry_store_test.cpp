// The store's registry operations: claims that never hand one run to two
// claimers, compare-and-set writes fenced by the lease epoch, cancel
// requests, heartbeats and the event log.

#include "support/store_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

using namespace hb;

namespace {

class RegistryStore : public test::StoreTest
{
protected:
  hb::Run queued(TimeMs created)
  {
    hb::Run run;
    run.id = new_uuid_v4();
    run.kind = "task";
    run.status = RunStatus::queued;
    run.created_at = created;
    run.start_timeout_ms = 60'000;
    run.heartbeat_timeout_ms = 30'000;
    return run;
  }

  std::vector<std::string> event_types(const std::string& id)
  {
    std::vector<std::string> out;
    auto events = m_store->run_events(id, 0, 100);
    EXPECT_TRUE(events);
    for (const auto& e : *events) out.push_back(e.type);
    return out;
  }
};

} // namespace

TEST_F(RegistryStore, ClaimTakesTheOldestQueuedRunUnderANewLease)
{
  hb::Run older = queued(1000), newer = queued(2000);
  ASSERT_TRUE(m_store->insert_runs({newer, older}));
  auto claimed = m_store->claim_run("host:1", 5000, std::nullopt);
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->id, older.id);
  EXPECT_EQ((*claimed)->status, RunStatus::booting);
  EXPECT_EQ((*claimed)->lease_epoch, 1);
  EXPECT_EQ((*claimed)->lease_owner, "host:1");
  EXPECT_EQ((*claimed)->heartbeat_at, 5000);
  EXPECT_EQ((*claimed)->deadline_at, 65'000); // claim + start timeout
  auto second = m_store->claim_run("host:2", 5000, std::nullopt);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->id, newer.id);
  auto none = m_store->claim_run("host:3", 5000, std::nullopt);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_EQ(event_types(older.id), (std::vector<std::string>{"submitted", "status"}));
}

TEST_F(RegistryStore, ConcurrentClaimersNeverGetTheSameRun)
{
  std::vector<hb::Run> runs;
  for (int i = 0; i < 200; ++i) runs.push_back(queued(1000 + i));
  ASSERT_TRUE(m_store->insert_runs(runs));
  std::mutex mutex;
  std::vector<std::string> got;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto store = test::open_test_store(path());
      ASSERT_TRUE(store);
      while (true) {
        auto claimed = (*store)->claim_run("w" + std::to_string(t), 5000, std::nullopt);
        ASSERT_TRUE(claimed) << claimed.error().message;
        if (!*claimed) return;
        std::lock_guard lock(mutex);
        got.push_back((*claimed)->id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(got.size(), 200u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 200u);
}

TEST_F(RegistryStore, AWriterThatLostItsLeaseCannotWrite)
{
  hb::Run run = queued(1000);
  ASSERT_TRUE(m_store->insert_runs({run}));
  auto claimed = m_store->claim_run("old", 2000, run.id);
  ASSERT_TRUE(claimed && *claimed);
  std::int64_t epoch = (*claimed)->lease_epoch;

  // Someone else takes the run over (here: the lease is bumped, as a
  // corrupt or stolen lease would be).
  RunUpdate running;
  running.status = RunStatus::running;
  ASSERT_TRUE(m_store->update_run(run.id, RunStatus::booting, epoch, running, 2100));
  auto beat = m_store->beat(run.id, epoch + 1, 2200, "");
  ASSERT_FALSE(beat);
  EXPECT_EQ(beat.error().code, "store.conflict");

  RunOutcome outcome;
  outcome.status = RunStatus::failed;
  outcome.terminal_reason = "heartbeat_lost";
  outcome.finished_at = 3000;
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::running, epoch, outcome));

  // The old owner comes back: every write of its is refused.
  EXPECT_EQ(m_store->beat(run.id, epoch, 3100, "").error().code, "store.conflict");
  RunUpdate collecting;
  collecting.status = RunStatus::collecting_artifacts;
  EXPECT_EQ(m_store->update_run(run.id, RunStatus::running, epoch, collecting, 3100).error().code,
            "store.conflict");
  outcome.status = RunStatus::succeeded;
  EXPECT_EQ(m_store->settle_run(run.id, RunStatus::running, epoch, outcome).error().code,
            "store.conflict");
  auto after = m_store->get_run(run.id);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->status, RunStatus::failed);
  EXPECT_EQ((*after)->terminal_reason, "heartbeat_lost");
}

TEST_F(RegistryStore, UpdatesRefuseTransitionsTheTableForbids)
{
  hb::Run run = queued(1000);
  ASSERT_TRUE(m_store->insert_runs({run}));
  RunUpdate back;
  back.status = RunStatus::collecting_artifacts;
  auto refused = m_store->update_run(run.id, RunStatus::queued, 0, back, 2000);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "store.invalid_transition");
}

TEST_F(RegistryStore, CancelOfAQueuedRunSettlesItSoNoWorkerCanClaimIt)
{
  hb::Run run = queued(1000);
  ASSERT_TRUE(m_store->insert_runs({run}));
  auto after = m_store->request_cancel(run.id, "not needed", 2000);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->status, RunStatus::cancelled);
  EXPECT_EQ(after->terminal_reason, "cancelled_by_user");
  EXPECT_NE(after->metadata_json.find("not needed"), std::string::npos);
  auto claimed = m_store->claim_run("w", 3000, std::nullopt);
  ASSERT_TRUE(claimed);
  EXPECT_FALSE(*claimed);
}

TEST_F(RegistryStore, CancelOfAnActiveRunIsARequestTheBeatReports)
{
  hb::Run run = queued(1000);
  ASSERT_TRUE(m_store->insert_runs({run}));
  auto claimed = m_store->claim_run("w", 2000, run.id);
  ASSERT_TRUE(claimed && *claimed);
  auto first = m_store->request_cancel(run.id, "first", 2500);
  auto again = m_store->request_cancel(run.id, "second", 2600);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(again->status, RunStatus::booting);
  EXPECT_EQ(again->cancel_requested_at, 2500); // the first request is kept
  auto beat = m_store->beat(run.id, 1, 2700, R"({"preview":{"url":"http://x"}})");
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->cancel_requested_at, 2500);
  EXPECT_EQ(beat->heartbeat_at, 2700);
  EXPECT_NE(beat->metadata_json.find("http://x"), std::string::npos);
  EXPECT_NE(beat->metadata_json.find("first"), std::string::npos); // merged, not replaced
}

TEST_F(RegistryStore, SettleMergesMetadataAndLogsTheStatusChange)
{
  hb::Run run = queued(1000);
  run.metadata_json = R"({"recipe":{"argv":["true"]}})";
  ASSERT_TRUE(m_store->insert_runs({run}));
  ASSERT_TRUE(m_store->claim_run("w", 2000, run.id));
  RunOutcome outcome;
  outcome.status = RunStatus::failed;
  outcome.terminal_reason = "spawn_failed";
  outcome.finished_at = 3000;
  outcome.merge_metadata = true;
  outcome.eligible_at = 9000;
  outcome.metadata_json = R"({"runtime":{"pid":7}})";
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::booting, 1, outcome));
  auto after = m_store->get_run(run.id);
  ASSERT_TRUE(after && *after);
  EXPECT_NE((*after)->metadata_json.find("recipe"), std::string::npos);
  EXPECT_NE((*after)->metadata_json.find("\"pid\":7"), std::string::npos);
  EXPECT_EQ((*after)->eligible_at, 9000);
  auto events = m_store->run_events(run.id, 0, 100);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->back().data_json, R"({"from":"booting","to":"failed","reason":"spawn_failed"})");
  EXPECT_EQ(events->back().seq, 3);
  auto active = m_store->active_runs();
  ASSERT_TRUE(active);
  EXPECT_TRUE(active->empty());
}

TEST_F(RegistryStore, ADamagedMetadataRowCanStillBeSettled)
{
  hb::Run run = queued(1000);
  run.metadata_json = "{not json";
  ASSERT_TRUE(m_store->insert_runs({run}));
  ASSERT_TRUE(m_store->claim_run("w", 2000, run.id));
  ASSERT_TRUE(m_store->beat(run.id, 1, 2100, R"({"preview":{"a":1}})"));
  RunOutcome outcome;
  outcome.status = RunStatus::failed;
  outcome.terminal_reason = "heartbeat_lost";
  outcome.finished_at = 3000;
  outcome.merge_metadata = true;
  outcome.metadata_json = R"({"error":"x"})";
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::booting, 1, outcome));
  auto after = m_store->get_run(run.id);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->metadata_json,
            R"({"corrupt_metadata":"{not json","preview":{"a":1},"error":"x"})");
}

// A run's attempts in the store: begin_attempt keeps the finished attempt
// and resets the run under compare-and-set, a settle with retry_at queues
// the next attempt in the same transaction, and a queued retry is not
// claimed before its time.

#include "support/store_fixture.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

using namespace hb;

namespace {

class AttemptsStore : public test::StoreTest
{
protected:
  // A run claimed, running and settled failed with an exit code.
  hb::Run failed_run(TimeMs at = 1000)
  {
    hb::Run run;
    run.id = new_uuid_v4();
    run.kind = "task";
    run.status = RunStatus::queued;
    run.created_at = at;
    run.start_timeout_ms = 60'000;
    run.heartbeat_timeout_ms = 30'000;
    run.metadata_json = R"({"recipe": {"argv": ["x"]}, "labels": {"a": "b"}})";
    EXPECT_TRUE(m_store->insert_runs({run}));
    auto claimed = m_store->claim_run("host:1", at + 10, std::nullopt);
    EXPECT_TRUE(claimed && *claimed);
    RunUpdate up;
    up.status = RunStatus::running;
    up.started_at = at + 20;
    up.metadata_patch = R"({"runtime": {"host": "box"}})";
    EXPECT_TRUE(m_store->update_run(run.id, RunStatus::booting, 1, up, at + 20));
    RunOutcome out;
    out.status = RunStatus::failed;
    out.terminal_reason = "exit_code";
    out.exit_code = 3;
    out.finished_at = at + 30;
    out.merge_metadata = true;
    out.metadata_json = R"({"error": "exit 3", "timings": {"run_ms": 10}})";
    EXPECT_TRUE(m_store->settle_run(run.id, RunStatus::running, 1, out));
    return *m_store->get_run(run.id).value();
  }
};

} // namespace

TEST_F(AttemptsStore, BeginAttemptKeepsTheFinishedAttemptAndResetsTheRun)
{
  hb::Run run = failed_run();
  auto next = m_store->begin_attempt(run.id, RunStatus::failed, 1, NewAttempt{}, 5000);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->status, RunStatus::queued);
  EXPECT_EQ(next->attempt, 2);
  EXPECT_EQ(next->lease_epoch, 1);
  EXPECT_FALSE(next->finished_at);
  EXPECT_FALSE(next->started_at);
  EXPECT_FALSE(next->exit_code);
  EXPECT_TRUE(next->terminal_reason.empty());
  Json meta = parse_json_or_discard(next->metadata_json);
  EXPECT_TRUE(meta.contains("recipe"));
  EXPECT_TRUE(meta.contains("labels"));
  EXPECT_FALSE(meta.contains("runtime"));
  EXPECT_FALSE(meta.contains("error"));

  auto earlier = m_store->run_attempts(run.id);
  ASSERT_TRUE(earlier);
  ASSERT_EQ(earlier->size(), 1u);
  const RunAttempt& a = earlier->front();
  EXPECT_EQ(a.attempt, 1);
  EXPECT_EQ(a.status, RunStatus::failed);
  EXPECT_EQ(a.terminal_reason, "exit_code");
  EXPECT_EQ(a.exit_code, 3);
  EXPECT_EQ(a.started_at, 1020);
  EXPECT_EQ(a.finished_at, 1030);
  Json kept = parse_json_or_discard(a.metadata_json);
  EXPECT_EQ(kept["runtime"]["host"], "box");
  EXPECT_EQ(kept["error"], "exit 3");
  EXPECT_FALSE(kept.contains("recipe"));

  // A second resumer with the same view loses: nothing more is written.
  auto again = m_store->begin_attempt(run.id, RunStatus::failed, 1, NewAttempt{}, 5001);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "store.conflict");
  EXPECT_EQ(m_store->run_attempts(run.id)->size(), 1u);

  auto claimed = m_store->claim_run("host:2", 6000, std::nullopt);
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->attempt, 2);
  EXPECT_EQ((*claimed)->lease_epoch, 2);
}

TEST_F(AttemptsStore, ABootingAttemptIsClaimedByItsOwnerUnderANewEpoch)
{
  hb::Run run = failed_run();
  NewAttempt now;
  now.status = RunStatus::booting;
  now.owner = "host:9";
  auto next = m_store->begin_attempt(run.id, RunStatus::failed, 1, now, 7000);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->status, RunStatus::booting);
  EXPECT_EQ(next->lease_epoch, 2);
  EXPECT_EQ(next->lease_owner, "host:9");
  EXPECT_EQ(next->heartbeat_at, 7000);
  EXPECT_EQ(next->deadline_at, 67'000);
  auto nothing = m_store->claim_run("host:2", 8000, std::nullopt);
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(*nothing) << "a booting attempt is not in the queue";
}

TEST_F(AttemptsStore, AnActiveRunHasNoNextAttempt)
{
  hb::Run run;
  run.id = new_uuid_v4();
  run.kind = "task";
  run.created_at = 1;
  ASSERT_TRUE(m_store->insert_runs({run}));
  auto refused = m_store->begin_attempt(run.id, RunStatus::queued, 0, NewAttempt{}, 2);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "store.invalid_transition");
}

TEST_F(AttemptsStore, ASettleWithARetryQueuesTheNextAttemptThatWaitsForItsTime)
{
  hb::Run run;
  run.id = new_uuid_v4();
  run.kind = "task";
  run.created_at = 1000;
  run.heartbeat_timeout_ms = 30'000;
  ASSERT_TRUE(m_store->insert_runs({run}));
  ASSERT_TRUE(m_store->claim_run("h:1", 1000, std::nullopt).value());
  RunOutcome out;
  out.status = RunStatus::failed;
  out.terminal_reason = "heartbeat_lost";
  out.finished_at = 2000;
  out.retry_at = 12'000;
  ASSERT_TRUE(m_store->settle_run(run.id, RunStatus::booting, 1, out));
  auto after = m_store->get_run(run.id).value();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, RunStatus::queued);
  EXPECT_EQ(after->attempt, 2);
  EXPECT_EQ(after->retry_at, 12'000);
  EXPECT_EQ(m_store->run_attempts(run.id)->front().terminal_reason, "heartbeat_lost");

  auto early = m_store->claim_run("h:2", 11'999, std::nullopt);
  ASSERT_TRUE(early);
  EXPECT_FALSE(*early) << "claimed before its backoff ended";
  auto due = m_store->claim_run("h:2", 12'000, std::nullopt);
  ASSERT_TRUE(due && *due);
  EXPECT_EQ((*due)->attempt, 2);

  auto events = m_store->run_events(run.id, 0, 100);
  ASSERT_TRUE(events);
  std::vector<std::string> types;
  for (const auto& e : *events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"submitted", "status", "status", "attempt", "status",
                                             "status"}));
}

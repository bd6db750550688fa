// The reaper's decisions: which active run it settles, how, and when.

#include "registry/recipe.hpp"
#include "registry/supervisor.hpp"
#include "registry/worker.hpp"
#include "util/secret_mask.hpp"

#include <gtest/gtest.h>

using namespace hb;
using namespace hb::registry;

namespace {

hb::Run
active(RunStatus status)
{
  hb::Run run;
  run.id = "r";
  run.kind = "task";
  run.status = status;
  run.created_at = 1000;
  run.heartbeat_at = 1000;
  run.heartbeat_timeout_ms = 10'000;
  return run;
}

const AliveFn k_alive = [](int, std::optional<std::uint64_t>) { return true; };
const AliveFn k_dead = [](int, std::optional<std::uint64_t>) { return false; };

} // namespace

TEST(Reaper, SettlesARunWhoseBeatsStoppedAfterItsTimeoutNotBefore)
{
  hb::Run run = active(RunStatus::running);
  EXPECT_FALSE(reap_decision(run, 11'000, "h", k_alive));
  auto action = reap_decision(run, 11'001, "h", k_alive);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->status, RunStatus::failed);
  EXPECT_EQ(action->reason, "heartbeat_lost");
  EXPECT_EQ(reap_due(run), 11'001);
}

TEST(Reaper, CatchesARunThatNeverBeat)
{
  hb::Run run = active(RunStatus::booting);
  run.heartbeat_at.reset();
  auto action = reap_decision(run, 12'000, "h", k_alive);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->reason, "heartbeat_lost");
}

TEST(Reaper, TreatsABeatFromTheFarFutureAsACorruptLease)
{
  hb::Run run = active(RunStatus::running);
  run.heartbeat_at = 1'000'000;
  auto action = reap_decision(run, 2000, "h", k_alive);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->reason, "heartbeat_lost");
  EXPECT_NE(action->detail.find("corrupt"), std::string::npos);
}

TEST(Reaper, StartTimeoutAndDeadlineTimeOut)
{
  hb::Run booting = active(RunStatus::booting);
  booting.deadline_at = 5000;
  auto start = reap_decision(booting, 5000, "h", k_alive);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->status, RunStatus::timed_out);
  EXPECT_EQ(start->reason, "start_timeout");

  hb::Run running = active(RunStatus::running);
  running.deadline_at = 5000;
  running.heartbeat_at = 9000;
  // The supervisor gets the grace period to stop the command itself.
  EXPECT_FALSE(reap_decision(running, 5000 + k_deadline_grace_ms - 1, "h", k_alive));
  auto late = reap_decision(running, 5000 + k_deadline_grace_ms, "h", k_alive);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->reason, "deadline");
  EXPECT_EQ(reap_due(running), 5000 + k_deadline_grace_ms);

  // The command ended in time; collecting its files is judged by beats.
  hb::Run collecting = running;
  collecting.status = RunStatus::collecting_artifacts;
  EXPECT_FALSE(reap_decision(collecting, 15'000, "h", k_alive)) << "still beating";
  EXPECT_EQ(reap_due(collecting), 9000 + 10'000 + 1);
}

TEST(Reaper, ARunWithoutHeartbeatsIsSettledOnlyWhenItsOwnerHereIsGone)
{
  hb::Run bench = active(RunStatus::running);
  bench.kind = "bench";
  bench.heartbeat_timeout_ms.reset();
  bench.heartbeat_at.reset();
  bench.owner_pid = 42;
  bench.lease_owner = "h:42";
  EXPECT_FALSE(reap_decision(bench, 1'000'000, "h", k_alive));
  auto gone = reap_decision(bench, 1'000'000, "h", k_dead);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->reason, "owner_gone");
  // Another machine's process cannot be checked from here.
  EXPECT_FALSE(reap_decision(bench, 1'000'000, "other", k_dead));
  EXPECT_FALSE(reap_due(bench));
}

TEST(Reaper, LeavesQueuedAndFinishedRunsAlone)
{
  for (auto status : {RunStatus::queued, RunStatus::succeeded, RunStatus::cancelled}) {
    hb::Run run = active(status);
    EXPECT_FALSE(reap_decision(run, 1'000'000, "h", k_dead)) << to_string(status);
  }
}

TEST(Reaper, BeatsFourTimesPerTimeoutWithinBounds)
{
  EXPECT_EQ(beat_interval_ms(30'000), 5000);
  EXPECT_EQ(beat_interval_ms(2000), 500);
  EXPECT_EQ(beat_interval_ms(100), 100);
  EXPECT_EQ(beat_interval_ms(600'000), 5000);
}

TEST(Recipe, RefusesWhatCannotRunOrWouldLeak)
{
  Recipe ok;
  ok.argv = {"true"};
  ok.cwd = "/tmp";
  EXPECT_TRUE(validate(ok));

  Recipe empty = ok;
  empty.argv.clear();
  EXPECT_EQ(validate(empty).error().code, "validation.missing_command");

  Recipe secret = ok;
  secret.env["API_TOKEN"] = "abc";
  auto refused = validate(secret);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--secret-env API_TOKEN"), std::string::npos);

  for (const char* glob : {"/etc/passwd", "../x", "out/../../x"}) {
    Recipe escape = ok;
    escape.artifacts = {glob};
    auto bad = validate(escape);
    ASSERT_FALSE(bad) << glob;
    EXPECT_EQ(bad.error().code, "validation.unsafe_path") << glob;
  }
}

TEST(Recipe, AQueuedRunKeepsItsRecipeWithoutSecretValues)
{
  Recipe r;
  r.argv = {"curl", "-H", "Authorization: hunter2-secret", "https://x"};
  r.cwd = "/tmp";
  r.secret_env = {"TOKEN"};
  r.labels = {{"team", "perf"}, {"api_key", "k-123"}};
  r.timeout_ms = 5000;
  SecretMasker masker({"hunter2-secret"});
  hb::Run run = make_queued_run(r, masker, 1234);
  EXPECT_EQ(run.status, RunStatus::queued);
  EXPECT_EQ(run.timeout_ms, 5000);
  EXPECT_EQ(run.heartbeat_timeout_ms, k_default_heartbeat_timeout_ms);
  EXPECT_EQ(run.metadata_json.find("hunter2-secret"), std::string::npos);
  EXPECT_EQ(run.command.find("hunter2-secret"), std::string::npos);
  EXPECT_EQ(run.metadata_json.find("k-123"), std::string::npos); // a secret-named label
  auto back = recipe_from_run(run);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->secret_env, std::vector<std::string>{"TOKEN"});
  EXPECT_EQ(back->labels.at("team"), "perf");
  EXPECT_EQ(back->timeout_ms, 5000);
  EXPECT_EQ(command_text({"echo", "a b", "it's"}), R"(echo 'a b' 'it'\''s')");
}

TEST(Recipe, BatchLinesAreReadBelowTheCli)
{
  auto recipes = parse_batch("{\"argv\":[\"make\",\"test\"],\"cwd\":\"/tmp\",\"timeout\":\"30s\","
                             "\"env\":{\"A\":\"1\"},\"labels\":{\"ci\":\"yes\"}}\n"
                             "\n  \r\n"
                             "{\"argv\":[\"true\"],\"kind\":\"probe\"}",
                             "runs.jsonl");
  ASSERT_TRUE(recipes) << recipes.error().message;
  ASSERT_EQ(recipes->size(), 2u);
  EXPECT_EQ((*recipes)[0].argv, (std::vector<std::string>{"make", "test"}));
  EXPECT_EQ((*recipes)[0].cwd, "/tmp");
  EXPECT_EQ((*recipes)[0].timeout_ms, 30'000);
  EXPECT_EQ((*recipes)[0].env.at("A"), "1");
  EXPECT_EQ((*recipes)[0].labels.at("ci"), "yes");
  EXPECT_EQ((*recipes)[1].kind, "probe");
  EXPECT_EQ((*recipes)[1].start_timeout_ms, k_default_start_timeout_ms);

  // Errors name the file and the line (blank lines count).
  auto bad = parse_batch("{\"argv\":[\"true\"]}\n\n{\"argv\":[\"true\"],\"timeout\":\"3x\"}\n", "b.jsonl");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "validation.invalid_duration");
  EXPECT_EQ(bad.error().message.rfind("--batch b.jsonl line 3: --timeout 3x: ", 0), 0u)
    << bad.error().message;

  auto shape = parse_batch("[1]\n", "-");
  ASSERT_FALSE(shape);
  EXPECT_EQ(shape.error().code, "validation.invalid_batch");
  EXPECT_EQ(parse_batch(" \n\n", "-").error().message, "--batch -: no runs in it");
}

// Attempts of a registry run (issue 19) as a user drives them: the state
// directory and ledger a command resumes from, `runs resume`, automatic
// retries through a worker (also across a worker restart during the
// backoff), what `runs show`, `runs logs --attempt` and the events say, and
// cleanup of a run with several attempts.

#include "integration/registry_fixture.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class RegistryAttempts : public Registry
{
protected:
  /// A command of four steps (declared with `runs progress --plan`) that
  /// skips the steps its ledger says are done,
  /// appends "step N (attempt A)" to steps.log for each step it runs, and
  /// records it with `homeboy runs progress`. In attempt 1, after step 2 it
  /// does `attempt1_after_step2` (e.g. SIGKILL itself).
  std::vector<std::string> four_steps(const std::string& attempt1_after_step2)
  {
    std::string script =
      "echo \"attempt $HOMEBOY_RUN_ATTEMPT resume-from ${HOMEBOY_RESUME_FROM:-none}\"\n"
      "\"$HB\" runs progress --plan step1 step2 step3 step4 || exit 8\n"
      "for s in 1 2 3 4; do\n"
      "  if \"$HB\" runs progress step$s --check >/dev/null; then continue; fi\n"
      "  echo \"step $s (attempt $HOMEBOY_RUN_ATTEMPT)\" >> steps.log\n"
      "  echo \"did step $s\"\n"
      "  \"$HB\" runs progress step$s || exit 9\n"
      "  if [ $s = 2 ] && [ \"$HOMEBOY_RUN_ATTEMPT\" = 1 ]; then " + attempt1_after_step2 + "; fi\n"
      "done\n";
    return {"sh", "-c", script};
  }

  std::vector<std::string> with_hb(std::vector<std::string> options)
  {
    options.insert(options.end(), {"--env", std::string("HB=") + HB_BINARY});
    return options;
  }

  std::string steps_log() { return read_file(work_ / "steps.log"); }

  std::vector<Json> attempts(const std::string& id) { return show_run(id)["attempts"].get<std::vector<Json>>(); }
};

} // namespace

TEST_F(RegistryAttempts, ResumeFinishesOnlyTheStepsAKilledAttemptDidNotDo)
{
  std::string id = queue("start", with_hb({}), four_steps("kill -9 $$"));
  Json first = settle(id);
  ASSERT_EQ(first["status"], "failed") << first;
  EXPECT_EQ(first["terminal_reason"], "signal");
  EXPECT_EQ(steps_log(), "step 1 (attempt 1)\nstep 2 (attempt 1)\n");
  // The ledger is in the run's state directory and in its metadata.
  fs::path state = data_ / "artifacts" / id / "state";
  EXPECT_TRUE(fs::exists(state / "validation_progress.json"));
  auto plan = run({"runs", "resume-plan", id, "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.describe();
  EXPECT_THAT(plan.out, HasSubstr("step3"));

  auto resumed = run({"runs", "resume", id, "--start", "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.describe();
  EXPECT_EQ(resumed.payload()["run_id"], id) << "the same run, not a new one";
  EXPECT_EQ(resumed.payload()["attempt"], 2);
  Json done = settle(id);
  EXPECT_EQ(done["status"], "succeeded") << done;
  EXPECT_EQ(done["attempt"], 2);
  EXPECT_EQ(steps_log(), "step 1 (attempt 1)\nstep 2 (attempt 1)\nstep 3 (attempt 2)\nstep 4 (attempt 2)\n")
    << "the second attempt did steps 3 and 4 only";

  // Each attempt has its own logs; the latest is the default.
  EXPECT_EQ(run({"runs", "logs", id, "--attempt", "1", "--stream", "stdout"}).out,
            "attempt 1 resume-from none\ndid step 1\ndid step 2\n");
  EXPECT_EQ(run({"runs", "logs", id}).out, "attempt 2 resume-from step3\ndid step 3\ndid step 4\n");
  auto no_such = run({"runs", "logs", id, "--attempt", "3"});
  EXPECT_EQ(no_such.exit_code, 2);
  EXPECT_THAT(no_such.err, HasSubstr("has 2 attempts (1..2)"));

  auto list = attempts(id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["attempt"], 1);
  EXPECT_EQ(list[0]["status"], "failed");
  EXPECT_EQ(list[0]["terminal_reason"], "signal");
  EXPECT_FALSE(list[0]["host"].is_null());
  EXPECT_FALSE(list[0]["timings"]["run_ms"].is_null());
  EXPECT_EQ(list[1]["attempt"], 2);
  EXPECT_EQ(list[1]["status"], "succeeded");
  EXPECT_EQ(list[1]["latest"], true);
  EXPECT_THAT(run({"runs", "show", id}).out, HasSubstr("--attempt 1"));

  // The events record both attempts.
  Json events = run({"runs", "events", id, "--json"}).payload()["events"];
  int attempt_events = 0;
  for (const auto& e : events) {
    if (e["type"] == "attempt") {
      ++attempt_events;
      EXPECT_EQ(e["data"]["attempt"], 2);
      EXPECT_EQ(e["data"]["cause"], "resume");
      EXPECT_EQ(e["data"]["previous"]["reason"], "signal");
    }
  }
  EXPECT_EQ(attempt_events, 1) << events;
}

TEST_F(RegistryAttempts, ResumeRefusesUnknownActiveAndSucceededRunsAndChangesNothing)
{
  auto unknown = run({"runs", "resume", "00000000-0000-0000-0000-000000000000"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("no run"));

  std::string queued = queue("submit", {}, {"true"});
  auto active = run({"runs", "resume", queued});
  EXPECT_EQ(active.exit_code, 1);
  EXPECT_THAT(active.err, HasSubstr("is queued (attempt 1); only a finished run can be resumed"));
  EXPECT_EQ(status(queued)["attempt"], 1);

  ASSERT_EQ(run({"worker", "--once"}).exit_code, 0);
  ASSERT_EQ(status(queued)["status"], "succeeded");
  auto succeeded = run({"runs", "resume", queued});
  EXPECT_EQ(succeeded.exit_code, 1);
  EXPECT_THAT(succeeded.err, HasSubstr("succeeded (attempt 1); nothing to resume. Pass --force"));
  Json after = status(queued);
  EXPECT_EQ(after["status"], "succeeded");
  EXPECT_EQ(after["attempt"], 1);

  auto forced = run({"runs", "resume", queued, "--force", "--json"});
  ASSERT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_EQ(forced.payload()["status"], "queued");
  EXPECT_EQ(forced.payload()["attempt"], 2);
  ASSERT_EQ(run({"worker", "--once"}).exit_code, 0);
  EXPECT_EQ(status(queued)["status"], "succeeded");
  EXPECT_EQ(attempts(queued).size(), 2u);
}

TEST_F(RegistryAttempts, AStateDirectoryRemovedByHandOrACorruptLedgerStartsFromTheBeginning)
{
  std::string id = queue("start", with_hb({}), four_steps("kill -9 $$"));
  ASSERT_EQ(settle(id)["status"], "failed");
  fs::path state = data_ / "artifacts" / id / "state";
  fs::remove_all(state);
  fs::remove(work_ / "steps.log");
  ASSERT_EQ(run({"runs", "resume", id, "--start"}).exit_code, 0);
  Json second = settle(id);
  EXPECT_EQ(second["status"], "succeeded") << second;
  EXPECT_EQ(steps_log(), "step 1 (attempt 2)\nstep 2 (attempt 2)\nstep 3 (attempt 2)\nstep 4 (attempt 2)\n");
  EXPECT_THAT(run({"runs", "logs", id, "--stream", "stderr"}).err,
              HasSubstr("of the earlier attempts is gone (removed by hand?); attempt 2 starts fresh"));
  EXPECT_THAT(second["metadata"]["attempt_warnings"].dump(), HasSubstr("starts fresh"));

  // A ledger that is not JSON: moved aside, and the attempt starts over.
  write_file(state / "validation_progress.json", "{not json");
  fs::remove(work_ / "steps.log");
  ASSERT_EQ(run({"runs", "resume", id, "--start", "--force"}).exit_code, 0);
  Json third = settle(id);
  EXPECT_EQ(third["status"], "succeeded") << third;
  EXPECT_EQ(third["attempt"], 3);
  EXPECT_EQ(steps_log(), "step 1 (attempt 3)\nstep 2 (attempt 3)\nstep 3 (attempt 3)\nstep 4 (attempt 3)\n");
  EXPECT_THAT(run({"runs", "logs", id, "--stream", "stderr"}).err,
              HasSubstr("the validation_progress ledger is corrupt"));
  EXPECT_TRUE(fs::exists(state / "validation_progress.json.corrupt"));
  Json events = run({"runs", "events", id, "--json"}).payload()["events"];
  EXPECT_THAT(events.dump(), HasSubstr("\"type\":\"warning\""));
}

TEST_F(RegistryAttempts, BadRetryOptionsAreRefused)
{
  struct Case { std::vector<std::string> options; std::string says; };
  for (const auto& c : std::vector<Case>{
         {{"--retry", "-1"}, "--retry -1: expected how many times to retry"},
         {{"--retry", "two"}, "--retry two: expected"},
         {{"--retry", "2", "--retry-backoff", "10m..10s"}, "the minimum (10m) is longer than the maximum (10s)"},
         {{"--retry", "2", "--retry-backoff", "soon"}, "--retry-backoff soon: expected MIN..MAX"},
         {{"--retry", "2", "--retry-on", "cancelled_by_user"}, "a run a user cancelled is never retried"},
         {{"--retry", "2", "--retry-on", "exit_code,bogus"}, "`bogus` is not a reason"},
         {{"--retry-on", "exit_code"}, "--retry-on needs --retry N"},
       }) {
    std::vector<std::string> args = {"runs", "submit"};
    args.insert(args.end(), c.options.begin(), c.options.end());
    args.insert(args.end(), {"--", "true"});
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.says)) << r.describe();
  }
  EXPECT_TRUE(list_runs().empty()) << "nothing was queued";
  auto outside = run({"runs", "progress", "step1"}, {{"HOMEBOY_RUN_STATE_DIR", std::nullopt}});
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_THAT(outside.err, HasSubstr("HOMEBOY_RUN_STATE_DIR is not set"));
}

TEST_F(RegistryAttempts, RetriesResumeAfterAKilledSupervisorAcrossAWorkerRestart)
{
  // Attempt 1 hangs after step 2 until its supervisor is killed.
  std::string id = queue("submit",
                         with_hb({"--retry", "2", "--retry-on", "heartbeat_lost",
                                  "--retry-backoff", "3s", "--heartbeat-timeout", "1s"}),
                         four_steps("touch step2-recorded; sleep 60"));
  Json running;
  {
    auto w = worker();
    // Killed once step 2 is in the ledger (`runs progress step2` returned),
    // not when its line is in steps.log: in between, attempt 1 has not
    // recorded it, and attempt 2 would rightly do it again.
    running = wait_for(id, [&](const Json& s) {
      return s["status"] == "running" && fs::exists(work_ / "step2-recorded");
    });
    ASSERT_EQ(::kill(running["owner_pid"].get<int>(), SIGKILL), 0);
    // The reaper settles attempt 1 and queues attempt 2 behind its backoff.
    Json waiting = wait_for(id, [](const Json& s) { return s["attempt"] == 2; });
    EXPECT_EQ(waiting["status"], "queued");
    EXPECT_FALSE(waiting["retry_at"].is_null()) << "the earliest start is in the store";
    ::kill(w->pid(), SIGKILL); // the worker dies during the backoff
  }
  // Cleanup never takes a run whose next attempt is pending.
  ASSERT_EQ(run({"runs", "cleanup", "--apply"}).exit_code, 0);
  EXPECT_EQ(status(id)["status"], "queued");

  auto w = worker();
  Json done = settle(id);
  EXPECT_EQ(done["status"], "succeeded") << done;
  EXPECT_EQ(done["attempt"], 2);
  EXPECT_EQ(steps_log(), "step 1 (attempt 1)\nstep 2 (attempt 1)\nstep 3 (attempt 2)\nstep 4 (attempt 2)\n");
  auto list = attempts(id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["terminal_reason"], "heartbeat_lost");
  Json events = run({"runs", "events", id, "--json"}).payload()["events"];
  EXPECT_THAT(events.dump(), HasSubstr("\"cause\":\"retry\""));
}

TEST_F(RegistryAttempts, ARunThatExhaustsItsRetriesEndsFailedWithEveryAttemptListed)
{
  std::string id = queue("submit", {"--retry", "2", "--retry-backoff", "100ms..200ms"},
                         {"sh", "-c", "echo \"try $HOMEBOY_RUN_ATTEMPT\"; exit 3"});
  auto w = run_with({"worker", "--once"}, {.timeout = 60s});
  ASSERT_EQ(w.exit_code, 0) << w.describe();
  Json done = status(id);
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["terminal_reason"], "exit_code");
  EXPECT_EQ(done["attempt"], 3);
  EXPECT_TRUE(done["retry_at"].is_null());
  auto list = attempts(id);
  ASSERT_EQ(list.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(list[i]["attempt"], i + 1);
    EXPECT_EQ(list[i]["status"], "failed");
    EXPECT_EQ(list[i]["exit_code"], 3);
    EXPECT_EQ(run({"runs", "logs", id, "--attempt", std::to_string(i + 1)}).out,
              "try " + std::to_string(i + 1) + "\n");
  }
  EXPECT_THAT(w.out, HasSubstr("attempt 2 queued for"));
}

TEST_F(RegistryAttempts, AUserCancelIsNeverRetried)
{
  std::string id = queue("submit", {"--retry", "3", "--retry-backoff", "100ms"}, {"sleep", "60"});
  auto w = worker();
  wait_for(id, active);
  auto cancelled = run({"runs", "cancel", id, "--wait", "--json"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.describe();
  // The retry decision is made in the settle's own transaction: none was.
  Json done = status(id);
  EXPECT_EQ(done["status"], "cancelled");
  EXPECT_EQ(done["terminal_reason"], "cancelled_by_user");
  EXPECT_EQ(done["attempt"], 1);
  EXPECT_TRUE(done["retry_at"].is_null());
  EXPECT_EQ(attempts(id).size(), 1u);
}

TEST_F(RegistryAttempts, CleanupOfAResumedRunRemovesEveryAttemptsFiles)
{
  std::string id = queue("start", {}, {"sh", "-c", "echo once; exit 1"});
  ASSERT_EQ(settle(id)["status"], "failed");
  ASSERT_EQ(run({"runs", "resume", id, "--start"}).exit_code, 0);
  ASSERT_EQ(settle(id)["attempt"], 2);
  fs::path dir = data_ / "artifacts" / id;
  ASSERT_TRUE(fs::exists(dir / "stdout.log"));
  ASSERT_TRUE(fs::exists(dir / "attempts" / "2" / "stdout.log"));
  ASSERT_TRUE(fs::is_directory(dir / "state"));
  ASSERT_EQ(sqlite("SELECT count(*) FROM run_attempts WHERE run_id = '" + id + "'"), "1");

  auto cleaned = run({"runs", "cleanup", "--apply", "--json"});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.describe();
  EXPECT_FALSE(fs::exists(dir)) << "every attempt's files and the state directory go with the run";
  EXPECT_EQ(sqlite("SELECT count(*) FROM runs WHERE id = '" + id + "'"), "0");
  EXPECT_EQ(sqlite("SELECT count(*) FROM run_attempts WHERE run_id = '" + id + "'"), "0");
  EXPECT_EQ(sqlite("SELECT count(*) FROM artifacts WHERE run_id = '" + id + "'"), "0");
}

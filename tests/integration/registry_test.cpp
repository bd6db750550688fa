// The run registry as a user drives it: runs submit/start, homeboy worker,
// runs status/cancel/logs/events/heartbeat/replay, liveness after kill -9,
// fencing, artifacts and secrets.

#include "integration/registry_fixture.hpp"

#include <csignal>
#include <fstream>
#include <set>
#include <thread>
#include <unistd.h>

using namespace hbit;

TEST_F(Registry, SubmitQueuesAndAWorkerRunsItWithLogsArtifactsAndMetadata)
{
  write_file(work_ / "out" / "result.txt", "stale\n");
  std::string id = queue("submit",
                         {"--name", "demo", "--label", "team=perf", "--env", "GREETING=hello",
                          "--artifact", "out/*.txt"},
                         {"sh", "-c", "echo \"$GREETING out\"; echo err >&2; echo data > out/result.txt"});
  Json queued = status(id);
  EXPECT_EQ(queued["status"], "queued");
  EXPECT_EQ(queued["kind"], "task");
  EXPECT_EQ(queued["metadata"]["name"], "demo");
  EXPECT_EQ(queued["metadata"]["labels"]["team"], "perf");

  auto w = run({"worker", "--once"});
  ASSERT_EQ(w.exit_code, 0) << w.describe();
  EXPECT_NE(w.out.find("started " + id), std::string::npos) << w.out;

  auto waited = run({"runs", "status", id, "--wait"});
  EXPECT_EQ(waited.exit_code, 0) << waited.describe();
  EXPECT_NE(waited.out.find("succeeded (completed)"), std::string::npos) << waited.out;
  Json done = status(id);
  EXPECT_EQ(done["exit_code"], 0);
  const Json& runtime = done["metadata"]["runtime"];
  EXPECT_FALSE(runtime["host"].get<std::string>().empty());
  EXPECT_GT(runtime["pid"].get<int>(), 1);
  // The command runs in a group led by its guard (util/group_guard), which
  // kills the group should the supervisor die.
  EXPECT_GT(runtime["pgid"].get<int>(), 1);
  EXPECT_NE(runtime["pgid"], runtime["pid"]);
  EXPECT_TRUE(runtime.contains("start_time"));
  EXPECT_EQ(runtime["exit_code"], 0);
  EXPECT_TRUE(runtime["rusage"].contains("max_rss_bytes"));
  EXPECT_EQ(runtime["env_names"], Json::array({"GREETING"}));
  EXPECT_TRUE(done["metadata"]["timings"].contains("run_ms"));

  auto show = run({"runs", "show", id});
  EXPECT_NE(show.out.find("name       demo\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("logs       homeboy runs logs " + id), std::string::npos) << show.out;

  auto logs = run({"runs", "logs", id});
  EXPECT_EQ(logs.out, "hello out\n");
  EXPECT_EQ(logs.err, "err\n");
  EXPECT_EQ(run({"runs", "logs", id, "--stream", "stderr"}).out, "");

  std::map<std::string, Json> by_label;
  for (const auto& a : artifacts(id)) by_label[a["label"]] = a;
  ASSERT_TRUE(by_label.count("out/result.txt")) << Json(artifacts(id)).dump(2);
  const Json& file = by_label["out/result.txt"];
  EXPECT_EQ(file["sha256"], "6667b2d1aab6a00caa5aee5af8ad9f1465e567abf1c209d15727d57b3e8f6e5f"); // "data\n"
  EXPECT_EQ(file["size_bytes"], 5);
  EXPECT_EQ(read_file(file["path"].get<std::string>()), "data\n");
  EXPECT_EQ(by_label["stdout"]["kind"], "command_log");
  EXPECT_EQ(by_label["stderr"]["kind"], "command_log");
  ASSERT_TRUE(by_label.count("artifact bundle"));
  Json manifest = Json::parse(read_file(by_label["artifact bundle"]["path"].get<std::string>()));
  EXPECT_EQ(manifest["artifacts"].size(), 3u);
  EXPECT_TRUE(done["metadata"]["refs"].contains("artifact_bundle"));

  Json events = run({"runs", "events", id, "--json"}).payload();
  std::vector<std::string> types;
  for (const auto& e : events["events"]) types.push_back(e["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"submitted", "status", "status", "status", "status"}));
}

TEST_F(Registry, StartReturnsAtOnceAndTheRunOutlivesItsCaller)
{
  write_file(work_ / "go", "");
  std::string id = queue("start", {}, {"sh", "-c", "while [ -e go ]; do sleep 0.05; done; echo finished"});
  Json now = status(id);
  EXPECT_TRUE(now["status"] == "booting" || now["status"] == "running") << now.dump();
  wait_for(id, active);
  fs::remove(work_ / "go");
  Json done = settle(id);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(run({"runs", "logs", id}).out, "finished\n");
}

TEST_F(Registry, StatusWaitSaysWhenTheTimeoutPassedFirst)
{
  std::string id = queue("submit", {}, {"true"});
  auto r = run({"runs", "status", id, "--wait", "--timeout", "200ms"});
  EXPECT_EQ(r.exit_code, 124) << r.describe();
  EXPECT_NE(r.out.find("still active"), std::string::npos) << r.out;
  auto bad = run({"runs", "status", id, "--timeout", "1s"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--timeout needs --wait"), std::string::npos) << bad.err;
}

TEST_F(Registry, AQueuedRunCancelledNeverStarts)
{
  std::string id = queue("submit", {}, {"touch", "ran"});
  auto c = run({"runs", "cancel", id, "--reason", "not needed"});
  EXPECT_EQ(c.exit_code, 0) << c.describe();
  EXPECT_NE(c.out.find("never started"), std::string::npos) << c.out;
  ASSERT_EQ(run({"worker", "--once"}).exit_code, 0);
  Json s = status(id);
  EXPECT_EQ(s["status"], "cancelled");
  EXPECT_EQ(s["terminal_reason"], "cancelled_by_user");
  EXPECT_EQ(s["metadata"]["cancel_reason"], "not needed");
  EXPECT_FALSE(fs::exists(work_ / "ran"));
}

TEST_F(Registry, CancelStopsTheWholeProcessGroupAndIsIdempotent)
{
  auto [id, supervisor, bg] = start_with_child({});
  auto c = run({"runs", "cancel", id, "--reason", "enough", "--wait"});
  EXPECT_EQ(c.exit_code, 0) << c.describe();
  Json s = status(id);
  EXPECT_EQ(s["status"], "cancelled");
  EXPECT_EQ(s["terminal_reason"], "cancelled_by_user");
  EXPECT_TRUE(process_gone(bg)) << "the command's background child survived the cancel";

  std::string before = sqlite("SELECT count(*) FROM events WHERE run_id = '" + id + "'");
  auto again = run({"runs", "cancel", id});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.out.find("had already finished (cancelled"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("nothing changed"), std::string::npos) << again.out;
  EXPECT_EQ(sqlite("SELECT count(*) FROM events WHERE run_id = '" + id + "'"), before);
}

TEST_F(Registry, ACommandThatDoesNotExistFailsWithSpawnFailed)
{
  std::string id = queue("start", {}, {"no-such-command-hb"});
  Json s = settle(id);
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["terminal_reason"], "spawn_failed");
  auto logs = run({"runs", "logs", id, "--stream", "stderr"});
  EXPECT_NE(logs.err.find("cannot run no-such-command-hb"), std::string::npos) << logs.describe();
  auto waited = run({"runs", "status", id, "--wait"});
  EXPECT_EQ(waited.exit_code, 1);
}

TEST_F(Registry, BadInputIsRefusedWithAMessageAndNothingQueued)
{
  auto escape = run({"runs", "submit", "--artifact", "../secrets/*", "--", "true"});
  EXPECT_EQ(escape.exit_code, 2) << escape.describe();
  EXPECT_NE(escape.err.find("must stay inside the run's working directory"), std::string::npos)
    << escape.err;
  auto no_command = run({"runs", "submit"});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_NE(no_command.err.find("no command given"), std::string::npos) << no_command.err;
  auto secret_env = run({"runs", "submit", "--env", "DB_PASSWORD=x", "--", "true"});
  EXPECT_EQ(secret_env.exit_code, 2);
  EXPECT_NE(secret_env.err.find("--secret-env DB_PASSWORD"), std::string::npos) << secret_env.err;
  auto bad_duration = run({"runs", "submit", "--timeout", "soon", "--", "true"});
  EXPECT_EQ(bad_duration.exit_code, 2);
  EXPECT_NE(bad_duration.err.find("--timeout soon"), std::string::npos) << bad_duration.err;
  EXPECT_TRUE(list_runs().empty());

  for (const char* verb : {"status", "cancel", "logs", "events", "heartbeat", "replay"}) {
    auto unknown = run({"runs", verb, "00000000-dead-beef-0000-000000000000"});
    EXPECT_EQ(unknown.exit_code, 1) << unknown.describe();
    EXPECT_NE(unknown.err.find("00000000-dead-beef"), std::string::npos) << unknown.describe();
  }
}

TEST_F(Registry, SecretsAreMaskedInLogsMetadataAndNeverStored)
{
  const std::string secret = "s3cr3t/Value=42xyz";
  // The command proves it received the real value (without naming it: a
  // secret typed into the command line is stored masked), then prints it
  // raw, base64-encoded, percent-encoded and split across two writes.
  std::string script =
    "[ \"$(printf %s \"$TOKEN\" | wc -c)\" = 18 ] && [ \"${TOKEN#s3cr3t/}\" = Value=42xyz ] && "
    "echo got-it; "
    "echo \"raw $TOKEN\"; printf '%s' \"$TOKEN\" | base64; "
    "echo 'url?t=s3cr3t%2FValue%3D42xyz'; printf '%s' \"${TOKEN%%Value*}\"; sleep 0.2; "
    "printf '%s\\n' \"${TOKEN#s3cr3t/}\"; echo \"$TOKEN\" >&2; exit 3";
  std::string id = queue("start", {"--secret-env", "TOKEN", "--label", "api_key=" + secret},
                         {"sh", "-c", script}, {{"TOKEN", secret}});
  Json s = settle(id);
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["terminal_reason"], "exit_code");
  auto logs = run({"runs", "logs", id});
  EXPECT_NE(logs.out.find("got-it"), std::string::npos) << logs.out;
  EXPECT_NE(logs.out.find("raw ***"), std::string::npos) << logs.out;
  EXPECT_EQ(logs.out.find("s3cr3t"), std::string::npos) << logs.out;
  EXPECT_EQ(logs.err, "***\n");
  EXPECT_EQ(s["metadata"]["runtime"]["env_names"], Json::array({"TOKEN"}));
  EXPECT_EQ(s["metadata"]["labels"]["api_key"], "***");

  run({"runs", "list"}); // a checkpoint-free read: the WAL is still there
  std::string all = everything_written();
  EXPECT_EQ(all.find(secret), std::string::npos) << "the secret reached the data dir";
  EXPECT_EQ(all.find("czNjcjN0L1ZhbHVlPTQyeHl6"), std::string::npos) << "its base64 form did";
  EXPECT_EQ(all.find("s3cr3t%2FValue%3D42xyz"), std::string::npos) << "its URL-encoded form did";
  EXPECT_EQ(s.dump().find(secret), std::string::npos);
}

TEST_F(Registry, AMissingSecretFailsTheRunInsteadOfRunningWithoutIt)
{
  std::string id = queue("start", {"--secret-env", "NOT_EXPORTED_HB"}, {"touch", "ran"},
                         {{"NOT_EXPORTED_HB", std::nullopt}});
  Json s = settle(id);
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["terminal_reason"], "secret_env_missing");
  EXPECT_NE(run({"runs", "logs", id}).err.find("NOT_EXPORTED_HB is not set"), std::string::npos);
  EXPECT_FALSE(fs::exists(work_ / "ran"));
}

TEST_F(Registry, ARunPastItsTimeoutIsKilledAndTimedOut)
{
  std::string id = queue("start", {"--timeout", "300ms"}, {"sleep", "30"});
  Json s = settle(id);
  EXPECT_EQ(s["status"], "timed_out");
  EXPECT_EQ(s["terminal_reason"], "deadline");
}

TEST_F(Registry, KillingTheSupervisorIsCaughtByTheReaperWithinTheHeartbeatTimeout)
{
  auto [id, supervisor, bg] = start_with_child({"--heartbeat-timeout", "1s"});
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  auto w = worker();
  Json done = settle(id);
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["terminal_reason"], "heartbeat_lost");
  EXPECT_NE(done["metadata"]["error"].get<std::string>().find("no heartbeat since"), std::string::npos);
  // The orphaned command is killed with it: nothing keeps running unseen.
  EXPECT_TRUE(eventually([&] { return process_gone(bg); }));
}

TEST_F(Registry, AHungSupervisorIsKilledWithEverythingItStarted)
{
  auto [id, supervisor, bg] = start_with_child({"--heartbeat-timeout", "1s"}, true);
  ASSERT_EQ(::kill(supervisor, SIGSTOP), 0); // alive, but beats no more
  auto w = worker();
  Json done = settle(id);
  EXPECT_EQ(done["terminal_reason"], "heartbeat_lost");
  EXPECT_TRUE(eventually([&] { return process_gone(supervisor); }));
  EXPECT_TRUE(eventually([&] { return process_gone(bg); }))
    << "a process that left the command's process group survived";
}

TEST_F(Registry, KillingTheWorkerLosesNoRun)
{
  write_file(work_ / "go", "");
  std::string id = queue("submit", {}, {"sh", "-c", "while [ -e go ]; do sleep 0.05; done; echo ok"});
  {
    auto w = worker();
    wait_for(id, active);
    ::kill(w->pid(), SIGKILL); // the Process destructor reaps it
  }
  fs::remove(work_ / "go");
  Json done = settle(id);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(run({"runs", "logs", id}).out, "ok\n");
}

TEST_F(Registry, ASupervisorWhoseLeaseWasTakenStopsAndWritesNothing)
{
  auto [id, supervisor, bg] = start_with_child({"--heartbeat-timeout", "1s"});
  // A corrupt (or stolen) lease: the epoch moves under the supervisor.
  sqlite("UPDATE runs SET lease_epoch = lease_epoch + 7 WHERE id = '" + id + "'");
  EXPECT_TRUE(eventually([&] { return process_gone(bg); }))
    << "the supervisor kept running a command it no longer owns";
  EXPECT_TRUE(eventually([&] { return process_gone(supervisor); }));
  EXPECT_EQ(status(id)["status"], "running"); // it wrote nothing
  auto w = worker();
  Json done = settle(id);
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["terminal_reason"], "heartbeat_lost");
}

TEST_F(Registry, TheReaperSettlesStuckBootsAndCorruptBeats)
{
  std::string stuck = queue("submit", {"--start-timeout", "1s"}, {"true"});
  std::string corrupt = queue("submit", {}, {"true"});
  // As a worker that died right after claiming would leave them.
  sqlite("UPDATE runs SET status = 'booting', lease_epoch = 1, heartbeat_at = 0, deadline_at = 1 "
         "WHERE id = '" + stuck + "'");
  sqlite("UPDATE runs SET status = 'running', lease_epoch = 1, heartbeat_at = 99999999999999 "
         "WHERE id = '" + corrupt + "'");
  ASSERT_EQ(run({"worker", "--once"}).exit_code, 0);
  Json s = status(stuck);
  EXPECT_EQ(s["status"], "timed_out");
  EXPECT_EQ(s["terminal_reason"], "start_timeout");
  Json c = status(corrupt);
  EXPECT_EQ(c["status"], "failed");
  EXPECT_EQ(c["terminal_reason"], "heartbeat_lost");
  EXPECT_NE(c["metadata"]["error"].get<std::string>().find("corrupt"), std::string::npos);
}

TEST_F(Registry, TwoWorkersRacingNeverRunARunTwice)
{
  std::string batch;
  for (int i = 0; i < 40; ++i) {
    batch += R"({"argv": ["sh", "-c", "echo $HOMEBOY_RUN_ID >> ran.txt"]})" "\n";
  }
  write_file(work_ / "batch.jsonl", batch);
  auto submitted = run({"runs", "submit", "--batch", "batch.jsonl", "--json"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  EXPECT_EQ(submitted.payload()["count"], 40);
  auto a = start({"worker", "--once", "--concurrency", "3"}, {.timeout = 60s});
  auto b = start({"worker", "--once", "--concurrency", "3"}, {.timeout = 60s});
  EXPECT_EQ(a->wait().exit_code, 0);
  EXPECT_EQ(b->wait().exit_code, 0);
  for (const auto& r : list_runs({"--kind", "task"})) settle(r["id"]);
  std::istringstream lines(read_file(work_ / "ran.txt"));
  std::vector<std::string> ran;
  for (std::string line; std::getline(lines, line);) ran.push_back(line);
  EXPECT_EQ(ran.size(), 40u);
  EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()).size(), 40u);
  EXPECT_EQ(list_runs({"--status", "pass"}).size(), 40u); // an observation alias
}

TEST_F(Registry, BatchErrorsNameTheLine)
{
  write_file(work_ / "bad.jsonl", "{\"argv\": [\"true\"]}\n{\"argv\": \"true\"}\n");
  auto r = run({"runs", "submit", "--batch", "bad.jsonl"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(Registry, ReplayRunsTheSameRecipeAgainLinkedToTheOriginal)
{
  std::string id = queue("start", {"--env", "N=7", "--name", "again"}, {"sh", "-c", "echo n=$N"});
  settle(id);
  auto r = run({"runs", "replay", id, "--start"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string replayed = trim(r.out);
  ASSERT_NE(replayed, id);
  Json s = settle(replayed);
  EXPECT_EQ(s["status"], "succeeded");
  EXPECT_EQ(s["metadata"]["replay_of"], id);
  EXPECT_EQ(s["metadata"]["name"], "again");
  EXPECT_EQ(run({"runs", "logs", replayed}).out, "n=7\n");
}

TEST_F(Registry, ARecipeWithASecretTypedIntoItIsNotReplayedMasked)
{
  std::string id = queue("submit", {"--secret-env", "TOKEN"}, {"echo", "tok-abc-123"},
                         {{"TOKEN", "tok-abc-123"}});
  EXPECT_EQ(status(id)["command"], "echo ***");
  auto r = run({"runs", "replay", id});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot be replayed as recorded"), std::string::npos) << r.err;
  EXPECT_EQ(list_runs().size(), 1u);
}

TEST_F(Registry, AProducerBeatsAndReportsPreviewInfo)
{
  write_file(work_ / "go", "");
  std::string script =
    "\"$HB\" runs heartbeat \"$HOMEBOY_RUN_ID\" --message warming-up "
    "--preview '{\"url\": \"http://127.0.0.1:8080\", \"api_token\": \"tok-1\"}' >/dev/null; "
    "while [ -e go ]; do sleep 0.05; done";
  std::string id = queue("start", {"--env", std::string("HB=") + HB_BINARY}, {"sh", "-c", script});
  Json s = wait_for(id, [](const Json& j) { return j["metadata"].contains("preview"); });
  EXPECT_EQ(s["metadata"]["preview"]["url"], "http://127.0.0.1:8080");
  EXPECT_EQ(s["metadata"]["preview"]["api_token"], "***");
  fs::remove(work_ / "go");
  Json done = settle(id);
  EXPECT_EQ(done["metadata"]["preview"]["url"], "http://127.0.0.1:8080"); // kept at settle
  auto events = run({"runs", "events", id});
  EXPECT_NE(events.out.find("warming-up"), std::string::npos) << events.out;
  auto finished = run({"runs", "heartbeat", id});
  EXPECT_EQ(finished.exit_code, 1);
  EXPECT_NE(finished.err.find("only a booting or running run takes heartbeats"), std::string::npos);
  auto bad = run({"runs", "heartbeat", id, "--preview", "[1]"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--preview must be a JSON object, not array"), std::string::npos) << bad.err;
}

TEST_F(Registry, FollowingLogsAndEventsEndsWhenTheRunSettles)
{
  write_file(work_ / "go", "");
  std::string id = queue("start", {}, {"sh", "-c", "echo one; while [ -e go ]; do sleep 0.05; done; echo two"});
  auto logs = start({"runs", "logs", id, "--follow"});
  auto events = start({"runs", "events", id, "--follow", "--json"});
  wait_for(id, active);
  fs::remove(work_ / "go");
  auto l = logs->wait();
  EXPECT_EQ(l.exit_code, 0);
  EXPECT_EQ(l.out, "one\ntwo\n");
  auto e = events->wait();
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_NE(e.out.find("\"to\":\"succeeded\""), std::string::npos) << e.out;
  auto tail = run({"runs", "logs", id, "--tail", "1"});
  EXPECT_EQ(tail.out, "two\n");
}

TEST_F(Registry, AFullDiskWhileCollectingFailsTheRunWithNothingHalfWritten)
{
  // A 256 KiB file system as the artifact root, in a private mount namespace.
  std::string big(1 << 20, 'x');
  write_file(work_ / "big.bin", big);
  fs::path root = root_ / "small-root";
  fs::create_directories(root);
  std::string script =
    "set -e; mount -t tmpfs -o size=256k tmpfs \"$ROOT\"; "
    "id=$(\"$HB\" runs start --artifact big.bin -- true); "
    "\"$HB\" runs status \"$id\" --wait --timeout 30s >/dev/null || true; "
    "echo \"$id\"; find \"$ROOT\" -type f | sort";
  auto r = exec({"unshare", "--mount", "--map-root-user", "sh", "-c", script},
                {.env = {{"ROOT", root.string()}, {"HB", HB_BINARY},
                         {"HOMEBOY_ARTIFACT_ROOT", root.string()}},
                 .timeout = 60s});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::istringstream lines(r.out);
  std::string id;
  std::getline(lines, id);
  Json s = status(id);
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["terminal_reason"], "artifact_collection_failed");
  EXPECT_NE(s["metadata"]["error"].get<std::string>().find("big.bin"), std::string::npos)
    << s["metadata"].dump();
  // The logs stay (they are whole); no partial copy of big.bin, no manifest.
  EXPECT_EQ(r.out.find("big.bin"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("manifest.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stdout.log"), std::string::npos) << r.out;
}

TEST_F(Registry, BenchRunsAndTaskRunsShareTheLifecycleAndTheReaper)
{
  make_component("basic", "two_scenarios.sh");
  auto bench = bench_json({"basic", "--iterations", "2"});
  ASSERT_EQ(bench.exit_code, 0) << bench.describe();
  std::string task = queue("start", {}, {"true"});
  settle(task);
  std::set<std::string> kinds;
  for (const auto& r : list_runs({"--status", "terminal"})) kinds.insert(r["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"bench", "task"}));

  // A `homeboy bench` that died without settling (no heartbeats: it is
  // judged by its owner process) is settled by any worker's reaper.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string bench_id = list_runs({"--kind", "bench"}).front()["id"];
  sqlite("UPDATE runs SET status = 'running', owner_pid = 999999, lease_owner = '" +
         std::string(host) + ":999999' WHERE id = '" + bench_id + "'");
  ASSERT_EQ(run({"worker", "--once"}).exit_code, 0);
  Json s = status(bench_id);
  EXPECT_EQ(s["run_status"], "failed");
  EXPECT_EQ(s["terminal_reason"], "owner_gone");
}

TEST_F(Registry, RetainForKeepsARunFromCleanupAndCleanupTakesTheRestWithItsFiles)
{
  std::string kept = queue("start", {"--retain-for", "7d"}, {"true"});
  std::string gone = queue("start", {}, {"true"});
  std::string active = queue("start", {}, {"sleep", "30"});
  settle(kept);
  settle(gone);
  wait_for(active, [](const Json& s) { return s["status"] == "running"; });
  ASSERT_TRUE(fs::exists(data_ / "artifacts" / gone / "stdout.log"));
  auto applied = run({"runs", "cleanup", "--apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.describe();
  std::set<std::string> left;
  for (const auto& r : list_runs()) left.insert(r["id"]);
  EXPECT_EQ(left, (std::set<std::string>{kept, active}));
  EXPECT_FALSE(fs::exists(data_ / "artifacts" / gone));
  EXPECT_TRUE(fs::exists(data_ / "artifacts" / kept / "stdout.log"));
  EXPECT_TRUE(fs::exists(data_ / "artifacts" / active / "stdout.log"));
  EXPECT_FALSE(status(kept)["eligible_at"].is_null());
}

TEST_F(Registry, AStartedRunIsNeverQueuedSoNoWorkerCanRaceItsCaller)
{
  // Were it queued first, a worker woken by the insert could claim it
  // before `runs start` did, and start would fail although the run goes on.
  auto w = worker({"--concurrency", "4"});
  for (int i = 0; i < 5; ++i) {
    auto r = run({"runs", "start", "--", "true"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    std::string id = trim(r.out);
    Json s = settle(id);
    EXPECT_EQ(s["status"], "succeeded");
    EXPECT_EQ(s["lease_epoch"], 1) << "claimed once, by the caller of runs start";
    Json events = run({"runs", "events", id, "--json"}).payload();
    ASSERT_FALSE(events["events"].empty());
    EXPECT_EQ(events["events"][0]["data"]["status"], "booting") << events.dump();
  }
}

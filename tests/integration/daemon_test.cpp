// homeboy daemon as a client sees it: a real daemon started with `homeboy
// daemon start` on an ephemeral port in a temporary HOME, driven over HTTP
// with curl: the API's success and error paths, a submitted run executed by
// the daemon's worker and followed through its event stream, cancel,
// Last-Event-ID resume, tokens, origins, and the start/stop/status lifecycle.

#include "integration/daemon_fixture.hpp"

#include <csignal>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace hbit;

namespace {

TEST_F(Daemon, ExecutesASubmittedRunAndServesItsDetailLogsAndEvents)
{
  ASSERT_FALSE(start_daemon().empty());
  std::string id = submit({"sh", "-c", "echo out-line; echo err-line >&2; echo second"});
  ASSERT_FALSE(id.empty());
  Json detail = wait_status(id, {"succeeded", "failed"});
  EXPECT_EQ(detail["status"], "succeeded") << detail.dump(2);
  EXPECT_TRUE(detail["events"].is_array());
  EXPECT_GE(detail["events"].size(), 3u) << detail.dump(2); // submitted, booting, ..., succeeded

  auto list = http("GET", "/api/v1/runs?kind=task&limit=5");
  ASSERT_EQ(list.status, 200) << list.describe();
  EXPECT_EQ(list.json()["command"], "runs.list");
  EXPECT_EQ(list.json()["runs"][0]["id"], id);
  // The CLI reads the same store and prints the same row.
  auto cli = run({"runs", "list", "--kind", "task", "--json"});
  EXPECT_EQ(cli.payload()["runs"][0]["id"], id) << cli.describe();

  auto logs = http("GET", "/api/v1/runs/" + id + "/logs?tail=1");
  ASSERT_EQ(logs.status, 200) << logs.describe();
  EXPECT_EQ(logs.json()["stdout"], "second\n");
  EXPECT_EQ(logs.json()["stderr"], "err-line\n");

  // The run settled, so its event stream sends everything and ends.
  auto events = http("GET", "/api/v1/runs/" + id + "/events");
  ASSERT_EQ(events.status, 200) << events.describe();
  EXPECT_NE(events.headers.find("text/event-stream"), std::string::npos);
  EXPECT_NE(events.body.find("id: 1\n"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"to\":\"succeeded\""), std::string::npos) << events.body;
  // Resumed after event 1: event 1 is not sent again, the later ones are.
  auto resumed = http("GET", "/api/v1/runs/" + id + "/events", "", {"Last-Event-ID: 1"});
  ASSERT_EQ(resumed.status, 200) << resumed.describe();
  EXPECT_EQ(resumed.body.find("id: 1\n"), std::string::npos) << resumed.body;
  EXPECT_NE(resumed.body.find("id: 2\n"), std::string::npos) << resumed.body;
  // Its output comes as `log` events, each stream's lines in order.
  EXPECT_NE(events.body.find("event: log\n"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"text\":\"out-line\\nsecond\\n\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"text\":\"err-line\\n\""), std::string::npos) << events.body;
  // The last id covers the events and the output: resuming there repeats nothing.
  auto last = events.body.rfind("id: ");
  ASSERT_NE(last, std::string::npos);
  std::string last_id = events.body.substr(last + 4, events.body.find('\n', last) - last - 4);
  EXPECT_NE(last_id.find(':'), std::string::npos) << last_id;
  auto after_all = http("GET", "/api/v1/runs/" + id + "/events", "", {"Last-Event-ID: " + last_id});
  ASSERT_EQ(after_all.status, 200) << after_all.describe();
  EXPECT_EQ(after_all.body.find("out-line"), std::string::npos) << after_all.body;
  EXPECT_EQ(after_all.body.find("event: status"), std::string::npos) << after_all.body;
  EXPECT_EQ(http("GET", "/api/v1/runs/" + id + "/events", "", {"Last-Event-ID: 1:x:2"}).status, 400);
}

TEST_F(Daemon, CancelsARunningRunThroughTheApi)
{
  ASSERT_FALSE(start_daemon().empty());
  std::string id = submit({"sleep", "60"});
  wait_status(id, {"running"});
  auto cancel = http("POST", "/api/v1/runs/" + id + "/cancel", R"({"reason": "from the API"})");
  ASSERT_EQ(cancel.status, 200) << cancel.describe();
  EXPECT_EQ(cancel.json()["command"], "runs.cancel");
  Json detail = wait_status(id, {"cancelled", "failed", "succeeded"});
  EXPECT_EQ(detail["status"], "cancelled") << detail.dump(2);
}

TEST_F(Daemon, BadRequestsGetTheErrorEnvelopeWithTheRightStatus)
{
  ASSERT_FALSE(start_daemon().empty());
  auto unknown = http("GET", "/api/v1/runs/ffffffff-0000");
  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  EXPECT_EQ(unknown.json()["success"], false);
  EXPECT_EQ(unknown.json()["error"]["code"], "run.not_found");

  auto bad_json = http("POST", "/api/v1/runs", "{\"argv\": [");
  EXPECT_EQ(bad_json.status, 400) << bad_json.describe();
  EXPECT_EQ(bad_json.json()["error"]["code"], "validation.invalid_json");

  auto unknown_field = http("POST", "/api/v1/runs", R"({"argv": ["true"], "cwd": "/", "colour": 1})");
  EXPECT_EQ(unknown_field.status, 400) << unknown_field.describe();
  EXPECT_NE(unknown_field.json()["error"]["message"].get<std::string>().find("colour"), std::string::npos);

  auto wrong_type = http("POST", "/api/v1/runs", R"({"argv": "true", "cwd": "/"})");
  EXPECT_EQ(wrong_type.status, 400) << wrong_type.describe();

  auto bad_limit = http("GET", "/api/v1/runs?limit=0");
  EXPECT_EQ(bad_limit.status, 400) << bad_limit.describe();
  auto bad_status = http("GET", "/api/v1/runs?status=sideways");
  EXPECT_EQ(bad_status.status, 400) << bad_status.describe();
  auto bad_param = http("GET", "/api/v1/runs?colour=red");
  EXPECT_EQ(bad_param.status, 400) << bad_param.describe();

  auto no_route = http("GET", "/api/v1/nothing");
  EXPECT_EQ(no_route.status, 404) << no_route.describe();
  EXPECT_EQ(no_route.json()["error"]["code"], "api.no_route");

  auto compare = http("GET", "/api/v1/compare?runs=abcd");
  EXPECT_EQ(compare.status, 400) << compare.describe();

  auto big = http("POST", "/api/v1/runs", std::string(2 << 20, ' '));
  EXPECT_EQ(big.status, 413) << big.status;
}

TEST_F(Daemon, ArtifactDownloadsNeverLeaveTheArtifactRoot)
{
  ASSERT_FALSE(start_daemon().empty());
  write_file(work_ / "report.json", R"({"ok": true})");
  Json body = {{"argv", {"true"}}, {"cwd", work_.string()}, {"artifacts", {"report.json"}}};
  auto submitted = http("POST", "/api/v1/runs", body.dump());
  ASSERT_EQ(submitted.status, 201) << submitted.describe();
  std::string id = submitted.json()["run_id"];
  Json detail = wait_status(id, {"succeeded", "failed"});
  ASSERT_EQ(detail["status"], "succeeded") << detail.dump(2);
  std::string artifact;
  for (const auto& a : detail["artifacts"]) {
    if (a["path"].get<std::string>().find("report.json") != std::string::npos) artifact = a["id"];
  }
  ASSERT_FALSE(artifact.empty()) << detail.dump(2);
  auto got = http("GET", "/api/v1/runs/" + id + "/artifacts/" + artifact);
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(got.body, R"({"ok": true})");
  EXPECT_NE(got.headers.find("Content-Type: application/json"), std::string::npos) << got.headers;
  EXPECT_NE(got.headers.find("Content-Disposition: attachment; filename=\"report.json\""),
            std::string::npos) << got.headers;

  for (std::string name : {"..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..", "....%2F"}) {
    auto h = http("GET", "/api/v1/runs/" + id + "/artifacts/" + name);
    EXPECT_EQ(h.status, 404) << name << " " << h.describe();
    EXPECT_EQ(h.body.find("root:"), std::string::npos);
  }
  // A row that points outside the artifact root is not served either.
  sqlite("UPDATE artifacts SET path = '/etc/hostname', sha256 = '' WHERE id = '" + artifact + "'");
  auto outside = http("GET", "/api/v1/runs/" + id + "/artifacts/" + artifact);
  EXPECT_EQ(outside.status, 403) << outside.describe();
  EXPECT_EQ(outside.json()["error"]["code"], "artifact.outside_root");
}

TEST_F(Daemon, PromoteRetainAndReplayActOnTheStore)
{
  ASSERT_FALSE(start_daemon().empty());
  std::string id = submit({"true"});
  wait_status(id, {"succeeded"});
  auto promoted = http("POST", "/api/v1/runs/" + id + "/promote", R"({"reason": "keep"})");
  ASSERT_EQ(promoted.status, 200) << promoted.describe();
  auto retained = http("POST", "/api/v1/runs/" + id + "/retain", R"({"until": "30d"})");
  ASSERT_EQ(retained.status, 200) << retained.describe();
  auto bad_retain = http("POST", "/api/v1/runs/" + id + "/retain", R"({"until": "yesterday-ish"})");
  EXPECT_EQ(bad_retain.status, 400) << bad_retain.describe();
  auto replayed = http("POST", "/api/v1/runs/" + id + "/replay", "{}");
  ASSERT_EQ(replayed.status, 201) << replayed.describe();
  std::string again = replayed.json()["run_id"];
  EXPECT_EQ(replayed.json()["replay_of"], id);
  EXPECT_EQ(wait_status(again, {"succeeded", "failed"})["status"], "succeeded");
  auto show = run({"runs", "show", id, "--json"});
  EXPECT_FALSE(show.payload()["run"]["promoted_at"].is_null()) << show.describe();
}

TEST_F(Daemon, StartStatusStopAndASecondStart)
{
  std::string address = start_daemon();
  ASSERT_FALSE(address.empty());
  auto again = run({"daemon", "start", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.out.find("already runs"), std::string::npos) << again.describe();

  auto status = run({"daemon", "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  Json s = status.payload();
  EXPECT_EQ(s["listen"], address);
  EXPECT_EQ(s["running"], true);
  EXPECT_EQ(s["responding"], true);
  EXPECT_GT(s["pid"].get<int>(), 0);
  EXPECT_EQ(s["store"], (data_ / "homeboy.sqlite").string());
  EXPECT_FALSE(s["version"].get<std::string>().empty());

  auto api = http("GET", "/api/v1/status");
  ASSERT_EQ(api.status, 200) << api.describe();
  EXPECT_EQ(api.json()["pid"], s["pid"]);

  auto stop = run({"daemon", "stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_NE(stop.out.find("Stopped"), std::string::npos);
  auto after = run({"daemon", "status"});
  EXPECT_EQ(after.exit_code, 3) << after.describe();
  EXPECT_NE(after.out.find("No daemon"), std::string::npos);
}

TEST_F(Daemon, AKilledDaemonIsNotReportedAndANewOneStarts)
{
  ASSERT_FALSE(start_daemon().empty());
  auto status = run({"daemon", "status", "--json"});
  int pid = status.payload()["pid"];
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
  auto after = run({"daemon", "status"});
  EXPECT_EQ(after.exit_code, 3) << after.describe();
  EXPECT_FALSE(start_daemon().empty());
}

TEST_F(Daemon, BadListenAddressesAndAPortInUseAreRefusedClearly)
{
  auto nonsense = run({"daemon", "serve", "--listen", "nowhere"});
  EXPECT_EQ(nonsense.exit_code, 2) << nonsense.describe();
  EXPECT_NE(nonsense.err.find("no port"), std::string::npos) << nonsense.describe();
  auto port = run({"daemon", "serve", "--listen", "127.0.0.1:70000"});
  EXPECT_EQ(port.exit_code, 2) << port.describe();
  auto open = run({"daemon", "serve", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(open.exit_code, 2) << open.describe();
  EXPECT_NE(open.err.find("without a token"), std::string::npos) << open.describe();

  std::string address = start_daemon();
  ASSERT_FALSE(address.empty());
  // Another data root, the same port.
  auto taken = run({"daemon", "serve", "--listen", address},
                   {{"HOMEBOY_DATA_DIR", (root_ / "other-data").string()}});
  EXPECT_EQ(taken.exit_code, 1) << taken.describe();
  EXPECT_NE(taken.err.find("already in use"), std::string::npos) << taken.describe();
  // The same data root: one daemon per store.
  auto second = run({"daemon", "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(second.exit_code, 1) << second.describe();
  EXPECT_NE(second.err.find("already serves"), std::string::npos) << second.describe();
}

TEST_F(Daemon, ATokenIsRequiredWhenConfiguredAndForeignOriginsAreRefused)
{
  fs::path token = root_ / "token";
  write_file(token, "0123456789abcdef0123456789abcdef\n");
  ::chmod(token.c_str(), 0644);
  auto loose = run({"daemon", "serve", "--listen", "0.0.0.0:0", "--token-file", token.string()});
  EXPECT_EQ(loose.exit_code, 2) << loose.describe();
  EXPECT_NE(loose.err.find("chmod 600"), std::string::npos) << loose.describe();
  ::chmod(token.c_str(), 0600);
  ASSERT_FALSE(start_daemon({"--token-file", token.string()}).empty());

  auto none = http("GET", "/api/v1/runs");
  EXPECT_EQ(none.status, 401) << none.describe();
  EXPECT_EQ(none.json()["error"]["code"], "auth.missing_token");
  auto wrong = http("GET", "/api/v1/runs", "", {"Authorization: Bearer not-the-token-at-all"});
  EXPECT_EQ(wrong.status, 401) << wrong.describe();
  auto right = http("GET", "/api/v1/runs", "", {"Authorization: Bearer 0123456789abcdef0123456789abcdef"});
  EXPECT_EQ(right.status, 200) << right.describe();
  auto foreign = http("POST", "/api/v1/runs", R"({"argv": ["true"], "cwd": "/"})",
                      {"Authorization: Bearer 0123456789abcdef0123456789abcdef",
                       "Origin: https://evil.example"});
  EXPECT_EQ(foreign.status, 403) << foreign.describe();
  EXPECT_EQ(foreign.json()["error"]["code"], "auth.foreign_origin");
}

TEST_F(Daemon, WithoutATokenFileAGeneratedTokenGuardsEveryChange)
{
  ASSERT_FALSE(start_daemon().empty());
  fs::path token_file = config_ / "daemon.token";
  ASSERT_TRUE(fs::exists(token_file));
  struct stat info{};
  ASSERT_EQ(::stat(token_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string token = read_file(token_file);
  EXPECT_EQ(token.size(), 65u) << token; // 64 hex characters and a newline

  // Reads on loopback need no token; a change without it is refused.
  EXPECT_EQ(http("GET", "/api/v1/runs").status, 200);
  Json body = {{"argv", {"true"}}, {"cwd", work_.string()}};
  auto refused = http("POST", "/api/v1/runs", body.dump(), {"Authorization: none"});
  EXPECT_EQ(refused.status, 401) << refused.describe();
  EXPECT_EQ(refused.json()["error"]["code"], "auth.missing_token");
  auto wrong = http("POST", "/api/v1/runs", body.dump(), {"Authorization: Bearer 0000000000000000000000"});
  EXPECT_EQ(wrong.status, 401) << wrong.describe();
  EXPECT_EQ(http("POST", "/api/v1/runs", body.dump()).status, 201); // the fixture sends the token
  auto status = run({"daemon", "status"});
  EXPECT_NE(status.out.find("required for changes (POST, DELETE): " + token_file.string()),
            std::string::npos) << status.describe();

  // A restart keeps the same token.
  ASSERT_EQ(run({"daemon", "stop"}).exit_code, 0);
  ASSERT_FALSE(start_daemon().empty());
  EXPECT_EQ(read_file(token_file), token);
}

TEST_F(Daemon, ABenchQueuedThroughTheApiProducesABenchRunLinkedToItsJob)
{
  make_component("basic", "two_scenarios.sh");
  // A first bench, so the scope knows the component's scenarios and metrics.
  auto first = run({"bench", "basic", "--iterations", "3"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  ASSERT_FALSE(start_daemon().empty());

  auto scope = http("GET", "/api/v1/scope");
  ASSERT_EQ(scope.status, 200) << scope.describe();
  Json components = scope.json()["components"];
  ASSERT_EQ(components.size(), 1u) << scope.describe();
  EXPECT_EQ(components[0]["id"], "basic");
  EXPECT_GE(components[0]["scenarios"].size(), 2u) << scope.describe();
  EXPECT_FALSE(components[0]["metrics"].empty()) << scope.describe();
  // Each scenario with its own metrics, for a scenario -> metric tree.
  Json per = components[0]["scenario_metrics"];
  ASSERT_EQ(per.size(), components[0]["scenarios"].size()) << scope.describe();
  for (const auto& [scenario, names] : per.items()) EXPECT_FALSE(names.empty()) << scenario;

  Json body = {{"component", "basic"}, {"iterations", 3}};
  auto queued = http("POST", "/api/v1/bench", body.dump());
  ASSERT_EQ(queued.status, 201) << queued.describe();
  std::string job = queued.json()["run_id"];
  EXPECT_EQ(queued.json()["kind"], "bench-job");
  Json detail = wait_status(job, {"succeeded", "failed"});
  EXPECT_EQ(detail["status"], "succeeded") << detail.dump(2);
  std::string produced;
  for (const auto& e : detail["events"]) {
    if (e["type"] == "produced") produced = e["data"]["run_id"];
  }
  ASSERT_FALSE(produced.empty()) << detail.dump(2);
  auto bench = http("GET", "/api/v1/runs/" + produced);
  ASSERT_EQ(bench.status, 200) << bench.describe();
  EXPECT_EQ(bench.json()["run"]["kind"], "bench");
  EXPECT_EQ(bench.json()["run"]["metadata"]["job"]["run_id"], job) << bench.describe();

  // Bad requests name what was wrong, and queue nothing.
  auto unknown = http("POST", "/api/v1/bench", R"({"component": "nope"})");
  EXPECT_EQ(unknown.status, 400) << unknown.describe();
  EXPECT_NE(unknown.json()["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  auto rig = http("POST", "/api/v1/bench", R"({"component": "basic", "rigs": ["missing-rig"]})");
  EXPECT_EQ(rig.status, 400) << rig.describe();
  auto zero = http("POST", "/api/v1/bench", R"({"component": "basic", "iterations": 0})");
  EXPECT_EQ(zero.status, 400) << zero.describe();
  auto typed = http("POST", "/api/v1/bench", R"({"component": "basic", "iterations": "3"})");
  EXPECT_EQ(typed.status, 400) << typed.describe();
  EXPECT_EQ(http("GET", "/api/v1/runs?kind=bench-job").json()["runs"].size(), 1u);
}

TEST_F(Daemon, TheOpenApiDocumentIsServed)
{
  ASSERT_FALSE(start_daemon().empty());
  auto doc = http("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200) << doc.describe();
  EXPECT_EQ(doc.json()["openapi"], "3.0.3");
  EXPECT_TRUE(doc.json()["paths"].contains("/api/v1/runs/{run_id}/artifacts/{artifact_id}"));
}

} // namespace

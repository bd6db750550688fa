// Remote runners as a user sees them: a daemon in this test's data root
// plays the runner's machine; the client reads it from another data root
// with `runner add|list|status|remove` and `runs list|show --runner`,
// `runs list --include-active-runner-jobs`, and the errors for a runner that
// is down, one whose token is refused, and one that does not exist.

#include "integration/daemon_fixture.hpp"

#include <gmock/gmock.h>

#include <sys/stat.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class Runner : public Daemon
{
protected:
  /// `homeboy ARGS` as the client machine: its own, empty store.
  RunResult client(const std::vector<std::string>& args)
  {
    return run(args, {{"HOMEBOY_DATA_DIR", (root_ / "client-data").string()}});
  }
};

} // namespace

TEST_F(Runner, ReadsAnotherMachinesRunsThroughItsDaemon)
{
  ASSERT_FALSE(start_daemon().empty());
  std::string done = submit({"true"});
  std::string busy = submit({"sleep", "30"});
  wait_status(done, {"succeeded"});
  wait_status(busy, {"running"});

  auto added = client({"runner", "add", "lab", "--url", "http://" + address_});
  ASSERT_EQ(added.exit_code, 0) << added.describe();
  auto listed = client({"runner", "list"});
  EXPECT_THAT(listed.out, HasSubstr("lab"));
  auto status = client({"runner", "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  EXPECT_EQ(status.payload()["runners"][0]["reachable"], true);

  auto remote = client({"runs", "list", "--runner", "lab", "--json"});
  ASSERT_EQ(remote.exit_code, 0) << remote.describe();
  EXPECT_EQ(remote.payload()["runs"].size(), 2u) << remote.describe();
  EXPECT_EQ(remote.payload()["runner"], "lab");
  auto filtered = client({"runs", "list", "--runner", "lab", "--status", "succeeded"});
  EXPECT_THAT(filtered.out, HasSubstr(done.substr(0, 8)));
  EXPECT_THAT(filtered.out, Not(HasSubstr(busy.substr(0, 8))));

  // The local store has none; --include-active-runner-jobs appends the
  // runner's active run, and a runner that is down is reported, not fatal.
  ASSERT_EQ(client({"runner", "add", "down", "--url", "http://127.0.0.1:9"}).exit_code, 0);
  auto local = client({"runs", "list", "--include-active-runner-jobs", "--json"});
  ASSERT_EQ(local.exit_code, 0) << local.describe();
  EXPECT_TRUE(local.payload()["runs"].empty());
  Json jobs = local.payload()["runner_jobs"];
  ASSERT_EQ(jobs.size(), 2u) << local.describe();
  EXPECT_EQ(jobs[0]["runner"], "down");
  EXPECT_EQ(jobs[0]["error"]["code"], "runner.unreachable");
  EXPECT_EQ(jobs[1]["runner"], "lab");
  ASSERT_EQ(jobs[1]["runs"].size(), 1u) << local.describe();
  EXPECT_EQ(jobs[1]["runs"][0]["id"], busy);
  auto human = client({"runs", "list", "--include-active-runner-jobs"});
  EXPECT_THAT(human.out, HasSubstr("Active on runner lab:"));
  EXPECT_THAT(human.out, HasSubstr("warning: runner down (http://127.0.0.1:9) did not answer"));
  auto down = client({"runner", "status"});
  EXPECT_EQ(down.exit_code, 1) << down.describe();
  EXPECT_THAT(down.out, HasSubstr("unreachable"));

  auto shown = client({"runs", "show", done.substr(0, 8), "--runner", "lab"});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_THAT(shown.out, HasSubstr("(on runner lab)"));
  EXPECT_THAT(shown.out, HasSubstr("succeeded"));
  auto field = client({"runs", "show", done, "--runner", "lab", "-q", "$.run_status"});
  EXPECT_THAT(field.out, HasSubstr("succeeded")) << field.describe();
  auto missing = client({"runs", "show", "00000000-dead", "--runner", "lab"});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  auto unknown = client({"runs", "list", "--runner", "nope"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("no runner named nope; known runners: down, lab"));

  // Logs and artifact bytes come from the runner too (the worker runs one
  // run at a time: the busy one goes first).
  http("POST", "/api/v1/runs/" + busy + "/cancel", "{}");
  wait_status(busy, {"cancelled"});
  Json body = {{"argv", {"sh", "-c", "echo hello-from-lab; echo '{\"ok\": 1}' > report.json"}},
               {"cwd", work_.string()}, {"artifacts", {"report.json"}}};
  auto made = http("POST", "/api/v1/runs", body.dump());
  ASSERT_EQ(made.status, 201) << made.describe();
  std::string with_files = made.json()["run_id"];
  Json detail = wait_status(with_files, {"succeeded", "failed"});
  ASSERT_EQ(detail["status"], "succeeded") << detail.dump(2);
  auto logs = client({"runs", "logs", with_files, "--runner", "lab"});
  ASSERT_EQ(logs.exit_code, 0) << logs.describe();
  EXPECT_EQ(logs.out, "hello-from-lab\n");
  std::string artifact;
  for (const auto& a : detail["artifacts"]) {
    if (a["path"].get<std::string>().find("report.json") != std::string::npos) artifact = a["id"];
  }
  ASSERT_FALSE(artifact.empty()) << detail.dump(2);
  auto bytes = client({"runs", "artifact", "get", with_files, artifact, "--runner", "lab"});
  ASSERT_EQ(bytes.exit_code, 0) << bytes.describe();
  EXPECT_EQ(bytes.out, "{\"ok\": 1}\n");
  EXPECT_TRUE(fs::exists(root_ / "client-data" / "artifacts" / "runner" / "lab" / with_files / artifact));
  auto escape = client({"runs", "artifact", "get", "../../etc", "passwd", "--runner", "lab"});
  EXPECT_EQ(escape.exit_code, 2) << escape.describe();

  ASSERT_EQ(client({"runner", "remove", "down"}).exit_code, 0);
  EXPECT_THAT(client({"runner", "list"}).out, Not(HasSubstr("down")));
}

TEST_F(Runner, ATokenTheDaemonRefusesIsReportedAsSuch)
{
  fs::path token = root_ / "token";
  write_file(token, "0123456789abcdef0123456789abcdef\n");
  ::chmod(token.c_str(), 0600);
  ASSERT_FALSE(start_daemon({"--token-file", token.string()}).empty());
  ASSERT_EQ(client({"runner", "add", "open", "--url", "http://" + address_}).exit_code, 0);
  auto refused = client({"runs", "list", "--runner", "open"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("runner open refused the request (HTTP 401"));
  EXPECT_THAT(refused.err, HasSubstr("--token-file"));

  fs::path wrong = root_ / "wrong";
  write_file(wrong, "ffffffffffffffffffffffffffffffff\n");
  ::chmod(wrong.c_str(), 0600);
  ASSERT_EQ(client({"runner", "add", "wrong", "--url", "http://" + address_, "--token-file", wrong.string()}).exit_code, 0);
  auto bad = client({"runs", "list", "--runner", "wrong"});
  EXPECT_THAT(bad.err, HasSubstr("holds a token the daemon does not accept"));

  ASSERT_EQ(client({"runner", "add", "right", "--url", "http://" + address_, "--token-file", token.string()}).exit_code, 0);
  EXPECT_EQ(client({"runs", "list", "--runner", "right"}).exit_code, 0);
}

TEST_F(Runner, BadRunnerDefinitionsAreRefused)
{
  auto bad_url = client({"runner", "add", "x", "--url", "ftp://host"});
  EXPECT_EQ(bad_url.exit_code, 2) << bad_url.describe();
  EXPECT_THAT(bad_url.err, HasSubstr("give the daemon's address as http://HOST:PORT"));
  auto bad_id = client({"runner", "add", "../x", "--url", "http://h:1"});
  EXPECT_EQ(bad_id.exit_code, 2) << bad_id.describe();
  fs::path loose = root_ / "loose";
  write_file(loose, "0123456789abcdef0123456789abcdef\n");
  ::chmod(loose.c_str(), 0644);
  auto insecure = client({"runner", "add", "x", "--url", "http://h:1", "--token-file", loose.string()});
  EXPECT_EQ(insecure.exit_code, 2) << insecure.describe();
  EXPECT_THAT(insecure.err, HasSubstr("chmod 600"));
  ASSERT_EQ(client({"runner", "add", "x", "--url", "http://h:1"}).exit_code, 0);
  auto twice = client({"runner", "add", "x", "--url", "http://h:2"});
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_THAT(twice.err, HasSubstr("exists already"));
  EXPECT_EQ(client({"runner", "remove", "nope"}).exit_code, 1);
  auto both = client({"runs", "list", "--runner", "x", "--include-active-runner-jobs"});
  EXPECT_EQ(both.exit_code, 2) << both.describe();
}

// homeboy runs import --from-gh-actions against a fake GitHub API
// (tests/fixtures/gh-api/server.py): by run id and by workflow, idempotent
// re-imports, glob filtering, expired artifacts, the token kept out of
// every output and the store, and failures that leave the store unchanged.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const fs::path k_server = fs::path(HB_FIXTURES_DIR) / "gh-api" / "server.py";
const std::string k_token = "ghp_TESTTOKEN0123456789abcdefSECRET";

class RunsGhImport : public HomeboyTest
{
protected:
  void TearDown() override
  {
    stop_server();
    HomeboyTest::TearDown();
  }

  void start_server(std::vector<std::string> extra = {})
  {
    stop_server();
    fs::path port_file = root_ / "gh-port";
    fs::remove(port_file);
    log_ = root_ / "gh-requests.log";
    std::vector<std::string> args = {"python3", k_server.string(), "--port-file", port_file.string(),
                                     "--log", log_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawnp(&server_pid_, "python3", nullptr, nullptr, argv.data(), environ), 0);
    ASSERT_TRUE(wait_for_file(port_file, 30s)) << "the fake GitHub API did not start";
    api_ = "http://127.0.0.1:" + read_file(port_file);
  }

  void stop_server()
  {
    if (server_pid_ <= 0) return;
    ::kill(server_pid_, SIGTERM);
    int status = 0;
    ::waitpid(server_pid_, &status, 0);
    server_pid_ = -1;
  }

  EnvOverrides env(std::optional<std::string> token = std::nullopt) const
  {
    return {{"HOMEBOY_GITHUB_API_URL", api_}, {"GITHUB_TOKEN", token}};
  }

  RunResult gh_import(std::vector<std::string> args, const EnvOverrides& e, bool json = true)
  {
    std::vector<std::string> full = {"runs", "import", "--from-gh-actions", "--component", "widget",
                                     "--repo", "acme/widget"};
    full.insert(full.end(), args.begin(), args.end());
    if (json) full.push_back("--json");
    return run(full, e);
  }

  fs::path artifact_root() const { return data_ / "artifacts"; }

  /// Every regular file under the artifact root.
  std::vector<fs::path> stored_files() const
  {
    std::vector<fs::path> out;
    if (!fs::exists(artifact_root())) return out;
    for (auto& e : fs::recursive_directory_iterator(artifact_root())) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
  }

  /// The store's bytes (the database and its WAL).
  std::string store_bytes() const
  {
    std::string all;
    for (const char* name : {"homeboy.sqlite", "homeboy.sqlite-wal"}) {
      if (fs::exists(data_ / name)) all += read_file(data_ / name);
    }
    return all;
  }

  void expect_error(const RunResult& r, const std::string& code, const std::string& message)
  {
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    Json e = r.json()["error"];
    EXPECT_EQ(e.value("code", ""), code) << r.describe();
    EXPECT_THAT(e.value("message", ""), HasSubstr(message)) << r.describe();
    EXPECT_THAT(e.value("message", ""), HasSubstr("nothing was imported")) << r.describe();
  }

  void expect_nothing_imported()
  {
    EXPECT_TRUE(list_runs().empty());
    EXPECT_TRUE(stored_files().empty());
  }

  pid_t server_pid_ = -1;
  std::string api_;
  fs::path log_;
};

TEST_F(RunsGhImport, ByRunIdImportsTheRunAndItsJsonFiles)
{
  start_server({"--token", k_token});
  auto r = gh_import({"--run-id", "1001", "--artifact-glob", "bench-*"}, env(k_token));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.import");
  EXPECT_EQ(p["source"], "github-actions");
  EXPECT_EQ(p["changed"], true);
  ASSERT_EQ(p["runs"].size(), 1u) << r.describe();
  Json first = p["runs"][0];
  EXPECT_EQ(first["gh_run_id"], 1001);
  EXPECT_EQ(first["status"], "succeeded");
  EXPECT_EQ(first["state"], "imported");
  std::string id = first["id"];

  ASSERT_EQ(p["artifacts"].size(), 2u) << r.describe(); // notes.txt is not JSON
  std::map<std::string, Json> by_label;
  for (const auto& a : p["artifacts"]) by_label[a["label"]] = a;
  ASSERT_TRUE(by_label.count("bench-results-linux/results.json")) << r.describe();
  ASSERT_TRUE(by_label.count("bench-results-linux/nested/summary.json")) << r.describe();
  Json results = by_label["bench-results-linux/results.json"];
  fs::path expected = artifact_root() / id / "gh-actions" / "bench-results-linux" / "results.json";
  EXPECT_EQ(fs::path(results["path"].get<std::string>()), expected);
  EXPECT_EQ(results["state"], "imported");
  EXPECT_EQ(results["run_id"], id);
  ASSERT_TRUE(fs::exists(expected));
  EXPECT_EQ(Json::parse(read_file(expected))["scenarios"][0]["id"], "parse");
  EXPECT_TRUE(fs::exists(artifact_root() / id / "gh-actions" / "bench-results-linux" / "nested" / "summary.json"));
  EXPECT_EQ(stored_files().size(), 2u);

  // The expired artifact is reported, the non-matching one counted.
  ASSERT_EQ(p["skipped"].size(), 1u) << r.describe();
  EXPECT_EQ(p["skipped"][0]["artifact"], "bench-results-old");
  EXPECT_THAT(p["skipped"][0]["reason"].get<std::string>(), HasSubstr("expired"));
  EXPECT_EQ(p["counts"]["artifacts_not_matching"], 1);

  // The run as the store shows it.
  Json shown = show_run(id);
  EXPECT_EQ(shown["kind"], "gh_actions");
  EXPECT_EQ(shown["component_id"], "widget");
  EXPECT_EQ(shown["run_status"], "succeeded");
  EXPECT_EQ(shown["git_sha"], "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0");
  Json gh = shown["metadata"]["github"];
  EXPECT_EQ(gh["repo"], "acme/widget");
  EXPECT_EQ(gh["run_id"], 1001);
  EXPECT_EQ(gh["workflow"], "bench.yml");
  EXPECT_EQ(gh["run_attempt"], 1);
  EXPECT_EQ(gh["head_branch"], "main");
  EXPECT_EQ(gh["event"], "push");
  EXPECT_EQ(gh["html_url"], "https://github.com/acme/widget/actions/runs/1001");
  EXPECT_EQ(gh["artifacts"], Json::array({"bench-results-linux"}));
  auto listed = run({"runs", "artifacts", id, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  Json artifacts = listed.payload()["artifacts"];
  EXPECT_EQ(artifacts.size(), 2u);
  for (const auto& a : artifacts) {
    EXPECT_EQ(a["kind"], "json");
    EXPECT_EQ(a["sha256"].get<std::string>().size(), 64u);
  }

  // The token was sent, and is nowhere else.
  EXPECT_THAT(read_file(log_), HasSubstr("auth=yes"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
  EXPECT_EQ(store_bytes().find(k_token), std::string::npos);
  auto human = gh_import({"--run-id", "1001", "--artifact-glob", "bench-*"}, env(k_token), false);
  EXPECT_THAT(human.out + human.err, Not(HasSubstr(k_token)));

  // A second import changes nothing and says so.
  auto again = gh_import({"--run-id", "1001", "--artifact-glob", "bench-*"}, env(k_token));
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  Json q = again.payload();
  EXPECT_EQ(q["changed"], false);
  EXPECT_EQ(q["runs"][0]["id"], id);
  EXPECT_EQ(q["runs"][0]["state"], "already_present");
  ASSERT_EQ(q["artifacts"].size(), 2u);
  for (const auto& a : q["artifacts"]) {
    EXPECT_EQ(a["state"], "already_present");
    EXPECT_EQ(a["id"], by_label[a["label"]]["id"]);
    EXPECT_EQ(a["path"], by_label[a["label"]]["path"]);
  }
  EXPECT_EQ(list_runs().size(), 1u);
  EXPECT_EQ(stored_files().size(), 2u);
  EXPECT_THAT(human.out, HasSubstr("Nothing changed")) << human.describe();
  EXPECT_THAT(human.out, HasSubstr(id)) << human.describe();
  EXPECT_THAT(human.out, HasSubstr(expected.string())) << human.describe();
}

TEST_F(RunsGhImport, ByWorkflowImportsTheFinishedRecentRuns)
{
  start_server();
  auto r = gh_import({"--workflow", "bench.yml", "--limit", "3", "--artifact-glob", "bench-results-*"}, env());
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["runs"].size(), 2u) << r.describe();
  EXPECT_EQ(p["runs"][0]["gh_run_id"], 1002);
  EXPECT_EQ(p["runs"][0]["run_attempt"], 2);
  EXPECT_EQ(p["runs"][0]["status"], "failed");
  EXPECT_EQ(p["runs"][1]["gh_run_id"], 1001);
  EXPECT_NE(p["runs"][0]["id"], p["runs"][1]["id"]);
  // results.json of the mac artifact, two files of the linux one.
  EXPECT_EQ(p["artifacts"].size(), 3u) << r.describe();
  // The run still in progress and the expired artifact are skipped.
  ASSERT_EQ(p["skipped"].size(), 2u) << r.describe();
  EXPECT_EQ(p["skipped"][0]["gh_run_id"], 1005);
  EXPECT_TRUE(p["skipped"][0]["artifact"].is_null());
  EXPECT_THAT(p["skipped"][0]["reason"].get<std::string>(), HasSubstr("in_progress"));
  EXPECT_EQ(list_runs().size(), 2u);
  EXPECT_THAT(read_file(log_), HasSubstr("/workflows/bench.yml/runs?per_page=3"));
  EXPECT_THAT(read_file(log_), Not(HasSubstr("auth=yes")));

  // The same runs by id afterwards are the same homeboy runs.
  auto one = gh_import({"--run-id", "1001", "--artifact-glob", "bench-results-*"}, env());
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  EXPECT_EQ(one.payload()["runs"][0]["id"], p["runs"][1]["id"]);
  EXPECT_EQ(one.payload()["changed"], false);
  // Owner and repository names are case-insensitive on GitHub: the same runs.
  auto upper = run({"runs", "import", "--from-gh-actions", "--component", "widget", "--repo", "ACME/Widget",
                    "--run-id", "1001", "--artifact-glob", "bench-results-*", "--json"},
                   env());
  ASSERT_EQ(upper.exit_code, 0) << upper.describe();
  EXPECT_EQ(upper.payload()["runs"][0]["id"], p["runs"][1]["id"]);
  EXPECT_EQ(upper.payload()["changed"], false);

  // A human table by default.
  auto human = gh_import({"--workflow", "bench.yml", "--artifact-glob", "bench-results-*"}, env(), false);
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr(p["runs"][0]["id"].get<std::string>()));
  EXPECT_THAT(human.out, HasSubstr("skipped run 1005"));
  EXPECT_THAT(human.out, HasSubstr("expired"));
}

TEST_F(RunsGhImport, TheGlobChoosesTheArtifacts)
{
  start_server();
  auto r = gh_import({"--workflow", "bench.yml", "--artifact-glob", "*-mac"}, env());
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["runs"].size(), 2u);
  ASSERT_EQ(p["artifacts"].size(), 1u) << r.describe();
  EXPECT_EQ(p["artifacts"][0]["label"], "bench-results-mac/results.json");
  EXPECT_TRUE(p["skipped"].size() == 1u) << r.describe(); // only the run in progress
  EXPECT_EQ(p["counts"]["artifacts_not_matching"], 3);
  EXPECT_THAT(read_file(log_), Not(HasSubstr("/blobs/5001.zip")));

  // A glob matching nothing still records the run, with no artifacts.
  auto none = gh_import({"--run-id", "1003", "--artifact-glob", "nothing-*"}, env());
  ASSERT_EQ(none.exit_code, 0) << none.describe();
  EXPECT_EQ(none.payload()["runs"][0]["status"], "cancelled");
  EXPECT_TRUE(none.payload()["artifacts"].empty());
}

TEST_F(RunsGhImport, ArtifactsBeyondTheFirstPageAreFound)
{
  start_server();
  auto r = gh_import({"--run-id", "1007", "--artifact-glob", "bench-*"}, env());
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["artifacts"].size(), 1u) << r.describe();
  EXPECT_EQ(p["artifacts"][0]["label"], "bench-page-two/results.json");
  EXPECT_EQ(p["counts"]["artifacts_not_matching"], 100);
  EXPECT_THAT(read_file(log_), HasSubstr("artifacts?per_page=100&page=2"));
}

TEST_F(RunsGhImport, ARefusedTokenSaysToSetGithubToken)
{
  start_server({"--token", k_token});
  auto r = gh_import({"--run-id", "1001", "--artifact-glob", "*"}, env());
  expect_error(r, "gh.unauthorized", "set GITHUB_TOKEN");
  auto wrong = gh_import({"--run-id", "1001", "--artifact-glob", "*"}, env("not-the-token-XYZ"));
  expect_error(wrong, "gh.unauthorized", "GITHUB_TOKEN was refused");
  EXPECT_THAT(wrong.out + wrong.err, Not(HasSubstr("not-the-token-XYZ")));
  expect_nothing_imported();
}

TEST_F(RunsGhImport, AnUnreachableApiLeavesTheStoreUnchanged)
{
  // A port nothing listens on.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(s);
  api_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  ASSERT_EQ(run({"runs", "list", "--json"}).exit_code, 0);
  std::string before = sqlite("SELECT count(*) FROM runs") + "/" + sqlite("SELECT count(*) FROM artifacts");
  auto r = gh_import({"--run-id", "1001", "--artifact-glob", "*"}, env(k_token));
  expect_error(r, "gh.unreachable", "HOMEBOY_GITHUB_API_URL");
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
  EXPECT_EQ(sqlite("SELECT count(*) FROM runs") + "/" + sqlite("SELECT count(*) FROM artifacts"), before);
  expect_nothing_imported();
}

TEST_F(RunsGhImport, UnknownRunsReposAndWorkflowsAre404s)
{
  start_server();
  expect_error(gh_import({"--run-id", "9999", "--artifact-glob", "*"}, env()), "gh.not_found",
               "workflow run 9999 of acme/widget");
  expect_error(gh_import({"--workflow", "nope.yml", "--artifact-glob", "*"}, env()), "gh.not_found",
               "check --repo");
  auto repo = run({"runs", "import", "--from-gh-actions", "--component", "widget", "--repo", "acme/nope",
                   "--run-id", "1001", "--artifact-glob", "*", "--json"},
                  env());
  expect_error(repo, "gh.not_found", "acme/nope");
  expect_nothing_imported();
}

TEST_F(RunsGhImport, MalformedJsonAndServerErrorsImportNothing)
{
  start_server();
  expect_error(gh_import({"--run-id", "1004", "--artifact-glob", "*"}, env()), "gh.invalid_response",
               "not a JSON object");
  start_server({"--fail", "500"});
  expect_error(gh_import({"--run-id", "1001", "--artifact-glob", "*"}, env()), "gh.http_error", "500");
  expect_nothing_imported();
}

TEST_F(RunsGhImport, AZipThatEscapesIsRefusedWithNothingImported)
{
  start_server();
  auto r = gh_import({"--run-id", "1003", "--artifact-glob", "bench-*"}, env());
  expect_error(r, "gh.unsafe_archive", "../escape.json");
  expect_nothing_imported();
  for (auto& e : fs::recursive_directory_iterator(root_)) {
    EXPECT_NE(e.path().filename(), "escape.json") << e.path();
  }
}

TEST_F(RunsGhImport, AZipWithASymbolicLinkIsRefusedWithNothingImported)
{
  start_server();
  auto r = gh_import({"--run-id", "1003", "--artifact-glob", "links-*"}, env());
  expect_error(r, "gh.unsafe_archive", "symbolic link");
  expect_nothing_imported();
}

TEST_F(RunsGhImport, BadArgumentsExitTwo)
{
  auto bad = [&](std::vector<std::string> args, const std::string& message) {
    std::vector<std::string> full = {"runs", "import"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back("--json");
    auto r = run(full, {{"HOMEBOY_GITHUB_API_URL", "http://127.0.0.1:9"}});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.json()["error"].value("message", ""), HasSubstr(message)) << r.describe();
  };
  bad({"--from-gh-actions", "--repo", "acme/widget", "--run-id", "1", "--artifact-glob", "*"}, "--component");
  bad({"--from-gh-actions", "--component", "w", "--repo", "widget", "--run-id", "1", "--artifact-glob", "*"},
      "owner/name");
  bad({"--from-gh-actions", "--component", "w", "--repo", "a/b/c", "--run-id", "1", "--artifact-glob", "*"},
      "owner/name");
  bad({"--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--artifact-glob", "*"},
      "exactly one of --workflow");
  bad({"--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--workflow", "a.yml", "--run-id",
       "1", "--artifact-glob", "*"},
      "exactly one of --workflow");
  bad({"--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--run-id", "1"}, "--artifact-glob");
  bad({"--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--run-id", "12x", "--artifact-glob",
       "*"},
      "numeric id");
  bad({"--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--workflow", "a.yml", "--limit",
       "0", "--artifact-glob", "*"},
      "--limit");
  bad({"some-bundle-dir", "--from-gh-actions", "--component", "w", "--repo", "acme/widget", "--run-id", "1",
       "--artifact-glob", "*"},
      "cannot be imported together with --from-gh-actions");
  bad({"some-bundle-dir", "--repo", "acme/widget"}, "belongs to --from-gh-actions");
  bad({}, "say what to import");
}

} // namespace

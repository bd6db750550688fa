// rig::check: every probe kind, the bounded retry of a refused HTTP probe,
// no fail-fast, component paths that do not exist, and the git snapshot.

#include "rig/rig.hpp"
#include "unit/rig/rig_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/time.h>

using namespace hb;
using rigtest::TempRoot;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

rig::CheckStep
step(std::string probe)
{
  rig::CheckStep s;
  s.kind = "check";
  s.probe = std::move(probe);
  return s;
}

rig::CheckReport
run(std::vector<rig::CheckStep> steps, std::vector<rig::Component> components = {})
{
  rig::Spec spec;
  spec.id = "r";
  spec.file = "/rigs/r.json";
  spec.components = std::move(components);
  spec.checks = std::move(steps);
  return rig::check(spec);
}

void
set_mtime(const fs::path& file, long seconds)
{
  timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ::utimes(file.c_str(), times);
}

} // namespace

TEST(RigCheck, HttpPassesOnTheExpectedStatusAndFailsOnAnother)
{
  rigtest::OneShotServer ok("HTTP/1.1 204 No Content");
  auto s = step("http");
  s.http = ok.url("/health");
  s.expect_status = 204;
  auto report = run({s});
  ASSERT_EQ(report.steps.size(), 1u);
  EXPECT_TRUE(report.passed) << report.steps[0].message;
  EXPECT_THAT(report.steps[0].message, HasSubstr("returned 204"));

  rigtest::OneShotServer err("HTTP/1.1 503 Service Unavailable");
  s.http = err.url();
  s.expect_status = 200;
  report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("returned 503 (expected 200)"));
}

TEST(RigCheck, HttpAgainstAClosedPortFailsAfterBoundedRetries)
{
  auto s = step("http");
  s.http = "http://127.0.0.1:" + std::to_string(rigtest::closed_port()) + "/";
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("GET " + s.http + ": connection refused (5 tries"));
}

TEST(RigCheck, HttpsIsAClearFailure)
{
  auto s = step("http");
  s.http = "https://example.invalid/";
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("https is not supported"));
}

TEST(RigCheck, FileAndContains)
{
  TempRoot t;
  auto file = t.write("bundle.js", "version 42");
  auto s = step("file");
  s.file = file.string();
  EXPECT_TRUE(run({s}).passed);
  s.contains = "version 42";
  EXPECT_TRUE(run({s}).passed);
  s.contains = "version 43";
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("does not contain \"version 43\""));
  s.file = (t.dir / "missing").string();
  report = run({s});
  EXPECT_THAT(report.steps[0].message, HasSubstr("file " + s.file + " does not exist"));
}

TEST(RigCheck, AnyFileExists)
{
  TempRoot t;
  auto file = t.write("b", "");
  auto s = step("any_file_exists");
  s.any_file_exists = {(t.dir / "a").string(), file.string()};
  EXPECT_TRUE(run({s}).passed);
  s.any_file_exists = {(t.dir / "a").string(), (t.dir / "c").string()};
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("none of these files exist: " + (t.dir / "a").string()));
}

TEST(RigCheck, CommandExitCodeAndOutput)
{
  auto s = step("command");
  s.command = "exit 0";
  EXPECT_TRUE(run({s}).passed);
  s.command = "echo broken >&2; exit 4";
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("exited 4 (expected 0); stderr: broken"));
  s.expect_exit = 4;
  EXPECT_TRUE(run({s}).passed);
}

TEST(RigCheck, CommandIsStoppedAtItsTimeout)
{
  auto s = step("command");
  s.command = "sleep 30";
  s.timeout_ms = 200;
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("did not finish within 200 ms"));
}

TEST(RigCheck, NewerThanFileMtimes)
{
  TempRoot t;
  auto old_file = t.write("old", "");
  auto new_file = t.write("new", "");
  set_mtime(old_file, 1000000000);
  set_mtime(new_file, 1000000100);
  auto s = step("newer_than");
  s.left.file_mtime = new_file.string();
  s.right.file_mtime = old_file.string();
  EXPECT_TRUE(run({s}).passed);
  std::swap(s.left, s.right);
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("is not newer than"));
  s.right.file_mtime = (t.dir / "gone").string();
  report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("newer_than.right: file " + (t.dir / "gone").string() + " does not exist"));
}

TEST(RigCheck, NewerThanProcessStart)
{
  TempRoot t;
  auto file = t.write("bundle", "");
  set_mtime(file, 1000000000); // 2001: every running process started later
  auto s = step("newer_than");
  s.left.is_process = true;
  s.left.process_pattern = "no-such-process-pattern-hb-rig-test";
  s.right.file_mtime = file.string();
  auto report = run({s});
  EXPECT_TRUE(report.passed) << report.steps[0].message; // nothing running: nothing stale
  EXPECT_THAT(report.steps[0].message, HasSubstr("nothing stale"));

  // A child of ours with a command line nothing else has; killed by its pid.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execlp("sleep", "sleep", "37.5", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 500; ++i) { // until exec has replaced the command line
    std::ifstream in("/proc/" + std::to_string(child) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.starts_with("sleep")) break;
    ::usleep(10000);
  }
  s.left.process_pattern = "sleep";
  s.left.argv_contains = {"37.5"};
  report = run({s});
  EXPECT_TRUE(report.passed) << report.steps[0].message;
  EXPECT_THAT(report.steps[0].message, HasSubstr("process matching \"sleep\" is newer than"));
  std::swap(s.left, s.right);
  report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("is not newer than process matching"));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST(RigCheck, EveryStepRunsAndComponentPathsAreChecked)
{
  TempRoot t;
  auto bad = step("command");
  bad.command = "exit 1";
  bad.label = "first fails";
  auto good = step("command");
  good.command = "exit 0";
  auto other = step("");
  other.kind = "service";
  other.label = "service";
  auto report = run({bad, good, other}, {{"web", t.dir, "", ""}, {"api", t.dir / "nope", "", ""}});
  EXPECT_FALSE(report.passed);
  ASSERT_EQ(report.steps.size(), 5u);
  EXPECT_EQ(report.steps[0].label, "component web");
  EXPECT_TRUE(report.steps[0].passed);
  EXPECT_FALSE(report.steps[1].passed);
  EXPECT_THAT(report.steps[1].message,
              HasSubstr("component `api`: path " + (t.dir / "nope").string() + " does not exist"));
  EXPECT_EQ(report.steps[2].label, "first fails");
  EXPECT_FALSE(report.steps[2].passed);
  EXPECT_EQ(report.steps[3].label, "check 2");
  EXPECT_TRUE(report.steps[3].passed);
  EXPECT_FALSE(report.steps[4].passed);
  EXPECT_THAT(report.steps[4].message, HasSubstr("step kind `service` is not supported"));
}

TEST(RigCheck, ExpansionFailuresFailTheStep)
{
  auto s = step("file");
  s.file = "${components.nope.path}/x";
  auto report = run({s});
  EXPECT_FALSE(report.passed);
  EXPECT_THAT(report.steps[0].message, HasSubstr("pipeline.check[0].file: ${components.nope.path}: unknown component"));
}

TEST(RigCheck, SnapshotRecordsShaAndBranch)
{
  TempRoot t;
  fs::path repo = t.dir / "repo";
  fs::create_directories(repo);
  std::string git = "git -C " + repo.string();
  ASSERT_EQ(std::system((git + " init -q -b feature && " + git +
                         " -c user.email=a@b -c user.name=n commit -q --allow-empty -m x").c_str()),
            0);
  rig::Spec spec;
  spec.id = "r";
  spec.components = {{"app", repo, "", ""}, {"gone", t.dir / "gone", "", ""}};
  auto state = rig::snapshot(spec);
  ASSERT_EQ(state.components.size(), 2u);
  EXPECT_EQ(state.components[0].sha.size(), 40u);
  EXPECT_EQ(state.components[0].branch, "feature");
  EXPECT_TRUE(state.components[1].sha.empty());
  auto json = nlohmann::json::parse(rig::state_json(state));
  EXPECT_EQ(json["rig_id"], "r");
  EXPECT_EQ(json["components"]["app"]["branch"], "feature");
  EXPECT_FALSE(json["components"]["gone"].contains("sha"));
  EXPECT_EQ(json["components"]["gone"]["path"], (t.dir / "gone").string());
}

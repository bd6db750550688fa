// Nothing crashes, nothing is lost (issue 11): hostile input never ends
// homeboy with a signal or "terminate called", a kill at any point of a
// bench leaves the store and homeboy.json agreeing, a killed bench takes its
// runner with it, and numbers from flags and the environment are checked.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <fstream>
#include <thread>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::string
nested_arrays(std::size_t depth)
{
  return std::string(depth, '[') + std::string(depth, ']');
}

class Reliability : public HomeboyTest
{
protected:
  /// A component whose runner copies results.txt as its results file.
  fs::path results_component(const std::string& id, const std::string& results)
  {
    auto dir = make_component(id, "write_content.sh");
    write_file(dir / "results.txt", results);
    return dir;
  }

  /// Every run the store has, as `runs list` shows them.
  void expect_nothing_running()
  {
    for (const auto& run : list_runs()) {
      EXPECT_NE(run["run_status"], "running") << run.dump();
    }
  }

  static void expect_clean_failure(const RunResult& r)
  {
    EXPECT_NE(r.exit_code, 0) << brief(r);
    EXPECT_EQ(r.term_signal, 0) << "ended by a signal: " << brief(r);
    EXPECT_LT(r.exit_code, 128) << brief(r);
    EXPECT_THAT(r.err, Not(HasSubstr("terminate called"))) << brief(r);
  }

  /// describe() without argv, which may hold a 100 KB argument.
  static std::string brief(const RunResult& r)
  {
    return "exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out.substr(0, 2000)
           + "\nstderr: " + r.err.substr(0, 2000);
  }

  /// `homeboy bench` of a sleeper.sh component, started and running: the
  /// runner's pid and its child's (both 0 when it did not start).
  std::unique_ptr<Process> start_sleeping_bench(int& runner, int& child)
  {
    auto dir = make_component("sleepy", "sleeper.sh");
    auto bench = start({"bench", "sleepy", "--iterations", "1"});
    if (!wait_for_file(dir / "runner.pid", 10s)) return nullptr;
    std::ifstream(dir / "runner.pid") >> runner >> child;
    return runner > 0 && child > 0 ? std::move(bench) : nullptr;
  }

  Json baseline_of(const fs::path& component)
  {
    auto doc = Json::parse(read_file(component / "homeboy.json"), nullptr, false);
    if (!doc.is_object() || !doc.contains("baselines") || !doc["baselines"].contains("bench")) {
      return Json();
    }
    return doc["baselines"]["bench"];
  }
};

TEST_F(Reliability, DeeplyNestedResultsFailTheRunWithTheLimitNamed)
{
  results_component("deep", "{\"component_id\": \"deep\", \"iterations\": 1, \"scenarios\": "
                              + nested_arrays(100000) + "}");
  auto r = run({"bench", "deep", "--iterations", "1"});
  expect_clean_failure(r);
  EXPECT_THAT(r.err + r.out, HasSubstr("deeper than 256 levels")) << brief(r);
  EXPECT_THAT(r.err + r.out, HasSubstr("$.scenarios")) << r.describe();
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed") << runs[0].dump();
}

TEST_F(Reliability, DeeplyNestedInputIsRefusedByEveryReader)
{
  const std::string deep = nested_arrays(100000);
  // homeboy.json of a registered component
  auto dir = make_component("deepcfg", "sampled.sh");
  write_file(dir / "homeboy.json", "{\"id\": \"deepcfg\", \"settings\": " + deep + "}");
  auto r = run({"bench", "deepcfg", "--iterations", "1"});
  expect_clean_failure(r);
  EXPECT_THAT(r.err + r.out, HasSubstr("deeper than 256 levels")) << brief(r);

  // runs submit --batch
  write_file(work_ / "batch.jsonl", "{\"argv\": [\"true\"], \"name\": " + deep + "}\n");
  r = run({"runs", "submit", "--batch", (work_ / "batch.jsonl").string()});
  expect_clean_failure(r);
  EXPECT_THAT(r.err, HasSubstr("deeper than 256 levels")) << brief(r);

  // runs heartbeat --preview
  auto started = run({"runs", "submit", "--json", "--", "true"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  std::string id = started.payload()["run_id"].get<std::string>();
  // (an argument may be at most 128 KiB long)
  r = run({"runs", "heartbeat", id, "--preview", nested_arrays(50000)});
  expect_clean_failure(r);
  EXPECT_THAT(r.err, HasSubstr("deeper than 256 levels")) << brief(r);

  // runs import
  fs::path bundle = work_ / "bundle";
  fs::copy(fs::path(HB_FIXTURES_DIR) / "homeboy-bundle-v1", bundle, fs::copy_options::recursive);
  write_file(bundle / "runs.json", deep);
  r = run({"runs", "import", bundle.string()});
  expect_clean_failure(r);
  EXPECT_THAT(r.err, HasSubstr("deeper than 256 levels")) << brief(r);
}

TEST_F(Reliability, InvalidUtf8InResultsOrSettingsNeverAborts)
{
  results_component("utf", "{\"component_id\": \"utf\", \"iterations\": 1, \"scenarios\": "
                           "[{\"id\": \"bad\xff\", \"iterations\": 1, \"metrics\": "
                           "{\"p95_ms\": 1}}]}");
  auto r = run({"bench", "utf", "--iterations", "1"});
  expect_clean_failure(r);
  EXPECT_THAT(r.err + r.out, HasSubstr("not valid JSON")) << r.describe();
  auto json = bench_json({"utf", "--iterations", "1"});
  expect_clean_failure(json);
  EXPECT_TRUE(Json::accept(json.out)) << "the error envelope must be valid JSON: " << json.out;

  make_component("setting", "sampled.sh");
  auto ok = bench_json({"setting", "--iterations", "3", "--setting", "label=caf\xe9\xff"});
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_TRUE(Json::accept(ok.out)) << ok.out;
  expect_nothing_running();
}

TEST_F(Reliability, ABaselineChangesOnlyForARunTheStoreRecordsAsSucceeded)
{
  auto dir = make_component("crashy", "sampled.sh");
  auto first = run({"bench", "crashy", "--iterations", "5", "--baseline"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  const Json original = baseline_of(dir);
  ASSERT_TRUE(original.is_object());

  struct Case
  {
    const char* point;
    bool file_changes;      // homeboy.json holds the killed run's baseline
    const char* status;     // the killed run, after `runs reconcile`
    bool saved;             // its metadata.baseline.saved after reconcile
  };
  for (const Case& c : {Case{"bench.baseline_marked", false, "failed", false},
                        Case{"bench.settled", false, "succeeded", false},
                        Case{"bench.baseline_written", true, "succeeded", true}}) {
    SCOPED_TRACE(c.point);
    const Json before = baseline_of(dir);
    auto killed = run({"bench", "crashy", "--iterations", "5", "--baseline",
                       "--setting", "shift_steady=0.5"},
                      {{"HOMEBOY_TEST_KILL_AT", c.point}});
    ASSERT_EQ(killed.term_signal, SIGKILL) << killed.describe();
    auto runs = list_runs({"--component", "crashy"});
    ASSERT_FALSE(runs.empty());
    const std::string id = runs.front()["id"].get<std::string>();
    const Json after = baseline_of(dir);
    if (c.file_changes) {
      EXPECT_EQ(after["metadata"].value("run_id", ""), id) << after.dump();
    } else {
      EXPECT_EQ(after, before) << "homeboy.json changed for a run that did not succeed";
    }
    auto rec = run({"runs", "reconcile"});
    ASSERT_EQ(rec.exit_code, 0) << rec.describe();
    Json shown = show_run(id);
    EXPECT_EQ(shown["run_status"], c.status) << shown.dump(2);
    const Json& b = shown["metadata"].value("baseline", Json::object());
    EXPECT_FALSE(b.contains("pending")) << "the pending write was resolved: " << shown.dump(2);
    EXPECT_EQ(b.value("saved", false), c.saved) << shown.dump(2);
    if (c.file_changes) {
      EXPECT_THAT(rec.out, HasSubstr("recorded as saved")) << rec.describe();
    }
    // A succeeded run's baseline is in the file exactly when it says saved.
    const bool in_file = baseline_of(dir)["metadata"].value("run_id", "") == id;
    EXPECT_EQ(in_file, c.saved);
  }
  // No temporary copies of homeboy.json are left beside it for long; the
  // ones a kill leaves are removed by a later bench.
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("homeboy.json.tmp-", 0) == 0) {
      fs::last_write_time(entry.path(), fs::file_time_type::clock::now() - std::chrono::hours(1));
    }
  }
  write_file(dir / "homeboy.json.tmp-leftover", "{}");
  fs::last_write_time(dir / "homeboy.json.tmp-leftover",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));
  ASSERT_EQ(run({"bench", "crashy", "--iterations", "3"}).exit_code, 0);
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().rfind("homeboy.json.tmp-", 0), std::string::npos)
      << entry.path();
  }
}

TEST_F(Reliability, AKilledBenchTakesItsRunnerAndReconcileSettlesAZombieOwner)
{
  int runner = 0, child = 0;
  auto bench = start_sleeping_bench(runner, child);
  ASSERT_TRUE(bench);
  ::kill(bench->pid(), SIGKILL);
  // Not reaped yet: homeboy is a zombie, which is no live owner.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((!process_gone(runner) || !process_gone(child))
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(process_gone(runner)) << "the runner outlived the killed bench";
  EXPECT_TRUE(process_gone(child)) << "the runner's child outlived the killed bench";
  auto rec = run({"runs", "reconcile", "--json"});
  ASSERT_EQ(rec.exit_code, 0) << rec.describe();
  EXPECT_EQ(rec.payload()["settled"], 1) << rec.out;
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  bench->wait();
}

TEST_F(Reliability, ReconcileKillsWhatIsLeftOfADeadBenchsGroup)
{
  int runner = 0, child = 0;
  auto bench = start_sleeping_bench(runner, child);
  ASSERT_TRUE(bench);
  // Kill homeboy and its group guard at once (as `pkill -9` would): only
  // the runner's group is left, and reconcile must stop it.
  auto guard = exec({"pgrep", "-g", std::to_string(::getpgid(runner)), "homeboy-guard"});
  ASSERT_EQ(guard.exit_code, 0) << guard.describe();
  ::kill(std::stoi(guard.out), SIGKILL);
  ::kill(bench->pid(), SIGKILL);
  bench->wait();
  std::this_thread::sleep_for(100ms);
  ASSERT_FALSE(process_gone(child)) << "the runner's group should still be there";
  auto rec = run({"runs", "reconcile", "--json"});
  ASSERT_EQ(rec.exit_code, 0) << rec.describe();
  EXPECT_GE(rec.payload()["processes_killed"].get<int>(), 1) << rec.out;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!process_gone(child) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(process_gone(runner));
  EXPECT_TRUE(process_gone(child));
}

TEST_F(Reliability, DurationsAndNumericEnvironmentAreRangeChecked)
{
  auto r = run({"runs", "submit", "--timeout", "106751991000d", "--", "true"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("too long a duration")) << r.describe();
  r = run({"runs", "submit", "--heartbeat-timeout", "106751991000d", "--", "true"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  r = run({"runs", "submit", "--timeout", "infs", "--", "true"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("is not a duration")) << r.describe();
  EXPECT_TRUE(list_runs().empty()) << "nothing may be queued from a bad flag";

  make_component("env", "sampled.sh");
  r = run({"bench", "env", "--iterations", "2"}, {{"HOMEBOY_BENCH_MAX_RESULTS_BYTES", "lots"}});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_BENCH_MAX_RESULTS_BYTES='lots'")) << r.describe();
  r = run({"runs", "list"}, {{"HOMEBOY_STORE_BUSY_TIMEOUT_MS", "-5"}});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_STORE_BUSY_TIMEOUT_MS")) << r.describe();
}

TEST_F(Reliability, ARelativeArtifactRootIsStoredAbsolute)
{
  make_component("rel", "sampled.sh");
  auto r = bench_json({"rel", "--iterations", "2"}, {{"HOMEBOY_ARTIFACT_ROOT", "artifacts-here"}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string id = r.payload()["persisted_run"]["run_id"].get<std::string>();
  auto listed = run({"runs", "artifacts", id, "--json"}, {}, home_);
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  bool found = false;
  const Json listed_payload = listed.payload();
  for (const auto& a : listed_payload["artifacts"]) {
    if (a["kind"] != "bench_results") continue;
    found = true;
    EXPECT_TRUE(fs::path(a["path"].get<std::string>()).is_absolute()) << a.dump();
    auto got = run({"runs", "artifact", "get", id, a["id"].get<std::string>()}, {}, home_);
    EXPECT_EQ(got.exit_code, 0) << got.describe();
    EXPECT_THAT(got.out, HasSubstr("\"scenarios\""));
  }
  EXPECT_TRUE(found) << listed.out;
}

TEST_F(Reliability, ArtifactGetRefusesAFileThatWasReplacedOrChanged)
{
  make_component("tamper", "sampled.sh");
  auto r = bench_json({"tamper", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string id = r.payload()["persisted_run"]["run_id"].get<std::string>();
  auto listed = run({"runs", "artifacts", id, "--json"});
  std::string artifact, path;
  const Json listed_payload = listed.payload();
  for (const auto& a : listed_payload["artifacts"]) {
    if (a["kind"] == "bench_results") {
      artifact = a["id"].get<std::string>();
      path = a["path"].get<std::string>();
    }
  }
  ASSERT_FALSE(artifact.empty()) << listed.out;
  write_file(work_ / "secret.txt", "not the results");
  fs::remove(path);
  fs::create_symlink(work_ / "secret.txt", path);
  auto got = run({"runs", "artifact", "get", id, artifact});
  EXPECT_EQ(got.exit_code, 1) << got.describe();
  EXPECT_THAT(got.err, HasSubstr("symbolic link")) << got.describe();
  EXPECT_THAT(got.out, Not(HasSubstr("not the results")));

  fs::remove(path);
  write_file(path, "{\"changed\": true}\n");
  got = run({"runs", "artifact", "get", id, artifact, "--output", (work_ / "copy.json").string()});
  EXPECT_EQ(got.exit_code, 1) << got.describe();
  EXPECT_THAT(got.err, HasSubstr("changed since it was recorded")) << got.describe();
  EXPECT_FALSE(fs::exists(work_ / "copy.json"));
}

TEST_F(Reliability, BatchTypeErrorsNameTheLineAndTheField)
{
  write_file(work_ / "batch.jsonl", "{\"argv\": [\"true\"]}\n{\"argv\": [\"true\"], \"env\": {\"A\": 1}}\n");
  auto r = run({"runs", "submit", "--batch", (work_ / "batch.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("line 2: `env` must be an object of strings, not number"))
    << r.describe();
  EXPECT_THAT(r.err, Not(HasSubstr("json.exception"))) << r.describe();
  EXPECT_TRUE(list_runs().empty()) << "a bad batch queues nothing";
}

TEST_F(Reliability, EchoedInputIsCutShort)
{
  std::string huge(100000, 'x');
  auto r = run({"runs", "show", huge});
  EXPECT_EQ(r.exit_code, 1) << brief(r);
  EXPECT_LT(r.err.size(), 1000u) << "the 100 KB id was echoed back whole";
  EXPECT_THAT(r.err, HasSubstr("100000 bytes"));
  r = run({"runs", "cancel", huge});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.err.size(), 1000u) << r.err.substr(0, 200);
}

} // namespace

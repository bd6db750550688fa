// --shared-state and --concurrency (docs/bench.md, Concurrent instances):
// N runner instances at once, each with the shared-state dir, its own
// results file and its own invocation, joined with `:i<k>` scenario ids;
// a failing instance fails the run and is named; the bad inputs. And the
// peak RSS of a runner's process tree recorded on the run.

#include "harness.hpp"

#include <gmock/gmock.h>

#include <set>

namespace hbit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BenchInstances : public HomeboyTest
{
protected:
  /// KEY=value lines of <dir>/seen-<instance>.txt.
  std::map<std::string, std::string> seen(const fs::path& dir, const std::string& instance)
  {
    std::map<std::string, std::string> out;
    std::istringstream in(read_file(dir / ("seen-" + instance + ".txt")));
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
  }

  static std::vector<std::string> scenario_ids(const Json& payload)
  {
    std::vector<std::string> ids;
    for (const auto& s : payload["results"]["scenarios"]) ids.push_back(s["id"]);
    return ids;
  }
};

TEST_F(BenchInstances, ThreeInstancesAreJoinedWithInstanceSuffixes)
{
  fs::path dir = make_component("svc", "instances.sh");
  fs::path shared = root_ / "shared";
  auto r = bench_json({"svc", "--iterations", "2", "--shared-state", shared.string(),
                       "--concurrency", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(scenario_ids(p), (std::vector<std::string>{"x:i0", "x:i1", "x:i2"}));
  // Each instance's own figure stays with its id.
  EXPECT_EQ(p["results"]["scenarios"][2]["metrics"]["p95_ms"], 12);

  std::set<std::string> invocations, results_files;
  for (const std::string k : {"0", "1", "2"}) {
    auto env = seen(dir, k);
    EXPECT_EQ(env["instance"], k);
    EXPECT_EQ(env["concurrency"], "3");
    EXPECT_EQ(env["shared_state"], shared.string());
    EXPECT_FALSE(env["invocation_id"].empty());
    invocations.insert(env["invocation_state_dir"]);
    results_files.insert(fs::path(env["results_file"]).filename().string());
    EXPECT_TRUE(fs::exists(shared / ("instance-" + k))) << "instance " << k << " saw the dir";
  }
  EXPECT_EQ(invocations.size(), 3u) << "each instance has its own invocation";
  EXPECT_EQ(results_files,
            (std::set<std::string>{"bench-results-i0.json", "bench-results-i1.json",
                                   "bench-results-i2.json"}));

  Json run = show_run(p["persisted_run"].value("run_id", ""));
  EXPECT_EQ(run["metadata"]["concurrency"], 3);
  EXPECT_EQ(run["metadata"]["shared_state"], shared.string());
  EXPECT_EQ(run["metadata"]["memory"]["invocations"].size(), 3u);
  int instance_files = 0;
  for (const auto& a : run["artifacts"]) {
    if (a["kind"] == "bench_results" && a.value("label", "").find("instance") != std::string::npos) {
      ++instance_files;
    }
  }
  EXPECT_EQ(instance_files, 3);

  // The baseline keeps the instance ids, so the next run compares them.
  auto saved = bench_json({"svc", "--iterations", "2", "--shared-state", shared.string(),
                           "--concurrency", "3", "--baseline"});
  ASSERT_EQ(saved.exit_code, 0) << saved.describe();
  auto again = bench_json({"svc", "--iterations", "2", "--shared-state", shared.string(),
                           "--concurrency", "3"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(again.payload()["baseline_comparison"]["scenarios"].size(), 3u)
    << again.payload()["baseline_comparison"].dump(2);
}

TEST_F(BenchInstances, RunsTimesInstancesKeepsEachInstancesSessions)
{
  make_component("svc", "instances.sh");
  auto r = bench_json({"svc", "--iterations", "2", "--runs", "2", "--concurrency", "2",
                       "--shared-state", (root_ / "s").string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(scenario_ids(p), (std::vector<std::string>{"x:i0", "x:i1"}));
  EXPECT_EQ(p["results"]["scenarios"][1]["runs"].size(), 2u) << p["results"].dump(2);
  Json run = show_run(p["persisted_run"].value("run_id", ""));
  EXPECT_EQ(run["metadata"]["memory"]["invocations"].size(), 4u) << "2 invocations x 2 instances";
}

TEST_F(BenchInstances, SharedStateAloneRunsOneInstanceWithoutSuffixes)
{
  fs::path dir = make_component("svc", "instances.sh");
  fs::path shared = root_ / "does" / "not" / "exist" / "yet";
  auto r = bench_json({"svc", "--iterations", "2", "--shared-state", shared.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(scenario_ids(r.payload()), (std::vector<std::string>{"x"}));
  auto env = seen(dir, "single");
  EXPECT_EQ(env["shared_state"], shared.string());
  EXPECT_EQ(env["instance"], "") << "one instance gets no HOMEBOY_BENCH_INSTANCE_ID";
  EXPECT_EQ(fs::path(env["results_file"]).filename(), "bench-results.json");
  EXPECT_TRUE(fs::is_directory(shared)) << "created when missing";

  // A relative path is the caller's, not the component's.
  auto rel = bench_json({"svc", "--iterations", "1", "--shared-state", "rel-state"});
  ASSERT_EQ(rel.exit_code, 0) << rel.describe();
  EXPECT_EQ(seen(dir, "single")["shared_state"], (work_ / "rel-state").string());
}

TEST_F(BenchInstances, AFailingInstanceFailsTheRunAndIsNamed)
{
  make_component("svc", "instances.sh");
  auto r = bench_json({"svc", "--iterations", "1", "--shared-state", (root_ / "s").string(),
                       "--concurrency", "3", "--setting", "fail_instance=1"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  Json p = r.json();
  std::string message = p.dump();
  EXPECT_THAT(message, HasSubstr("instance 1 of 3")) << message;
  EXPECT_THAT(message, HasSubstr("exited with code 3")) << message;
  // The instances that measured are still recorded.
  auto runs = list_runs({"--kind", "bench"});
  ASSERT_EQ(runs.size(), 1u);
  Json run = show_run(runs.front()["id"]);
  EXPECT_EQ(run["run_status"], "failed");
  EXPECT_THAT(run["metadata"]["failure"]["message"].get<std::string>(), HasSubstr("instance 1 of 3"));
}

TEST_F(BenchInstances, BadInputIsRefusedBeforeAnythingRuns)
{
  fs::path dir = make_component("svc", "instances.sh");
  fs::path file = root_ / "a-file";
  write_file(file, "not a dir\n");
  struct Case
  {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
         {{"--concurrency", "0"}, "--concurrency must be at least 1"},
         {{"--concurrency", "4"}, "--concurrency 4 needs --shared-state DIR"},
         {{"--shared-state", file.string()}, "is not a directory"},
         {{"--shared-state", file.string(), "--concurrency", "2"}, "is not a directory"},
         {{"--concurrency", "65", "--shared-state", (root_ / "s").string()}, "at most 64"},
         {{"--concurrency", "2", "--shared-state", (root_ / "s").string(), "--exec", "t=true"},
          "timed commands"}}) {
    std::vector<std::string> args = {"bench", "svc", "--iterations", "1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(args);
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.says)) << r.describe();
    EXPECT_THAT(r.err, Not(HasSubstr("not supported yet"))) << r.describe();
  }
  EXPECT_FALSE(fs::exists(dir / "seen-single.txt")) << "no runner ran";
  EXPECT_EQ(read_file(file), "not a dir\n") << "the file is untouched";
  EXPECT_TRUE(list_runs({"--kind", "bench"}).empty()) << "nothing was recorded";
}

TEST_F(BenchInstances, AComparisonRefusesSeveralInstancesAndSaysWhy)
{
  fs::path dir = make_component("svc", "instances.sh");
  for (const std::string id : {"a", "b"}) {
    Json spec = {{"id", id},
                 {"components", {{"svc", {{"path", dir.string()}}}}},
                 {"bench", {{"default_component", "svc"}}}};
    write_file(config_ / "rigs" / (id + ".json"), spec.dump(2));
  }
  auto r = run({"bench", "svc", "--iterations", "1", "--rig", "a,b", "--concurrency", "2",
                "--shared-state", (root_ / "s").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("--concurrency 2 is refused on a comparison")) << r.describe();
  EXPECT_FALSE(fs::exists(dir / "seen-0.txt")) << "no runner ran";
}

TEST_F(BenchInstances, ARigsComponentsEachGetTheirOwnSharedStateSubdirectory)
{
  fs::path a = make_component("a", "instances.sh");
  fs::path b = make_component("b", "instances.sh");
  Json spec = {{"id", "matrix"},
               {"components", {{"a", {{"path", a.string()}}}, {"b", {{"path", b.string()}}}}},
               {"bench", {{"components", Json::array({"a", "b"})}}}};
  write_file(config_ / "rigs" / "matrix.json", spec.dump());
  fs::path shared = root_ / "shared";
  auto r = bench_json({"--rig", "matrix", "--iterations", "1", "--shared-state", shared.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(seen(a, "single")["shared_state"], (shared / "a").string());
  EXPECT_EQ(seen(b, "single")["shared_state"], (shared / "b").string());
  EXPECT_TRUE(fs::exists(shared / "a" / "instance-single"));
  EXPECT_TRUE(fs::exists(shared / "b" / "instance-single"));
}

TEST_F(BenchInstances, PeakRssOfTheRunnersProcessTreeIsRecordedAndShown)
{
  make_component("svc", "instances.sh");
  auto r = bench_json({"svc", "--iterations", "1", "--setting", "alloc_mib=50"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string id = r.payload()["persisted_run"].value("run_id", "");
  Json run = show_run(id);
  const Json& memory = run["metadata"]["memory"];
  ASSERT_TRUE(memory.is_object()) << run["metadata"].dump(2);
  EXPECT_GT(memory["peak_rss_bytes"].get<double>(), 40.0 * 1024 * 1024) << memory.dump(2);
  EXPECT_THAT(memory["method"].get<std::string>(), testing::AnyOf("cgroup_v2", "sampler"));

  auto shown = run_with({"runs", "show", id}, {});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_THAT(shown.out, testing::ContainsRegex("peak rss +[0-9.]+ MiB \\(process tree"));
}

TEST_F(BenchInstances, NoProgressLineWhenStderrIsNotATerminal)
{
  make_component("svc", "instances.sh");
  auto r = run({"bench", "svc", "--iterations", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, Not(HasSubstr("elapsed"))) << r.describe();
  EXPECT_THAT(r.err, Not(HasSubstr("\r"))) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("instances: instance single done")) << "runner output still passes";
}

TEST_F(BenchInstances, OnATerminalTheProgressLineIsDrawnAndErasedBeforeTheReport)
{
  make_component("svc", "instances.sh");
  // script(1) gives homeboy a terminal for stdout and stderr (one stream).
  auto r = exec({"script", "-qec", std::string(HB_BINARY) + " bench svc --iterations 1",
                 "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string& text = r.out;
  auto drawn = text.find("\rbench svc");
  ASSERT_NE(drawn, std::string::npos) << r.describe();
  EXPECT_THAT(text.substr(drawn, 80), HasSubstr("elapsed")) << r.describe();
  // The runner's output starts on a clean line: the line was erased first.
  auto runner = text.find("instances: instance single done");
  ASSERT_NE(runner, std::string::npos) << r.describe();
  EXPECT_EQ(text.substr(runner - 4, 4), "\r\x1b[K") << r.describe();
  // Erased for good before the report: nothing of it after the last erase.
  auto last_erase = text.rfind("\r\x1b[K");
  EXPECT_EQ(text.find("elapsed", last_erase), std::string::npos) << r.describe();
  EXPECT_THAT(text.substr(last_erase), HasSubstr("svc")) << r.describe();

  // --json: no line even on a terminal.
  auto json = exec({"script", "-qec", std::string(HB_BINARY) + " bench svc --iterations 1 --json",
                    "/dev/null"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  EXPECT_THAT(json.out, Not(HasSubstr("elapsed"))) << json.describe();
}

} // namespace
} // namespace hbit

// homeboy runs bench-compare, and the bench compare and bench distribution
// wrappers, through the real binary over runs of the history fixture runner.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchCompare : public RunsSeedTest
{
protected:
  /// One bench of `component` (history.sh) at level 100 * (1 + shift).
  std::string bench_at(const std::string& component, double shift,
                       const std::vector<std::string>& extra = {})
  {
    if (!fs::exists(work_ / component)) make_component(component, "history.sh");
    write_file(work_ / component / "shift", std::to_string(shift) + "\n");
    std::vector<std::string> args = {component};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = bench_json(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    return r.payload()["persisted_run"].value("run_id", "");
  }

  static const Json* row(const Json& payload, const std::string& scenario, const std::string& metric)
  {
    for (const auto& r : payload["comparisons"]) {
      if (r["scenario_id"] == scenario && r["metric"] == metric) return &r;
    }
    return nullptr;
  }
};

TEST_F(BenchCompare, JudgesSampledMetricsAsHomeboyBenchDoes)
{
  // The independent-samples tests' figures (p < 0.001 for 10 samples a
  // side); the session rule's are in the session tests.
  std::string before = bench_at("app", 0, {"--no-session-aware"});
  std::string after = bench_at("app", 0.12, {"--no-session-aware"});
  auto r = run({"runs", "bench-compare", "--from-run", before, "--to-run", after, "--json"});
  ASSERT_EQ(r.exit_code, 0) << "a regression is still a valid comparison: " << r.describe();
  EXPECT_EQ(r.json()["data"]["variant"], "bench_compare");
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.bench-compare");
  EXPECT_EQ(p["baseline"]["run"]["id"], before);
  EXPECT_EQ(p["candidate"]["run"]["id"], after);
  EXPECT_EQ(p["baseline"]["component_state"]["component_id"], "app");
  EXPECT_EQ(p["shared"]["iterations"], 10);
  EXPECT_EQ(p["verdict"], "regressed");

  const Json* wall = row(p, "main", "wall_ms");
  ASSERT_TRUE(wall) << r.out;
  EXPECT_NEAR((*wall)["percent_change"].get<double>(), 12, 2.5);
  EXPECT_EQ((*wall)["from_samples"], 10);
  EXPECT_EQ((*wall)["verdict"], "regressed");
  const Json& s = (*wall)["statistics"];
  EXPECT_EQ(s["regression_test"], "mann_whitney_u");
  EXPECT_LT(s["p_value_adjusted"].get<double>(), 0.001);
  ASSERT_TRUE(s["interval"].is_object());
  EXPECT_GT(s["interval"]["lower"].get<double>(), 5);
  EXPECT_EQ(p["baseline_comparison"]["tests"], 1) << "one sampled metric with a policy";

  const Json* rss = row(p, "side", "rss_kb");
  ASSERT_TRUE(rss);
  EXPECT_TRUE((*rss)["verdict"].is_null()) << "no policy names rss_kb: a delta only";

  auto human = run({"runs", "bench-compare", "--from-run", before.substr(0, 8), "--to-run", after.substr(0, 8)});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("# Bench Compare"));
  EXPECT_THAT(human.out, HasSubstr("| main | wall_ms |"));
  EXPECT_THAT(human.out, HasSubstr("<0.001 | 10/10 | regressed |"));
  EXPECT_THAT(human.out, HasSubstr("**Verdict:** regressed (main: wall_ms"));

  // --metric narrows the rows and the tests.
  auto only = run({"runs", "bench-compare", "--from-run", before, "--to-run", after, "--metric", "rss_kb", "--json"});
  ASSERT_EQ(only.exit_code, 0) << only.describe();
  EXPECT_EQ(only.payload()["comparisons"].size(), 1u);
  EXPECT_TRUE(only.payload()["verdict"].is_null());

  // bench compare is the same reader.
  auto wrapper = run({"bench", "compare", "--from-run", before, "--to-run", after, "--json"});
  ASSERT_EQ(wrapper.exit_code, 0) << wrapper.describe();
  EXPECT_EQ(wrapper.json()["data"]["variant"], "observation");
  EXPECT_EQ(wrapper.payload()["command"], "runs.bench-compare");
  EXPECT_EQ(wrapper.payload()["comparisons"], p["comparisons"]);
}

TEST_F(BenchCompare, RefusesRunsMeasuredDifferently)
{
  std::string a = bench_at("app", 0, {"--setting", "mode=a"});
  std::string b = bench_at("app", 0, {"--setting", "mode=b"});
  auto settings = run({"runs", "bench-compare", "--from-run", a, "--to-run", b});
  EXPECT_EQ(settings.exit_code, 2) << settings.describe();
  EXPECT_THAT(settings.err, HasSubstr("not comparable"));
  EXPECT_THAT(settings.err, HasSubstr("settings (fingerprint"));
  EXPECT_THAT(settings.err, HasSubstr("homeboy bench history app"));
  EXPECT_TRUE(settings.out.empty());

  std::string c = bench_at("app", 0, {"--setting", "mode=a", "--iterations", "5"});
  auto iterations = run({"runs", "bench-compare", "--from-run", a, "--to-run", c, "--json"});
  EXPECT_EQ(iterations.exit_code, 2) << iterations.describe();
  Json error = iterations.json()["error"];
  EXPECT_EQ(error["code"], "validation.invalid_argument");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("iterations (10 vs 5)"));
  EXPECT_EQ(error["details"]["mismatches"], Json::array({"iterations"}));

  std::string d = bench_at("app", 0, {"--setting", "mode=a", "--scenario", "main"});
  auto scenarios = run({"runs", "bench-compare", "--from-run", a, "--to-run", d});
  EXPECT_EQ(scenarios.exit_code, 2) << scenarios.describe();
  EXPECT_THAT(scenarios.err, HasSubstr("selected_scenarios ([] vs [\"main\"])"));

  auto exec1 = bench_json({"--exec", "x=true", "--iterations", "3"});
  auto exec2 = bench_json({"--exec", "x=true --help", "--iterations", "3"});
  ASSERT_EQ(exec1.exit_code, 0) << exec1.describe();
  ASSERT_EQ(exec2.exit_code, 0) << exec2.describe();
  auto workload = run({"runs", "bench-compare", "--from-run",
                       exec1.payload()["persisted_run"].value("run_id", ""), "--to-run",
                       exec2.payload()["persisted_run"].value("run_id", "")});
  EXPECT_EQ(workload.exit_code, 2) << workload.describe();
  EXPECT_THAT(workload.err, HasSubstr("workload (commands"));
  EXPECT_THAT(workload.err, HasSubstr("true --help"));

  auto wrapper = run({"bench", "compare", "--from-run", a, "--to-run", b});
  EXPECT_EQ(wrapper.exit_code, 2) << wrapper.describe();
}

TEST_F(BenchCompare, UnknownAndUnsuitableRuns)
{
  std::string a = bench_at("app", 0);
  auto unknown = run({"runs", "bench-compare", "--from-run", a, "--to-run", "no-such-run"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("no-such-run"));
  EXPECT_THAT(unknown.err, HasSubstr("homeboy runs list"));

  SeedRun task;
  task.id = "task-run-0001";
  task.kind = "task";
  seed_run(task);
  auto kind = run({"runs", "bench-compare", "--from-run", task.id, "--to-run", a});
  EXPECT_EQ(kind.exit_code, 2) << kind.describe();
  EXPECT_THAT(kind.err, HasSubstr("is a `task` run"));

  auto missing = run({"runs", "bench-compare", "--from-run", a});
  EXPECT_EQ(missing.exit_code, 2) << missing.describe();
  EXPECT_THAT(missing.err, HasSubstr("--to-run"));
}

TEST_F(BenchCompare, DistributionIsScopedToTheComponentsBenchRuns)
{
  bench_at("app", 0, {"--iterations", "3"});
  bench_at("app", 0, {"--iterations", "4"});
  make_component("other", "sampled.sh");
  ASSERT_EQ(bench_json({"other", "--iterations", "3"}).exit_code, 0);
  auto r = run({"bench", "distribution", "app", "--field", "iterations", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.json()["data"]["variant"], "observation");
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.distribution");
  EXPECT_EQ(p["inspected_runs"], 2);
  EXPECT_EQ(p["filters"]["component_id"], "app");
  EXPECT_EQ(p["filters"]["kind"], "bench");
  EXPECT_EQ(p["fields"][0]["unique_values"], 2);
  auto human = run({"bench", "distribution", "app", "--field", "iterations"});
  EXPECT_THAT(human.out, HasSubstr("iterations: 2 of 2 runs have it"));
}

} // namespace

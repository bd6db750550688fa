// homeboy bench --runs N: N invocations of the runner in one bench run,
// combined; the baseline keeps the sessions and the comparison weighs them.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

class BenchRuns : public HomeboyTest
{
};

const Json*
find_scenario(const Json& list, const std::string& id)
{
  for (const auto& s : list) {
    if (s["id"] == id) return &s;
  }
  return nullptr;
}

TEST_F(BenchRuns, EachInvocationIsASessionKeptInTheResultsAndTheBaseline)
{
  fs::path dir = make_component("svc", "sampled.sh");
  auto saved = bench_json({"svc", "--iterations", "6", "--runs", "3", "--baseline"});
  ASSERT_EQ(saved.exit_code, 0) << saved.describe();
  // Three separate invocations of the runner, each with the full iterations.
  EXPECT_EQ(read_file(dir / "runner-calls.log"), "6 all\n6 all\n6 all\n");

  Json p = saved.payload();
  const Json* steady = find_scenario(p["results"]["scenarios"], "steady");
  ASSERT_NE(steady, nullptr) << p["results"].dump(2);
  EXPECT_EQ((*steady)["metrics"]["distributions"]["t"].size(), 18u);
  EXPECT_EQ((*steady)["sessions"]["t"], Json::array({6, 6, 6}));
  EXPECT_EQ((*steady)["runs"].size(), 3u);
  EXPECT_EQ((*steady)["runs_summary"]["t"]["n"], 3);
  // Diagnostics look at each invocation on its own (a shift between
  // sessions is no drift), numbered as the runner numbered its iterations.
  std::vector<int> invocations;
  for (const auto& d : p["diagnostics"]) {
    if (d["scenario_id"] == "steady") invocations.push_back(d["invocation"].get<int>());
  }
  EXPECT_THAT(invocations, ElementsAre(1, 2, 3));

  Json baseline = Json::parse(read_file(dir / "homeboy.json"))["baselines"]["bench"];
  const Json* kept = find_scenario(baseline["metadata"]["scenarios"], "steady");
  ASSERT_NE(kept, nullptr) << baseline.dump(2);
  EXPECT_EQ((*kept)["sessions"]["t"]["sizes"], Json::array({6, 6, 6}));
  EXPECT_EQ((*kept)["sessions"]["t"]["centres"].size(), 3u);

  // Every invocation's results file is evidence of the run.
  Json recorded = show_run(p["persisted_run"].value("run_id", ""));
  EXPECT_EQ(recorded["metadata"]["statistics"]["runs"], 3) << recorded.dump(2);
  EXPECT_EQ(recorded["metadata"]["statistics"]["session_aware"], true);

  // The human report says how it measured and why a verdict was withheld.
  auto human = run({"bench", "svc", "--iterations", "6", "--runs", "3"});
  EXPECT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("6 iterations x 3 invocations"));
}

TEST_F(BenchRuns, ARealChangeIsStillDecidedSessionBySession)
{
  make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "6", "--runs", "3", "--baseline"}).exit_code, 0);
  auto r = bench_json({"svc", "--iterations", "6", "--runs", "3", "--setting", "shift_moving=0.2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  const Json* moving = find_scenario(p["baseline_comparison"]["scenarios"], "moving");
  const Json* steady = find_scenario(p["baseline_comparison"]["scenarios"], "steady");
  ASSERT_TRUE(moving && steady) << p["baseline_comparison"].dump(2);
  EXPECT_EQ((*moving)["verdict"], "regressed") << moving->dump(2);
  EXPECT_EQ((*steady)["verdict"], "unchanged") << steady->dump(2);
}

TEST_F(BenchRuns, BadRunsAndInvocationsThatDisagreeAreClearErrors)
{
  fs::path dir = make_component("svc", "sampled.sh");
  auto zero = run({"bench", "svc", "--runs", "0"});
  EXPECT_EQ(zero.exit_code, 2) << zero.describe();
  EXPECT_THAT(zero.err, HasSubstr("--runs must be between 1 and 100, got 0"));
  auto both = run({"bench", "svc", "--runs", "3", "--until-decisive"});
  EXPECT_EQ(both.exit_code, 2) << both.describe();
  EXPECT_THAT(both.err, HasSubstr("--runs and --until-decisive cannot be combined"));
  EXPECT_TRUE(list_runs().empty()) << "a refused bench recorded a run";

  // A runner whose second invocation reports other iterations.
  write_file(dir / "runner.sh", R"(#!/usr/bin/env bash
set -eu
n=$(cat "$HOMEBOY_COMPONENT_PATH/count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$HOMEBOY_COMPONENT_PATH/count"
printf '{"component_id": "svc", "iterations": %d, "scenarios": [{"id": "a", "iterations": %d, "metrics": {"p95_ms": 1}}]}' \
  $((HOMEBOY_BENCH_ITERATIONS + n)) $((HOMEBOY_BENCH_ITERATIONS + n)) > "$HOMEBOY_BENCH_RESULTS_FILE"
)");
  make_executable(dir / "runner.sh");
  auto mismatch = bench_json({"svc", "--iterations", "5", "--runs", "2"});
  EXPECT_EQ(mismatch.exit_code, 1) << mismatch.describe();
  EXPECT_EQ(mismatch.payload()["status"], "failed");
  EXPECT_EQ(mismatch.payload()["failure"]["code"], "bench.runs_mismatch");
  EXPECT_THAT(mismatch.payload()["failure"].value("message", ""),
              HasSubstr("--runs: invocation 2 reported 6 iterations, invocation 1 5"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
}

} // namespace

// The drift test runs once per sample series; a run of many series is
// judged at 0.01 / series, so chance alone does not make it warn.
TEST_F(BenchRuns, DriftWarningsHoldTheirLevelOverTheRun)
{
  make_component("drifting", "drifting.sh");
  auto one = bench_json({"drifting", "--iterations", "10"});
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  const Json alone = one.payload();
  ASSERT_EQ(alone["diagnostics"].size(), 1u);
  const double p = alone["diagnostics"][0]["trend"]["p_value"].get<double>();
  EXPECT_LT(p, 0.01);
  EXPECT_GT(p, 0.01 / 12);
  EXPECT_THAT(alone["warnings"].dump(), HasSubstr("values drift upward across iterations"));

  auto twelve = bench_json({"drifting", "--iterations", "10", "--setting", "series=12"});
  ASSERT_EQ(twelve.exit_code, 0) << twelve.describe();
  const Json many = twelve.payload();
  ASSERT_EQ(many["diagnostics"].size(), 12u);
  EXPECT_THAT(many["warnings"].dump(), Not(HasSubstr("drift")));
  EXPECT_EQ(many["diagnostics"][0]["trend"]["flagged"], false);
  EXPECT_DOUBLE_EQ(many["diagnostics"][0]["trend"]["p_value"].get<double>(), p);
}

// homeboy bench history through the real binary: a component benched
// repeatedly with the history fixture runner, whose level steps when the
// test edits the component's `shift` file (a code change), then read back.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchHistory : public RunsSeedTest
{
protected:
  /// Benches `component` (history.sh) once per entry of `shifts` (the level
  /// is 100 * (1 + shift)); returns the run ids, oldest first.
  std::vector<std::string> bench_series(const std::string& component, const std::vector<double>& shifts,
                                        const std::vector<std::string>& extra = {})
  {
    if (!fs::exists(work_ / component)) make_component(component, "history.sh");
    std::vector<std::string> ids;
    for (double shift : shifts) {
      write_file(work_ / component / "shift", std::to_string(shift) + "\n");
      std::vector<std::string> args = {component, "--iterations", "5"};
      args.insert(args.end(), extra.begin(), extra.end());
      auto r = bench_json(args);
      EXPECT_EQ(r.exit_code, 0) << r.describe();
      ids.push_back(r.payload()["persisted_run"].value("run_id", ""));
      std::this_thread::sleep_for(std::chrono::milliseconds(3)); // distinct start times
    }
    return ids;
  }
};

TEST_F(BenchHistory, FindsTheStepAtTheFirstRunAfterIt)
{
  auto ids = bench_series("app", {0, 0, 0, 0, 0, 0, 0, 0, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12});
  auto r = run({"bench", "history", "app", "--metric", "wall_ms", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.json()["data"]["variant"], "history");
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.list") << "the original's bench history payload, with more";
  EXPECT_TRUE(p.contains("next_cursor"));
  EXPECT_EQ(p["scenario_id"], "main") << "the one scenario with the metric is chosen";
  EXPECT_EQ(p["direction"], "lower_is_better");
  ASSERT_EQ(p["point_count"], 14);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(p["points"][i]["run_id"], ids[i]) << "oldest first";
    EXPECT_EQ(p["points"][i]["sample_count"], 5);
  }
  EXPECT_NEAR(p["points"][0]["value"].get<double>(), 100, 1.5);
  ASSERT_EQ(p["change_points"].size(), 1u) << r.out;
  const Json& cp = p["change_points"][0];
  EXPECT_EQ(cp["index"], 8);
  EXPECT_EQ(cp["run_id"], ids[8]);
  EXPECT_EQ(cp["previous_run_id"], ids[7]);
  EXPECT_NEAR(cp["median_change_percent"].get<double>(), 12, 2);
  EXPECT_NEAR(cp["change_percent"].get<double>(), 12, 2);
  EXPECT_EQ(cp["direction"], "increase");
  EXPECT_EQ(cp["assessment"], "worse");
  EXPECT_EQ(cp["before"]["count"], 8);
  EXPECT_EQ(cp["after"]["count"], 6);
  EXPECT_LE(cp["p_value"].get<double>(), 0.01);
  EXPECT_GE(cp["p_value"].get<double>(), 0.001) << "p counts the observed arrangement";
  EXPECT_TRUE(cp["context_changes"].empty()) << "only the code changed";
  EXPECT_EQ(p["detection"]["method"], "e_divisive_means");
  EXPECT_TRUE(p["detection"]["tested"].get<bool>());
  ASSERT_EQ(p["runs"].size(), 14u);
  EXPECT_EQ(p["runs"][0]["id"], ids.back()) << "runs are runs.list rows, newest first";

  auto human = run({"bench", "history", "app", "--metric", "wall_ms"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("wall_ms got 1"));
  EXPECT_THAT(human.out, HasSubstr("% slower at run " + ids[8] + " ("));
  EXPECT_THAT(human.out, HasSubstr("), p = 0.00"));
  EXPECT_THAT(human.out, HasSubstr("<- change +1"));
  EXPECT_THAT(human.out, HasSubstr("homeboy runs bench-compare --from-run " + ids[7] + " --to-run " + ids[8]));

  // --limit keeps the newest points: the step is then after the 6th of 12.
  auto limited = run({"bench", "history", "app", "--metric", "wall_ms", "--limit", "12", "--json"});
  ASSERT_EQ(limited.exit_code, 0) << limited.describe();
  EXPECT_EQ(limited.payload()["point_count"], 12);
  EXPECT_EQ(limited.payload()["points"][0]["run_id"], ids[2]);
  EXPECT_TRUE(limited.payload()["truncated"].get<bool>());
  ASSERT_EQ(limited.payload()["change_points"].size(), 1u);
  EXPECT_EQ(limited.payload()["change_points"][0]["run_id"], ids[8]);
}

TEST_F(BenchHistory, AFlatHistoryHasNoChangePoint)
{
  bench_series("flat", std::vector<double>(10, 0.0));
  auto r = run({"bench", "history", "flat", "--metric", "wall_ms", "--scenario", "main", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["point_count"], 10);
  EXPECT_TRUE(r.payload()["change_points"].empty()) << r.out;
  EXPECT_FALSE(r.payload()["truncated"].get<bool>());
  auto human = run({"bench", "history", "flat", "--metric", "wall_ms"});
  EXPECT_THAT(human.out, HasSubstr("No change points"));
}

TEST_F(BenchHistory, SaysWhenThereAreTooFewPoints)
{
  bench_series("short", {0, 0.5, 0.5});
  auto r = run({"bench", "history", "short", "--metric", "wall_ms", "--json"});
  ASSERT_EQ(r.exit_code, 0) << "too few points is not an error: " << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["point_count"], 3);
  EXPECT_TRUE(p["change_points"].empty());
  EXPECT_FALSE(p["detection"]["tested"].get<bool>());
  EXPECT_THAT(p["detection"]["note"].get<std::string>(), HasSubstr("3 points"));
  EXPECT_THAT(p["detection"]["note"].get<std::string>(), HasSubstr("at least 6"));
  auto human = run({"bench", "history", "short", "--metric", "wall_ms"});
  EXPECT_THAT(human.out, HasSubstr("not tested"));
}

TEST_F(BenchHistory, NamesAChangeOfSettingsAtTheChangePoint)
{
  auto ids = bench_series("tuned", std::vector<double>(6, 0.0), {"--setting", "mode=a"});
  auto more = bench_series("tuned", std::vector<double>(6, -0.2), {"--setting", "mode=b"});
  auto r = run({"bench", "history", "tuned", "--metric", "wall_ms", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["change_points"].size(), 1u) << r.out;
  const Json& cp = p["change_points"][0];
  EXPECT_EQ(cp["run_id"], more[0]);
  EXPECT_EQ(cp["assessment"], "better");
  EXPECT_EQ(cp["context_changes"], Json::array({"settings"}));
  EXPECT_THAT(cp["summary"].get<std::string>(), HasSubstr("faster"));
  EXPECT_THAT(cp["summary"].get<std::string>(), HasSubstr("measured with different settings than the run before"));
}

TEST_F(BenchHistory, WithoutAMetricListsTheRunsAndWhatTheyRecorded)
{
  auto ids = bench_series("listed", {0, 0});
  auto r = run({"bench", "history", "listed", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.list") << "the original's bench history payload, with more";
  EXPECT_TRUE(p["metric"].is_null());
  ASSERT_EQ(p["runs"].size(), 2u);
  EXPECT_EQ(p["runs"][0]["id"], ids[1]);
  EXPECT_EQ(p["metrics"], (Json::array({{{"scenario_id", "main"}, {"metric", "wall_ms"}},
                                        {{"scenario_id", "side"}, {"metric", "rss_kb"}}})));
  auto human = run({"bench", "history", "listed"});
  EXPECT_THAT(human.out, HasSubstr("main: wall_ms"));
  EXPECT_THAT(human.out, HasSubstr("homeboy bench history listed --metric"));
}

TEST_F(BenchHistory, BadInputSaysWhatIsRecorded)
{
  bench_series("known", {0});
  auto component = run({"bench", "history", "unknown", "--metric", "wall_ms"});
  EXPECT_EQ(component.exit_code, 2) << component.describe();
  EXPECT_THAT(component.err, HasSubstr("no bench runs of component `unknown`"));
  EXPECT_THAT(component.err, HasSubstr("homeboy runs list --kind bench"));

  auto metric = run({"bench", "history", "known", "--metric", "wal_ms"});
  EXPECT_EQ(metric.exit_code, 2) << metric.describe();
  EXPECT_THAT(metric.err, HasSubstr("`wal_ms`"));
  EXPECT_THAT(metric.err, HasSubstr("rss_kb, wall_ms"));

  auto scenario = run({"bench", "history", "known", "--metric", "wall_ms", "--scenario", "mian", "--json"});
  EXPECT_EQ(scenario.exit_code, 2) << scenario.describe();
  EXPECT_EQ(scenario.json()["error"]["code"], "validation.unknown_scenario");
  EXPECT_THAT(scenario.json()["error"]["message"].get<std::string>(), HasSubstr("main, side"));

  make_component("twice", "sampled.sh");
  ASSERT_EQ(bench_json({"twice", "--iterations", "3"}).exit_code, 0);
  auto ambiguous = run({"bench", "history", "twice", "--metric", "t"});
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.describe();
  EXPECT_THAT(ambiguous.err, HasSubstr("moving, steady"));
  EXPECT_THAT(ambiguous.err, HasSubstr("--scenario"));
  auto chosen = run({"bench", "history", "twice", "--metric", "t", "--scenario", "moving", "--json"});
  EXPECT_EQ(chosen.exit_code, 0) << chosen.describe();
  EXPECT_EQ(chosen.payload()["point_count"], 1);

  auto alpha = run({"bench", "history", "known", "--metric", "wall_ms", "--alpha", "0.0001"});
  EXPECT_EQ(alpha.exit_code, 2) << alpha.describe();
  EXPECT_THAT(alpha.err, HasSubstr("--alpha"));
}

} // namespace

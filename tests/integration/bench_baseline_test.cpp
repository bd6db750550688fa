// homeboy bench with baselines: save, compare, regress, ratchet, and the
// baseline's home in the user's homeboy.json.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class BenchBaseline : public HomeboyTest
{
protected:
  OrderedJson homeboy_json(const fs::path& dir) { return OrderedJson::parse(read_file(dir / "homeboy.json")); }

  std::vector<std::string> keys(const OrderedJson& doc)
  {
    std::vector<std::string> out;
    for (const auto& [k, v] : doc.items()) out.push_back(k);
    return out;
  }

  double baseline_metric(const fs::path& dir, const std::string& scenario, const std::string& metric)
  {
    OrderedJson doc = homeboy_json(dir);
    for (const auto& s : doc["baselines"]["bench"]["metadata"]["scenarios"]) {
      if (s["id"] == scenario) return s["metrics"][metric].get<double>();
    }
    ADD_FAILURE() << "no baseline for " << scenario << " in\n" << doc.dump(2);
    return -1;
  }

  void save_baseline(const std::string& id, const std::vector<std::string>& extra = {})
  {
    std::vector<std::string> args = {"bench", id, "--iterations", "3", "--baseline"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    ASSERT_THAT(r.out, HasSubstr("Baseline: saved this run as baselines.bench"));
  }
};

TEST_F(BenchBaseline, BaselineIsSavedInHomeboyJsonInTheCompatFormat)
{
  fs::path dir = make_component("svc", "two_scenarios.sh");
  save_baseline("svc");
  OrderedJson doc = homeboy_json(dir);
  ASSERT_TRUE(doc.contains("baselines")) << doc.dump(2);
  const auto& b = doc["baselines"]["bench"];
  EXPECT_EQ(b["context_id"], "svc");
  EXPECT_EQ(b["item_count"], 2);
  EXPECT_EQ(b["known_fingerprints"], OrderedJson({"cold_start", "hot_path"}));
  EXPECT_TRUE(b["created_at"].is_string());
  EXPECT_EQ(b["created_at"].get<std::string>().back(), 'Z') << b["created_at"];
  EXPECT_EQ(b["metadata"]["iterations"], 3);
  ASSERT_EQ(b["metadata"]["scenarios"].size(), 2u);
  EXPECT_EQ(b["metadata"]["scenarios"][0]["metrics"]["p95_ms"], 10);
  EXPECT_EQ(b["metadata"]["scenarios"][0]["distributions"]["p95_ms"].size(), 3u);

  // The next plain run compares against it and passes.
  auto r = bench_json({"svc", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json cmp = r.payload()["baseline_comparison"];
  ASSERT_TRUE(cmp.is_object()) << r.describe();
  EXPECT_EQ(cmp["regression"], false);
  EXPECT_EQ(cmp["threshold_percent"], 5.0);
  ASSERT_EQ(cmp["scenarios"].size(), 2u);
  for (const char* key : {"name", "baseline_value", "current_value", "delta", "delta_pct",
                          "direction", "regression_test", "baseline_samples", "current_samples",
                          "statistic", "regression", "improvement"}) {
    EXPECT_TRUE(cmp["scenarios"][0]["metric_deltas"][0].contains(key)) << key;
  }
  EXPECT_TRUE(cmp["new_scenario_ids"].empty());
  EXPECT_TRUE(cmp["removed_scenario_ids"].empty());
}

TEST_F(BenchBaseline, RegressionExitsOneWithReasonsAndIsRecordedFailed)
{
  fs::path dir = make_component("svc", "two_scenarios.sh");
  save_baseline("svc");

  auto r = bench_json({"svc", "--iterations", "3", "--setting-json", "scale=2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["exit_code"], 1);
  // The runner succeeded and no gate failed: the status stays "passed",
  // the regression alone makes the exit code 1 (compat.md).
  EXPECT_EQ(p["status"], "passed");
  const Json& cmp = p["baseline_comparison"];
  ASSERT_TRUE(cmp.is_object()) << r.describe();
  EXPECT_EQ(cmp["regression"], true);
  auto reasons = cmp["reasons"].get<std::vector<std::string>>();
  EXPECT_THAT(reasons, Contains("cold_start: p95_ms 10 → 20 (+100.0%)"));
  EXPECT_THAT(reasons, Contains("hot_path: p95_ms 2 → 4 (+100.0%)"));
  EXPECT_THAT(reasons, Contains("cold_start: mean_ms 8 → 16 (+100.0%)"));
  // requests_per_second did not move: not a reason.
  for (const auto& reason : reasons) EXPECT_THAT(reason, Not(HasSubstr("requests_per_second")));

  std::string id = p["persisted_run"].value("run_id", "");
  Json rec = show_run(id);
  EXPECT_EQ(rec["run_status"], "failed");
  EXPECT_EQ(rec["exit_code"], 1);
  EXPECT_EQ(rec["terminal_reason"], "regression");
  EXPECT_EQ(ids_of(list_runs({"--status", "failed"})), std::vector<std::string>{id});

  // The baseline did not move.
  EXPECT_EQ(baseline_metric(dir, "cold_start", "p95_ms"), 10);

  auto human = run({"bench", "svc", "--iterations", "3", "--setting", "scale=2"});
  EXPECT_EQ(human.exit_code, 1) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("REGRESSED"));
  EXPECT_THAT(human.out, HasSubstr("cold_start: p95_ms 10.00 ms → 20.00 ms (+100.0%)"));
  EXPECT_THAT(human.out, HasSubstr("(exit 1)"));
}

TEST_F(BenchBaseline, ImprovementAloneIsNotARegression)
{
  make_component("svc", "two_scenarios.sh");
  save_baseline("svc");
  auto r = bench_json({"svc", "--iterations", "3", "--setting-json", "scale=0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json cmp = r.payload()["baseline_comparison"];
  EXPECT_EQ(cmp["regression"], false);
  EXPECT_EQ(cmp["has_improvements"], true);
  EXPECT_TRUE(cmp["reasons"].empty());
}

TEST_F(BenchBaseline, IgnoreBaselineSkipsTheComparison)
{
  make_component("svc", "two_scenarios.sh");
  save_baseline("svc");
  auto r = bench_json({"svc", "--iterations", "2", "--setting-json", "scale=2", "--ignore-baseline"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.payload()["baseline_comparison"].is_null());
  // The baseline exists: the run says so instead of "none saved yet".
  EXPECT_EQ(r.payload()["baseline"]["found"], true) << r.describe();
  auto human = run({"bench", "svc", "--iterations", "2", "--ignore-baseline"});
  EXPECT_THAT(human.out, HasSubstr("Baseline: baselines.bench exists, not compared "
                                   "(--ignore-baseline)"));
  EXPECT_THAT(human.out, Not(HasSubstr("none saved yet")));
  EXPECT_THAT(human.out, Not(HasSubstr("No baseline yet")));
}

TEST_F(BenchBaseline, LegacyP95ComparisonUsesTheRegressionThreshold)
{
  // Without metric_policies only p95_ms is compared, lower is better, at
  // --regression-threshold (default 5 %): +4 % passes, +6 % regresses.
  make_component("legacy", "two_scenarios.sh");
  save_baseline("legacy", {"--setting", "policies=none"});

  auto plus4 = bench_json({"legacy", "--iterations", "2", "--setting", "policies=none",
                           "--setting-json", "scale=1.04"});
  EXPECT_EQ(plus4.exit_code, 0) << plus4.describe();

  auto plus6 = bench_json({"legacy", "--iterations", "2", "--setting", "policies=none",
                           "--setting-json", "scale=1.06"});
  EXPECT_EQ(plus6.exit_code, 1) << plus6.describe();
  auto reasons = plus6.payload()["baseline_comparison"]["reasons"].get<std::vector<std::string>>();
  EXPECT_THAT(reasons, Contains("cold_start: p95_ms 10 → 10.6 (+6.0%)"));
  for (const auto& reason : reasons) EXPECT_THAT(reason, Not(HasSubstr("mean_ms")));

  auto wider = bench_json({"legacy", "--iterations", "2", "--setting", "policies=none",
                           "--setting-json", "scale=1.06", "--regression-threshold", "10"});
  EXPECT_EQ(wider.exit_code, 0) << wider.describe();
  EXPECT_EQ(wider.payload()["baseline_comparison"]["threshold_percent"], 10.0);
}

TEST_F(BenchBaseline, LegacyBaselineSnapshotFieldsAreRead)
{
  // Older baselines carry p95_ms directly on the scenario.
  std::string text = R"({
  "id": "old",
  "scripts": {"bench": ["./runner.sh"]},
  "baselines": {"bench": {"created_at": "2026-01-01T00:00:00Z", "context_id": "old",
    "item_count": 1, "known_fingerprints": ["cold_start"],
    "metadata": {"iterations": 10, "scenarios": [{"id": "cold_start", "p95_ms": 5.0}]}}}
}
)";
  ComponentOptions o;
  o.homeboy_json_text = text;
  make_component("old", "two_scenarios.sh", o);
  auto r = bench_json({"old", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json cmp = r.payload()["baseline_comparison"];
  EXPECT_THAT(cmp["reasons"].get<std::vector<std::string>>(),
              Contains("cold_start: p95_ms 5 → 10 (+100.0%)"));
  EXPECT_THAT(cmp["new_scenario_ids"].get<std::vector<std::string>>(), ElementsAre("hot_path"));
}

TEST_F(BenchBaseline, RatchetMovesBaselineOnImprovementAndKeepsTheUsersKeys)
{
  std::string text = R"({
  "id": "rat",
  "zeta": 1,
  "scripts": {"bench": ["./runner.sh"]},
  "alpha": {"nested": [3, 2, 1], "b": true, "a": false},
  "description": "user-owned file"
}
)";
  ComponentOptions o;
  o.homeboy_json_text = text;
  fs::path dir = make_component("rat", "two_scenarios.sh", o);
  save_baseline("rat");
  const std::vector<std::string> expected_keys = {"id", "zeta", "scripts", "alpha", "description",
                                                  "baselines"};
  OrderedJson saved = homeboy_json(dir);
  EXPECT_EQ(keys(saved), expected_keys) << saved.dump(2);
  EXPECT_EQ(keys(saved["alpha"]), (std::vector<std::string>{"nested", "b", "a"}));
  EXPECT_EQ(baseline_metric(dir, "cold_start", "p95_ms"), 10);

  // Improved: the baseline follows.
  auto better = bench_json({"rat", "--iterations", "3", "--ratchet", "--setting-json", "scale=0.5"});
  ASSERT_EQ(better.exit_code, 0) << better.describe();
  EXPECT_EQ(better.payload()["baseline"]["ratcheted"], true) << better.describe();
  EXPECT_EQ(baseline_metric(dir, "cold_start", "p95_ms"), 5);
  EXPECT_EQ(baseline_metric(dir, "hot_path", "p95_ms"), 1);
  OrderedJson after = homeboy_json(dir);
  EXPECT_EQ(keys(after), expected_keys) << after.dump(2);
  EXPECT_EQ(after["zeta"], 1);
  EXPECT_EQ(after["alpha"], saved["alpha"]);
  EXPECT_EQ(keys(after["alpha"]), (std::vector<std::string>{"nested", "b", "a"}));
  EXPECT_EQ(after["description"], "user-owned file");

  // Nothing improved: the baseline stays.
  std::string created = after["baselines"]["bench"]["created_at"];
  auto same = bench_json({"rat", "--iterations", "3", "--ratchet", "--setting-json", "scale=0.5"});
  ASSERT_EQ(same.exit_code, 0) << same.describe();
  EXPECT_EQ(same.payload()["baseline"]["ratcheted"], false);
  EXPECT_EQ(homeboy_json(dir)["baselines"]["bench"]["created_at"], created);

  // Regressed against the ratcheted baseline: exit 1, the baseline stays.
  auto worse = bench_json({"rat", "--iterations", "3", "--ratchet"});
  EXPECT_EQ(worse.exit_code, 1) << worse.describe();
  EXPECT_EQ(worse.payload()["baseline"]["ratcheted"], false);
  EXPECT_THAT(worse.payload()["baseline_comparison"]["reasons"].get<std::vector<std::string>>(),
              Contains("cold_start: p95_ms 5 → 10 (+100.0%)"));
  EXPECT_EQ(baseline_metric(dir, "cold_start", "p95_ms"), 5);
}

TEST_F(BenchBaseline, BaselineIsNotSavedWhenGatesFail)
{
  fs::path dir = make_component("gated", "gate_failure.sh");
  auto r = run({"bench", "gated", "--iterations", "2", "--baseline"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("baseline not saved"));
  OrderedJson doc = homeboy_json(dir);
  EXPECT_FALSE(doc.contains("baselines")) << doc.dump(2);
}

TEST_F(BenchBaseline, BaselineAndIgnoreBaselineAreExclusive)
{
  make_component("svc", "two_scenarios.sh");
  auto r = run({"bench", "svc", "--baseline", "--ignore-baseline"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("--ignore-baseline"));
  EXPECT_TRUE(list_runs().empty());
}

struct MalformedCase
{
  const char* name;
  const char* baselines;  // the value of "baselines"
  const char* mentions;   // a phrase the error must contain
};

void
PrintTo(const MalformedCase& c, std::ostream* os)
{
  *os << c.name;
}

class MalformedBaseline : public BenchBaseline, public ::testing::WithParamInterface<MalformedCase>
{};

TEST_P(MalformedBaseline, IsAClearErrorNotSilentlyIgnored)
{
  const auto& c = GetParam();
  std::string text = std::string(R"({"id": "bad", "scripts": {"bench": ["./runner.sh"]}, "baselines": )")
                     + c.baselines + "}\n";
  ComponentOptions o;
  o.homeboy_json_text = text;
  fs::path dir = make_component("bad", "two_scenarios.sh", o);
  auto r = run({"bench", "bad", "--iterations", "2"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("homeboy.json")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(c.mentions)) << r.describe();
  EXPECT_THAT(r.out, Not(HasSubstr("PASSED")));
  // The file is left alone.
  EXPECT_EQ(read_file(dir / "homeboy.json"), text);

  auto j = bench_json({"bad", "--iterations", "2"});
  EXPECT_NE(j.exit_code, 0);
  Json env = j.json();
  EXPECT_EQ(env["success"], false) << j.describe();
  EXPECT_THAT(env["error"]["message"].get<std::string>(), HasSubstr(c.mentions));
}

INSTANTIATE_TEST_SUITE_P(
  Cases, MalformedBaseline,
  ::testing::Values(
    MalformedCase{"metadata_not_object", R"({"bench": {"metadata": "oops"}})", "baselines.bench"},
    MalformedCase{"scenarios_missing", R"({"bench": {"metadata": {"iterations": 3}}})", "scenarios"},
    MalformedCase{"metric_not_number",
                  R"({"bench": {"metadata": {"scenarios": [{"id": "cold_start", "metrics": {"p95_ms": "fast"}}]}}})",
                  "p95_ms"},
    MalformedCase{"bench_is_array", R"({"bench": [1, 2]})", "baselines.bench"},
    MalformedCase{"baselines_not_object", R"([])", "baselines"}),
  [](const ::testing::TestParamInfo<MalformedCase>& info) { return std::string(info.param.name); });

TEST_F(BenchBaseline, VarianceAwareMannWhitneyComparesDistributions)
{
  fs::path dir = make_component("var", "two_scenarios.sh");
  auto saved = run({"bench", "var", "--iterations", "6", "--setting", "variance=1", "--baseline"});
  ASSERT_EQ(saved.exit_code, 0) << saved.describe();
  EXPECT_EQ(homeboy_json(dir)["baselines"]["bench"]["metadata"]["scenarios"][0]["distributions"]
              ["p95_ms"].size(), 6u);

  auto worse = bench_json({"var", "--iterations", "6", "--setting", "variance=1", "--setting-json",
                           "scale=2"});
  EXPECT_EQ(worse.exit_code, 1) << worse.describe();
  Json cmp = worse.payload()["baseline_comparison"];
  ASSERT_TRUE(cmp.is_object()) << worse.describe();
  const Json& d = cmp["scenarios"][0]["metric_deltas"][0];
  EXPECT_EQ(d["name"], "p95_ms");
  EXPECT_EQ(d["regression_test"], "mann_whitney_u");
  EXPECT_EQ(d["baseline_samples"], 6);
  EXPECT_EQ(d["current_samples"], 6);
  EXPECT_FALSE(d["statistic"].is_null());
  EXPECT_EQ(d["regression"], true);
  EXPECT_EQ(cmp["regression"], true);

  // A shift far inside the 5 % tolerance is no regression.
  auto same = bench_json({"var", "--iterations", "6", "--setting", "variance=1", "--setting-json",
                          "scale=1.001"});
  EXPECT_EQ(same.exit_code, 0) << same.describe();
}

TEST_F(BenchBaseline, HomeboyJsonThatIsNotJsonIsAClearError)
{
  fs::path dir = make_component("broken", "two_scenarios.sh");
  std::string text = R"({"id": "broken", "scripts": {"bench": ["./runner.sh"]}, "baselines": {)";
  write_file(dir / "homeboy.json", text);
  auto r = run({"bench", "broken", "--iterations", "2"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr((dir / "homeboy.json").string()));
  EXPECT_THAT(r.err, HasSubstr("not valid JSON"));
  EXPECT_TRUE(list_runs().empty());
  // --baseline must not overwrite the broken file either.
  auto save = run({"bench", "broken", "--iterations", "2", "--baseline"});
  EXPECT_NE(save.exit_code, 0) << save.describe();
  EXPECT_EQ(read_file(dir / "homeboy.json"), text);
}

} // namespace

namespace {

class RatchetNotes : public BenchBaseline
{
};

TEST_F(RatchetNotes, RatchetWithoutABaselineSaysSoAndSavesNothing)
{
  fs::path dir = make_component("fresh", "two_scenarios.sh");
  auto r = run({"bench", "fresh", "--iterations", "2", "--ratchet"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, ::testing::HasSubstr("there is no baseline to improve on yet"));
  EXPECT_FALSE(homeboy_json(dir).contains("baselines"));
}

TEST_F(RatchetNotes, RatchetWithFailingGatesSaysWhy)
{
  fs::path dir = make_component("gated", "gate_failure.sh");
  auto r = run({"bench", "gated", "--iterations", "2", "--ratchet"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.out, ::testing::HasSubstr("baseline not ratcheted: gates or budgets failed"));
  EXPECT_FALSE(homeboy_json(dir).contains("baselines"));
}

} // namespace

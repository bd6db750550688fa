// homeboy bench deciding: verdicts with p-values and intervals, correction,
// --fail-on-inconclusive, --until-decisive, the improvement-only ratchet,
// diagnostics and the host fingerprint, and timing commands with --exec or
// bench.commands. The sampled.sh fixture gives known samples.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

class BenchDecide : public HomeboyTest
{
protected:
  const Json* delta(const Json& payload, const std::string& scenario)
  {
    for (const auto& s : payload["baseline_comparison"]["scenarios"]) {
      if (s["id"] == scenario) return &s["metric_deltas"][0];
    }
    ADD_FAILURE() << "no comparison for " << scenario << " in " << payload.dump(2);
    return nullptr;
  }

  std::string scenario_verdict(const Json& payload, const std::string& scenario)
  {
    for (const auto& s : payload["baseline_comparison"]["scenarios"]) {
      if (s["id"] == scenario) return s["verdict"];
    }
    return "(none)";
  }

  OrderedJson baseline_of(const fs::path& file)
  {
    return OrderedJson::parse(read_file(file))["baselines"]["bench"];
  }

  std::vector<double> baseline_samples(const fs::path& file, const std::string& scenario)
  {
    OrderedJson baseline = baseline_of(file);
    for (const auto& s : baseline["metadata"]["scenarios"]) {
      if (s["id"] == scenario) return s["distributions"]["t"].get<std::vector<double>>();
    }
    ADD_FAILURE() << "no baseline samples for " << scenario;
    return {};
  }
};

TEST_F(BenchDecide, EveryMetricGetsAVerdictWithPValueAndInterval)
{
  make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "20", "--baseline"}).exit_code, 0);

  // The independent-samples tests' verdicts, p-values and intervals (one
  // session a side: the session rule would call a 10 % shift at 3 % noise
  // inconclusive, see SessionAwareByDefault...).
  auto r = bench_json({"svc", "--iterations", "20", "--no-session-aware", "--setting",
                       "shift_moving=0.10"});
  ASSERT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  const Json* moving = delta(p, "moving");
  ASSERT_TRUE(moving);
  EXPECT_EQ((*moving)["verdict"], "regressed");
  EXPECT_EQ((*moving)["regression"], true);
  EXPECT_EQ((*moving)["method"], "exact");
  EXPECT_LT((*moving)["p_value_adjusted"].get<double>(), 0.001);
  EXPECT_EQ((*moving)["interval"]["unit"], "percent");
  EXPECT_EQ((*moving)["interval"]["method"], "bootstrap");
  EXPECT_GT((*moving)["interval"]["lower"].get<double>(), 2.0);
  EXPECT_TRUE((*moving)["shift"].is_object());
  EXPECT_EQ(scenario_verdict(p, "steady"), "unchanged");
  // `unchanged` rests on the 90 % shift interval (two one-sided tests at
  // alpha 0.05), reported in the metric's unit.
  const Json& eq = (*delta(p, "steady"))["equivalence"];
  EXPECT_EQ(eq["unit"], "value");
  EXPECT_NEAR(eq["confidence"].get<double>(), 0.90, 0.01);
  EXPECT_LT(eq["upper"].get<double>() - eq["lower"].get<double>(),
            (*delta(p, "steady"))["shift"]["upper"].get<double>()
              - (*delta(p, "steady"))["shift"]["lower"].get<double>());
  const Json& cmp = p["baseline_comparison"];
  EXPECT_EQ(cmp["statistics"], "sound");
  EXPECT_EQ(cmp["correction"], "holm");
  EXPECT_EQ(cmp["alpha"], 0.05);
  EXPECT_EQ(cmp["tests"], 2);
  EXPECT_THAT(cmp["reasons"][0].get<std::string>(), HasSubstr("moving: t 100.075 → 110.0825 (+10.0%)"));

  // The human report: change with interval, p-value and verdict per metric.
  auto human = run({"bench", "svc", "--iterations", "20", "--no-session-aware", "--setting",
                    "shift_moving=0.10"});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.out, HasSubstr("change [95% CI]"));
  EXPECT_THAT(human.out, HasSubstr("+10.0% ["));
  EXPECT_THAT(human.out, HasSubstr("<0.001"));
  EXPECT_THAT(human.out, HasSubstr("Statistics: 2 tests, holm correction, alpha 0.05"));
  // Values in four significant digits (the JSON reasons above keep them
  // exact), and a count of what was decided.
  EXPECT_THAT(human.out, HasSubstr("REGRESSED: moving: t 100.1 → 110.1 (+10.0%)"));
  EXPECT_THAT(human.out, HasSubstr("Verdicts: 2 metrics compared, all decided (1 regressed, "
                                   "1 unchanged)"));
  EXPECT_EQ(cmp["summary"]["decided"], 2);
}

TEST_F(BenchDecide, DocumentedRulesRemainAvailable)
{
  make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "2", "--baseline"}).exit_code, 0);
  // Two samples a side: the documented MWU can never fire, even at +50 %.
  auto old = bench_json({"svc", "--iterations", "2", "--statistics", "documented", "--setting",
                         "shift_moving=0.5"});
  EXPECT_EQ(old.exit_code, 0) << old.describe();
  EXPECT_EQ(old.payload()["baseline_comparison"]["statistics"], "documented");
  EXPECT_EQ((*delta(old.payload(), "moving"))["method"], "documented");
  // Ours says it cannot decide rather than calling it unchanged.
  auto ours = bench_json({"svc", "--iterations", "2", "--setting", "shift_moving=0.5"});
  EXPECT_EQ(ours.exit_code, 0) << ours.describe();
  EXPECT_EQ(scenario_verdict(ours.payload(), "moving"), "inconclusive");
  EXPECT_EQ(ours.payload()["baseline_comparison"]["inconclusive"], true);
}

TEST_F(BenchDecide, FailOnInconclusiveGatesOnUndecidedScenarios)
{
  make_component("svc", "sampled.sh");
  // Two samples a side cannot show anything: no test or interval reaches
  // its level (the exact null puts 1/6 on each extreme).
  ASSERT_EQ(run({"bench", "svc", "--iterations", "2", "--baseline"}).exit_code, 0);
  auto lenient = run({"bench", "svc", "--iterations", "2"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.describe();
  EXPECT_THAT(lenient.out, HasSubstr("inconclusive: steady, moving"));
  // The summary says why nothing was decided: one session each, no history.
  EXPECT_THAT(lenient.out, HasSubstr("Verdicts: 2 metrics compared: 0 decided; 2 not decided "
                                     "(2 one session a side and no run history)"));

  auto strict = bench_json({"svc", "--iterations", "2", "--fail-on-inconclusive"});
  EXPECT_EQ(strict.exit_code, 1) << strict.describe();
  auto run_id = strict.payload()["persisted_run"]["run_id"].get<std::string>();
  Json shown = show_run(run_id);
  EXPECT_EQ(shown["run_status"], "failed");
  EXPECT_EQ(shown["terminal_reason"], "inconclusive");
  EXPECT_EQ(shown["metadata"]["verdicts"]["steady"], "inconclusive");
}

// A comparison of rigs gates on undecided cells the same way.
TEST_F(BenchDecide, FailOnInconclusiveGatesAComparisonToo)
{
  fs::path a = make_component("svc", "sampled.sh");
  fs::path b = work_ / "svc-b";
  fs::copy(a, b, fs::copy_options::recursive);
  for (const auto& [id, dir] : {std::pair{"a", a}, std::pair{"b", b}}) {
    write_file(config_ / "rigs" / (std::string(id) + ".json"),
               Json({{"id", id},
                     {"components", {{"svc", {{"path", dir.string()}}}}},
                     {"bench", {{"default_component", "svc"}}}})
                 .dump());
  }
  auto lenient = bench_json({"--rig", "a,b", "--iterations", "2"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.describe();
  EXPECT_EQ(lenient.payload()["verdicts"][0]["comparison"]["inconclusive"], true)
    << lenient.payload()["verdicts"].dump();

  auto strict = bench_json({"--rig", "a,b", "--iterations", "2", "--fail-on-inconclusive"});
  EXPECT_EQ(strict.exit_code, 1) << strict.describe();
  EXPECT_EQ(strict.payload()["passed"], false);
  Json shown = show_run(strict.payload()["persisted_run"]["run_id"].get<std::string>());
  EXPECT_EQ(shown["run_status"], "failed");
  EXPECT_EQ(shown["terminal_reason"], "inconclusive");
}

TEST_F(BenchDecide, UntilDecisiveReRunsOnlyInconclusiveScenarios)
{
  fs::path dir = make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "4", "--baseline", "--setting",
                 "noise_steady=0.0001"})
              .exit_code,
            0);
  fs::remove(dir / "runner-calls.log");
  // 4 samples a side and two looks, each at alpha / 2: `steady` (no noise)
  // is unchanged at once (the 95 % interval is attainable: 1/70 on each
  // extreme); `moving` (+10 %) cannot be significant after Holm over the two
  // scenarios (2/70 > 0.025), so it gets 4 more samples and then regresses.
  auto r = bench_json({"svc", "--iterations", "4", "--until-decisive=8", "--no-session-aware",
                       "--setting", "noise_steady=0.0001", "--setting", "shift_moving=0.10"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(scenario_verdict(p, "steady"), "unchanged");
  EXPECT_EQ(scenario_verdict(p, "moving"), "regressed");
  EXPECT_EQ((*delta(p, "moving"))["current_samples"], 8);
  EXPECT_EQ((*delta(p, "steady"))["current_samples"], 4);
  EXPECT_EQ(p["until_decisive"]["looks"], 2);
  EXPECT_NEAR(p["baseline_comparison"]["alpha"].get<double>(), 0.025, 1e-12);
  ASSERT_EQ(p["until_decisive"]["rounds"].size(), 1u);
  EXPECT_EQ(p["until_decisive"]["rounds"][0]["scenarios"], Json({"moving"}));
  EXPECT_EQ(read_file(dir / "runner-calls.log"), "4 all\n4 moving\n");

  // Every round's results are evidence of the run.
  std::vector<std::string> labels;
  for (const auto& a : p["artifacts"]) {
    if (a["kind"] == "bench_results") labels.push_back(a["label"]);
  }
  EXPECT_THAT(labels, ElementsAre("Bench results", "Bench results, round 2"));
}

TEST_F(BenchDecide, UntilDecisiveStopsAtItsBudget)
{
  fs::path dir = make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "3", "--baseline"}).exit_code, 0);
  fs::remove(dir / "runner-calls.log");
  // A 0.1 % threshold under 3 % noise can never be shown: the budget runs out.
  auto r = bench_json({"svc", "--iterations", "3", "--until-decisive=12", "--setting",
                       "threshold=0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_file(dir / "runner-calls.log"), "3 all\n3 steady,moving\n6 steady,moving\n");
  EXPECT_EQ(r.payload()["baseline_comparison"]["inconclusive"], true);
  EXPECT_EQ((*delta(r.payload(), "steady"))["current_samples"], 12);
  // The baseline's 3 samples bound what more rounds of this run can show:
  // the run says so and how to fix it.
  EXPECT_THAT(r.payload()["warnings"].dump(),
              HasSubstr("the baseline holds only 3 samples of an inconclusive metric"));
  EXPECT_THAT(r.payload()["warnings"].dump(), HasSubstr("Save the baseline with --iterations 12"));
}

TEST_F(BenchDecide, RatchetMovesOnlyWhatImprovedSignificantly)
{
  fs::path dir = make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "10", "--baseline"}).exit_code, 0);
  auto steady_before = baseline_samples(dir / "homeboy.json", "steady");
  auto moving_before = baseline_samples(dir / "homeboy.json", "moving");

  // Noise alone (a different spread) is no improvement: nothing moves.
  auto noise = run({"bench", "svc", "--iterations", "10", "--ratchet", "--no-session-aware",
                    "--setting", "noise_steady=0.01"});
  EXPECT_EQ(noise.exit_code, 0) << noise.describe();
  EXPECT_THAT(noise.out, HasSubstr("baseline not ratcheted: nothing improved significantly"));
  EXPECT_EQ(baseline_samples(dir / "homeboy.json", "steady"), steady_before);

  auto r = bench_json({"svc", "--iterations", "10", "--ratchet", "--no-session-aware",
                       "--setting", "shift_moving=-0.10", "--setting", "noise_steady=0.01"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["baseline"]["ratcheted"], true);
  EXPECT_EQ(p["baseline"]["ratcheted_metrics"], Json({"moving/t"}));
  EXPECT_EQ(baseline_samples(dir / "homeboy.json", "steady"), steady_before)
    << "steady did not improve: its baseline stays";
  auto moving_after = baseline_samples(dir / "homeboy.json", "moving");
  ASSERT_EQ(moving_after.size(), 10u);
  EXPECT_NEAR(moving_after[0], moving_before[0] * 0.9, 1e-6);
}

TEST_F(BenchDecide, SessionAwareByDefaultDecidesClearChangesAndExplainsTheRest)
{
  make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "5", "--baseline", "--setting",
                 "noise_steady=0.005", "--setting", "noise_moving=0.005", "--setting",
                 "threshold=10"})
              .exit_code,
            0);
  // Five tight samples a side, 20 % apart, nothing else known: regressed.
  // With a threshold a single session can show: 10 %.
  auto clear = bench_json({"svc", "--iterations", "5", "--setting", "noise_steady=0.005",
                           "--setting", "noise_moving=0.005", "--setting", "shift_moving=0.2",
                           "--setting", "threshold=10"});
  EXPECT_EQ(clear.exit_code, 1) << clear.describe();
  EXPECT_EQ(scenario_verdict(clear.payload(), "moving"), "regressed");
  EXPECT_EQ(scenario_verdict(clear.payload(), "steady"), "unchanged");
  EXPECT_EQ((*delta(clear.payload(), "moving"))["sessions"]["source"], "assumed");

  // A 5 % shift of one noisy session: nothing tells it from a session that
  // ran slower. Inconclusive, with the reason and the remedy, never
  // `regressed`.
  auto noisy = run({"bench", "svc", "--iterations", "5", "--setting", "noise_moving=0.05",
                    "--setting", "shift_moving=0.05", "--setting", "noise_steady=0.005"});
  EXPECT_EQ(noisy.exit_code, 0) << noisy.describe();
  EXPECT_THAT(noisy.out, HasSubstr("moving  passed, inconclusive"));
  EXPECT_THAT(noisy.out, HasSubstr("t: one session per side and no run history: the sessions' "
                                   "centres differ by +2.9%"));
  EXPECT_THAT(noisy.out, HasSubstr("measure several sessions (`--runs 3`)"));
}

TEST_F(BenchDecide, TheStoresHistoryMeasuresTheSessionSpread)
{
  // history.sh: each run's centre moves by up to 1 % (sessions differ a
  // little, as on a real machine); the `shift` file stands for a code change.
  fs::path dir = make_component("app", "history.sh");
  ASSERT_EQ(run({"bench", "app", "--iterations", "8", "--baseline"}).exit_code, 0);
  auto first = bench_json({"app", "--iterations", "8"});
  const Json first_payload = first.payload();
  const Json* none = first.exit_code == 0 ? delta(first_payload, "main") : nullptr;
  ASSERT_TRUE(none) << first.describe();
  EXPECT_EQ((*none)["sessions"]["source"], "assumed") << "one earlier run is no history";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(run({"bench", "app", "--iterations", "8"}).exit_code, 0);
  }
  write_file(dir / "shift", "0.08\n");
  auto r = bench_json({"app", "--iterations", "8"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  const Json payload = r.payload();
  const Json* main = delta(payload, "main");
  ASSERT_TRUE(main);
  EXPECT_EQ((*main)["sessions"]["source"], "history") << main->dump(2);
  EXPECT_EQ((*main)["verdict"], "regressed") << main->dump(2);
  auto human = run({"bench", "app", "--iterations", "8"});
  EXPECT_THAT(human.out, HasSubstr("spread between sessions on this host measured from its "
                                   "earlier runs for 1 metric"));
  // Other iterations are another measurement: no history for them.
  auto other = bench_json({"app", "--iterations", "6"});
  const Json other_payload = other.payload();
  const Json* fresh = delta(other_payload, "main");
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)["sessions"]["source"], "assumed");
}

TEST_F(BenchDecide, AMachineRunningSlowerThanForTheBaselineIsNoRegression)
{
  // The probe is replaced by a fixed index (HOMEBOY_TEST_SPEED_INDEX), so the
  // machine's speed is known; the samples are sampled.sh's.
  make_component("svc", "sampled.sh");
  const std::vector<std::string> tight = {"--iterations", "5", "--setting", "noise_steady=0.005",
                                          "--setting", "noise_moving=0.005", "--setting",
                                          "threshold=10", "--setting", "metric=wall_ms"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"svc"};
    args.insert(args.end(), tight.begin(), tight.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto baseline = with({"--baseline"});
  baseline.insert(baseline.begin(), "bench");
  ASSERT_EQ(run(baseline, {{"HOMEBOY_TEST_SPEED_INDEX", "100"}}).exit_code, 0);

  // 20 % slower on a machine at the baseline's speed: regressed.
  auto same = bench_json(with({"--setting", "shift_moving=0.2"}),
                         {{"HOMEBOY_TEST_SPEED_INDEX", "100"}});
  EXPECT_EQ(same.exit_code, 1) << same.describe();
  EXPECT_EQ(scenario_verdict(same.payload(), "moving"), "regressed");

  // The same samples on a machine 25 % slower: the slowdown explains them.
  auto slow = bench_json(with({"--setting", "shift_moving=0.2"}),
                         {{"HOMEBOY_TEST_SPEED_INDEX", "80"}});
  EXPECT_EQ(slow.exit_code, 0) << slow.describe();
  const Json payload = slow.payload();
  EXPECT_EQ(scenario_verdict(payload, "moving"), "inconclusive");
  EXPECT_EQ(payload["machine_speed"]["index"], 80);
  EXPECT_EQ(payload["baseline_comparison"]["machine_speed"]["slowdown"], 1.25);
  const Json* moving = delta(payload, "moving");
  ASSERT_TRUE(moving);
  EXPECT_NEAR((*moving)["speed_adjusted_pct"].get<double>(), -4.0, 1.0);

  auto args = with({"--setting", "shift_moving=0.2"});
  args.insert(args.begin(), "bench");
  auto human = run(args, {{"HOMEBOY_TEST_SPEED_INDEX", "80"}});
  EXPECT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("Machine speed: index 80 in this run, 100 in the baseline's"));
  EXPECT_THAT(human.out, HasSubstr("warning: the machine ran 25% slower than when the baseline "
                                   "was recorded (speed index 80 against 100)"));
  EXPECT_THAT(human.out, HasSubstr("wall_ms: the machine ran 25% slower than when the baseline "
                                   "was recorded (speed index 80 against 100); that explains a "
                                   "change of +20.0%: with the machine's speed taken out it is "
                                   "-4.0%"));
  // The run records the index of each session.
  Json shown = show_run(payload["persisted_run"]["run_id"].get<std::string>());
  EXPECT_EQ(shown["metadata"]["machine_speed"]["sessions"], Json::array({80})) << shown.dump(2);

  // Without the seam the probe measures this machine.
  auto real = bench_json(with({}), {{"HOMEBOY_TEST_SPEED_INDEX", std::nullopt}});
  EXPECT_EQ(real.payload()["machine_speed"]["probe"], "cpu-v1") << real.describe();
  EXPECT_GT(real.payload()["machine_speed"]["index"].get<double>(), 0);
}

TEST_F(BenchDecide, DiagnosticsAndHostAreReported)
{
  fs::path dir = make_component("svc", "sampled.sh");
  ASSERT_EQ(run({"bench", "svc", "--iterations", "10", "--baseline"}).exit_code, 0);
  // Pretend the baseline came from another machine.
  OrderedJson doc = OrderedJson::parse(read_file(dir / "homeboy.json"));
  ASSERT_TRUE(doc["baselines"]["bench"]["metadata"]["host"].is_object());
  doc["baselines"]["bench"]["metadata"]["host"]["cpu_model"] = "Imaginary CPU 9000";
  write_file(dir / "homeboy.json", doc.dump(2));

  auto r = bench_json({"svc", "--iterations", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_FALSE(p["host"]["cpu_model"].get<std::string>().empty());
  EXPECT_EQ(p["host"]["logical_cores"].get<int>() > 0, true);
  ASSERT_EQ(p["baseline_comparison"]["host_differences"].size(), 1u);
  EXPECT_THAT(p["baseline_comparison"]["host_differences"][0].get<std::string>(),
              HasSubstr("Imaginary CPU 9000"));
  EXPECT_THAT(p["warnings"][0].get<std::string>(), HasSubstr("measured on another machine"));
  ASSERT_EQ(p["diagnostics"].size(), 2u);
  EXPECT_EQ(p["diagnostics"][0]["metric"], "t");
  EXPECT_TRUE(p["diagnostics"][0]["trend"].contains("p_value"));

  auto human = run({"bench", "svc", "--iterations", "10"});
  EXPECT_THAT(human.out, HasSubstr("warning: the baseline was measured on another machine"));
  auto shown = show_run(list_runs()[0]["id"]);
  EXPECT_FALSE(shown["metadata"]["host"]["identity"].get<std::string>().empty());
}

TEST_F(BenchDecide, BadStatisticsArgumentsAreRefused)
{
  make_component("svc", "sampled.sh");
  struct Case
  {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
    {{"--correction", "bonferroni"}, "unknown --correction `bonferroni`; use holm"},
    {{"--statistics", "magic"}, "unknown --statistics `magic`"},
    {{"--alpha", "0"}, "--alpha must lie strictly between 0 and 1, got 0"},
    {{"--alpha", "1.5"}, "--alpha must lie strictly between 0 and 1"},
    {{"--iterations", "10", "--until-decisive=5"}, "--until-decisive=5 is below --iterations 10"},
    {{"--until-decisive=lots"}, "--until-decisive takes an optional positive sample count"},
    {{"--shell"}, "--shell, --prepare and --seed apply to timed commands"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"bench", "svc"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.message)) << r.describe();
  }
  EXPECT_TRUE(list_runs().empty()) << "nothing ran, nothing was recorded";
}

// --- timing commands ----------------------------------------------------

TEST_F(BenchDecide, ExecTimesAdHocCommandsThroughTheUsualPipeline)
{
  auto first = bench_json({"--exec", "nap=sleep 0.01", "--exec", "noop=true", "--iterations",
                           "5", "--warmup", "1", "--baseline", "--seed", "42"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  Json p = first.payload();
  EXPECT_EQ(p["component"], "exec");
  EXPECT_EQ(p["measured_by"], "exec");
  EXPECT_EQ(p["exec"]["seed"], 42);
  const Json& scenarios = p["results"]["scenarios"];
  ASSERT_EQ(scenarios.size(), 2u);
  EXPECT_EQ(scenarios[0]["id"], "nap");
  auto wall = scenarios[0]["metrics"]["distributions"]["wall_ms"].get<std::vector<double>>();
  ASSERT_EQ(wall.size(), 5u) << "warmups are not samples";
  for (double w : wall) EXPECT_GE(w, 10.0) << "sleep 0.01 cannot take less than 10 ms";
  EXPECT_TRUE(fs::exists(config_ / "exec" / "homeboy.json")) << "ad-hoc baselines live in our config";

  auto second = bench_json({"--exec", "nap=sleep 0.01", "--exec", "noop=true", "--iterations", "5"});
  EXPECT_NE(second.exit_code, 2) << second.describe();
  EXPECT_TRUE(second.payload()["baseline_comparison"].is_object());
  EXPECT_EQ((*delta(second.payload(), "nap"))["name"], "wall_ms");
  auto runs = list_runs({"--component", "exec"});
  EXPECT_EQ(runs.size(), 2u);
}

TEST_F(BenchDecide, ComponentBenchCommandsNeedNoRunnerScript)
{
  fs::path dir = work_ / "tools";
  fs::create_directories(dir);
  write_file(dir / "data.txt", "3\n1\n2\n");
  write_file(dir / "homeboy.json",
             R"({"id": "tools", "bench": {"commands": {"sort": "sort -n data.txt",
                 "piped": "sort -n data.txt | head -1"}}})");
  auto r = bench_json({"tools", "--iterations", "3", "--path", dir.string()}, {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["results"]["scenarios"].size(), 2u);
  EXPECT_EQ(p["results"]["scenarios"][1]["id"], "piped");
  auto list = run({"bench", "list", "tools", "--json"}, {}, dir);
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_EQ(list.payload()["count"], 2);

  write_file(dir / "homeboy.json",
             R"({"id": "tools", "scripts": {"bench": ["./bench.sh"]},
                 "bench": {"commands": {"sort": "sort data.txt"}}})");
  auto both = run({"bench", "tools"}, {}, dir);
  EXPECT_EQ(both.exit_code, 1) << both.describe();
  EXPECT_THAT(both.err, HasSubstr("declares both `scripts.bench` and `bench.commands`"));
}

TEST_F(BenchDecide, ExecReportsFailingIterationsWithoutTimingThem)
{
  // Fails on every second call.
  write_file(work_ / "flaky.sh",
             "#!/bin/sh\nn=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\n"
             "if [ $((n % 2)) -eq 0 ]; then echo 'flaky: even call' >&2; exit 3; fi\n");
  make_executable(work_ / "flaky.sh");
  auto r = bench_json({"--exec", "flaky=./flaky.sh", "--iterations", "6"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  auto wall = p["results"]["scenarios"][0]["metrics"]["distributions"]["wall_ms"];
  EXPECT_EQ(wall.size(), 3u) << "only the successful iterations are samples";
  ASSERT_EQ(p["exec"]["failures"].size(), 1u);
  EXPECT_THAT(p["exec"]["failures"][0].get<std::string>(),
              HasSubstr("flaky: 3 iterations of 6 failed"));
  EXPECT_THAT(p["exec"]["failures"][0].get<std::string>(), HasSubstr("flaky: even call"));
  EXPECT_EQ(p["passed"], false);
}

TEST_F(BenchDecide, ExecCommandThatCannotStartFailsTheRunClearly)
{
  auto r = bench_json({"--exec", "ghost=no-such-program-here --flag", "--iterations", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_THAT(p["failure"]["message"].get<std::string>(), HasSubstr("no-such-program-here"));
  auto shown = show_run(p["persisted_run"]["run_id"]);
  EXPECT_EQ(shown["run_status"], "failed");
  EXPECT_EQ(shown["terminal_reason"], "spawn_failed");

  auto bad = run({"bench", "--exec", "sort -n data.txt"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_THAT(bad.err, HasSubstr("--exec expects NAME=COMMAND"));
  auto dup = run({"bench", "--exec", "a=true", "--exec", "a=false"});
  EXPECT_EQ(dup.exit_code, 2) << dup.describe();
  EXPECT_THAT(dup.err, HasSubstr("the name `a` is used twice"));
}

} // namespace

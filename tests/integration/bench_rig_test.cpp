// `homeboy bench --rig`: one rig pins the run, several compare (bench.md
// "Cross-rig comparison", "Rig bench defaults"); the rigs' checkouts are
// copies of one component whose fixture runner reports the numbers each
// checkout holds (tests/fixtures/runners/rig_value.sh).

#include "harness.hpp"

#include <gmock/gmock.h>

namespace hbit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BenchRig : public HomeboyTest
{
protected:
  void SetUp() override
  {
    HomeboyTest::SetUp();
    trunk_ = make_component("app", "rig_value.sh");
    branch_ = work_ / "app-branch";
    fs::copy(trunk_, branch_, fs::copy_options::recursive);
  }

  /// <config>/rigs/<id>.json pointing component `app` at `dir`, with a
  /// check that the checkout's homeboy.json exists, merged with `extra`.
  void make_rig(const std::string& id, const fs::path& dir, const Json& extra = Json::object())
  {
    Json spec = {{"id", id},
                 {"components", {{"app", {{"path", dir.string()}}}}},
                 {"bench", {{"default_component", "app"}}},
                 {"pipeline",
                  {{"check",
                    Json::array({{{"kind", "check"},
                                  {"label", "checkout present"},
                                  {"file", (dir / "homeboy.json").string()}}})}}}};
    spec.merge_patch(extra);
    write_file(config_ / "rigs" / (id + ".json"), spec.dump(2));
  }

  fs::path trunk_;
  fs::path branch_;
};

TEST_F(BenchRig, OneRigPinsTheRunItsStateWorkloadsAndBaselineKey)
{
  make_rig("trunk", trunk_,
           {{"bench_workloads",
             {{"component-script", Json::array({"${components.app.path}/bench/extra.php"})}}}});
  auto r = bench_json({"--rig", "trunk", "--baseline", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["rig_id"], "trunk");
  EXPECT_EQ(p["rig_state"]["rig_id"], "trunk");
  EXPECT_TRUE(p["rig_state"]["components"].contains("app")) << p["rig_state"].dump();
  EXPECT_TRUE(p["baseline"]["saved"].get<bool>());
  EXPECT_EQ(p["baseline"]["key"], "bench.rig.trunk");
  Json doc = Json::parse(read_file(trunk_ / "homeboy.json"));
  EXPECT_TRUE(doc["baselines"].contains("bench.rig.trunk")) << doc.dump();
  EXPECT_FALSE(doc["baselines"].contains("bench"));
  EXPECT_EQ(read_file(trunk_ / "workloads.txt"), (trunk_ / "bench" / "extra.php").string());

  // The bench and its check are both the rig's runs.
  auto bench_runs = list_runs({"--kind", "bench", "--rig", "trunk"});
  ASSERT_EQ(bench_runs.size(), 1u);
  auto rig_runs = list_runs({"--kind", "rig", "--rig", "trunk"});
  ASSERT_EQ(rig_runs.size(), 1u);
  EXPECT_EQ(rig_runs.front()["run_status"], "succeeded");

  // The next pinned run compares with the rig's baseline.
  auto again = bench_json({"--rig", "trunk", "--iterations", "3"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_TRUE(again.payload()["baseline"]["found"].get<bool>());
  EXPECT_FALSE(again.payload()["baseline_comparison"].is_null());
}

TEST_F(BenchRig, AFailingCheckStopsBeforeAnythingIsMeasured)
{
  make_rig("trunk", trunk_);
  make_rig("broken", branch_,
           {{"pipeline",
             {{"check", Json::array({{{"kind", "check"},
                                      {"label", "build output present"},
                                      {"file", (branch_ / "dist" / "app.js").string()}}})}}}});
  auto r = run({"bench", "--rig", "trunk,broken"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("rig `broken` is not ready, so nothing was measured"));
  EXPECT_THAT(r.err, HasSubstr("build output present"));
  EXPECT_THAT(r.err, HasSubstr("homeboy rig check broken"));
  EXPECT_TRUE(list_runs({"--kind", "bench"}).empty());
  auto checks = list_runs({"--kind", "rig", "--rig", "broken"});
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks.front()["run_status"], "failed");
}

TEST_F(BenchRig, SeveralRigsGiveTheCrossRigEnvelope)
{
  write_file(trunk_ / "value.txt", "100");
  write_file(branch_ / "value.txt", "80");
  write_file(branch_ / "errors.txt", "3");        // reference 0: +Infinity
  write_file(trunk_ / "extra.json", ", \"only_ref\": 1"); // missing from branch: skipped
  make_rig("trunk", trunk_);
  make_rig("branch", branch_);
  auto r = bench_json({"--rig", "trunk,branch", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json envelope = r.json();
  EXPECT_EQ(envelope["data"]["variant"], "comparison");
  Json p = r.payload();
  EXPECT_EQ(p["comparison"], "cross_rig");
  EXPECT_TRUE(p["passed"].get<bool>());
  EXPECT_EQ(p["exit_code"], 0);
  EXPECT_EQ(p["component"], "app");
  EXPECT_EQ(p["iterations"], 2);
  ASSERT_EQ(p["rigs"].size(), 2u);
  EXPECT_EQ(p["rigs"][0]["rig_id"], "trunk");
  EXPECT_EQ(p["rigs"][1]["rig_id"], "branch");
  EXPECT_EQ(p["rigs"][1]["status"], "passed");
  EXPECT_EQ(p["rigs"][0]["rig_state"]["rig_id"], "trunk");
  EXPECT_TRUE(p["rigs"][0]["results"].is_object());

  Json boot = p["diff"]["by_scenario"]["boot"];
  ASSERT_TRUE(boot.contains("p95_ms")) << boot.dump();
  EXPECT_FALSE(boot["p95_ms"].contains("trunk")) << "the reference is not diffed with itself";
  EXPECT_EQ(boot["p95_ms"]["branch"]["reference"], 100.0);
  EXPECT_EQ(boot["p95_ms"]["branch"]["current"], 80.0);
  EXPECT_DOUBLE_EQ(boot["p95_ms"]["branch"]["delta_percent"].get<double>(), -20.0);
  EXPECT_EQ(boot["errors"]["branch"]["delta_percent"], "Infinity");
  EXPECT_FALSE(boot.contains("only_ref")) << boot.dump();

  Json side = p["reports"]["side_by_side"];
  EXPECT_EQ(side["report"], "side_by_side");
  ASSERT_EQ(side["rigs"].size(), 2u);
  EXPECT_EQ(side["rigs"][1]["rig_id"], "branch");
  EXPECT_THAT(side["markdown"].get<std::string>(), HasSubstr("| scenario | metric |"));
  EXPECT_EQ(p["measurement"]["mode"], "sequential");

  // Each rig's bench is its own run; the comparison record links them.
  auto trunk_runs = list_runs({"--kind", "bench", "--rig", "trunk"});
  auto branch_runs = list_runs({"--kind", "bench", "--rig", "branch"});
  ASSERT_EQ(trunk_runs.size(), 1u);
  ASSERT_EQ(branch_runs.size(), 1u);
  EXPECT_EQ(p["rigs"][0]["run_id"], trunk_runs.front()["id"]);
  Json comparison = show_run(p["persisted_run"]["run_id"].get<std::string>());
  EXPECT_EQ(comparison["kind"], "comparison") << comparison.dump();
  Json arms = comparison["metadata"]["comparison"]["arms"];
  ASSERT_EQ(arms.size(), 2u) << comparison.dump();
  EXPECT_EQ(arms[1]["run_id"], branch_runs.front()["id"]);
  Json branch_run = show_run(branch_runs.front()["id"].get<std::string>());
  EXPECT_EQ(branch_run["metadata"]["comparison"]["role"], "candidate");
  EXPECT_EQ(branch_run["metadata"]["comparison"]["reference_run_id"], trunk_runs.front()["id"]);
}

TEST_F(BenchRig, InterleavedRoundsAlternateTheRigsAndSayTheMode)
{
  make_rig("trunk", trunk_);
  make_rig("branch", branch_);
  auto r = bench_json({"--rig", "trunk,branch", "--interleave", "--rounds", "3",
                       "--iterations", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json m = r.payload()["measurement"];
  EXPECT_EQ(m["mode"], "interleaved");
  EXPECT_EQ(m["rounds"], 3);
  EXPECT_TRUE(m["order_seed"].is_number_unsigned()) << m.dump();
  ASSERT_EQ(m["round_orders"].size(), 3u);
  for (const auto& order : m["round_orders"]) {
    EXPECT_THAT(order.get<std::vector<std::string>>(),
                ::testing::UnorderedElementsAre("trunk", "branch"));
  }
  // Each rig ran once per round: three sessions of two iterations.
  Json branch = r.payload()["rigs"][1]["results"]["scenarios"][0];
  EXPECT_EQ(branch["runs"].size(), 3u) << branch.dump();

  // --seed repeats the rounds' order, also for a runner component.
  std::vector<Json> orders;
  for (int i = 0; i < 2; ++i) {
    auto seeded = bench_json({"--rig", "trunk,branch", "--interleave", "--rounds", "6",
                              "--iterations", "6", "--seed", "42"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
    EXPECT_EQ(seeded.payload()["measurement"]["order_seed"], 42);
    orders.push_back(seeded.payload()["measurement"]["round_orders"]);
  }
  EXPECT_EQ(orders[0], orders[1]);

  auto human = run({"bench", "--rig", "trunk,branch", "--interleave", "--iterations", "4"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("interleaved in 4 rounds"));
  EXPECT_THAT(human.out, HasSubstr("trunk (ref)"));
  auto markdown = run({"bench", "--rig", "trunk,branch", "--iterations", "2", "--report",
                       "side-by-side"});
  ASSERT_EQ(markdown.exit_code, 0) << markdown.describe();
  EXPECT_THAT(markdown.out, HasSubstr("| boot | p95_ms |"));
}

TEST_F(BenchRig, ABenchThatFailsOnOneRigIsReportedInItsEntry)
{
  write_file(branch_ / "fail.txt", "3");
  make_rig("trunk", trunk_);
  make_rig("branch", branch_);
  auto r = bench_json({"--rig", "trunk,branch", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  Json p = r.payload();
  EXPECT_FALSE(p["passed"].get<bool>());
  EXPECT_EQ(p["exit_code"], 3);
  EXPECT_EQ(p["rigs"][0]["status"], "passed");
  EXPECT_EQ(p["rigs"][1]["status"], "failed");
  EXPECT_THAT(p["rigs"][1]["failure"]["message"].get<std::string>(), HasSubstr("exit"));
  EXPECT_TRUE(p["diff"]["by_scenario"].empty()) << p["diff"].dump();
}

TEST_F(BenchRig, BadRigInvocationsAreRefusedWithAClearMessage)
{
  make_rig("trunk", trunk_);
  make_rig("branch", branch_);
  auto twice = run({"bench", "--rig", "trunk,trunk"});
  EXPECT_EQ(twice.exit_code, 2) << twice.describe();
  EXPECT_THAT(twice.err, HasSubstr("rig `trunk` is named twice"));

  auto unknown = run({"bench", "--rig", "nope"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("nope"));
  EXPECT_THAT(unknown.err, HasSubstr("branch, trunk"));

  auto baseline = run({"bench", "--rig", "trunk,branch", "--baseline"});
  EXPECT_EQ(baseline.exit_code, 2) << baseline.describe();
  EXPECT_THAT(baseline.err, HasSubstr("--baseline and --ratchet are refused on a comparison"));

  auto orphan = run({"bench", "app", "--interleave"});
  EXPECT_EQ(orphan.exit_code, 2) << orphan.describe();
  EXPECT_THAT(orphan.err, HasSubstr("add --rig a,b"));

  auto report = run({"bench", "--rig", "trunk,branch", "--report", "table"});
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_THAT(report.err, HasSubstr("unknown --report `table`"));

  auto rounds = run({"bench", "--rig", "trunk,branch", "--interleave", "--rounds", "5",
                     "--iterations", "3"});
  EXPECT_EQ(rounds.exit_code, 2);
  EXPECT_THAT(rounds.err, HasSubstr("cannot fill 5 rounds"));
  EXPECT_TRUE(list_runs({"--kind", "bench"}).empty()) << "a refused comparison measures nothing";
}

TEST_F(BenchRig, DefaultBaselineRigTurnsOneRigIntoAComparison)
{
  make_rig("trunk", trunk_);
  make_rig("branch", branch_, {{"bench", {{"default_baseline_rig", "trunk"}}}});
  auto r = bench_json({"--rig", "branch", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["comparison"], "cross_rig");
  EXPECT_EQ(p["rigs"][0]["rig_id"], "trunk");
  EXPECT_EQ(p["rigs"][1]["rig_id"], "branch");
  EXPECT_THAT(p["notes"][0].get<std::string>(), HasSubstr("--ignore-default-baseline"));

  auto alone = bench_json({"--rig", "branch", "--iterations", "2", "--ignore-default-baseline"});
  ASSERT_EQ(alone.exit_code, 0) << alone.describe();
  EXPECT_EQ(alone.payload()["rig_id"], "branch");
  EXPECT_FALSE(alone.payload().contains("comparison"));
}

TEST_F(BenchRig, ComponentsFanOutUnderOneSnapshotWithSuffixes)
{
  fs::path other = make_component("other", "rig_value.sh");
  Json spec = {{"id", "matrix"},
               {"components",
                {{"app", {{"path", trunk_.string()}}}, {"other", {{"path", other.string()}}}}},
               {"bench", {{"components", Json::array({"app", "other"})}}}};
  write_file(config_ / "rigs" / "matrix.json", spec.dump());
  auto r = bench_json({"--rig", "matrix", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  std::vector<std::string> ids;
  for (const auto& s : p["results"]["scenarios"]) ids.push_back(s["id"]);
  EXPECT_THAT(ids, ::testing::ElementsAre("boot:capp", "boot:cother"));
  EXPECT_EQ(list_runs({"--kind", "bench", "--rig", "matrix"}).size(), 2u);
}

// `bench list --rig`: the rig's checkout is listed (not the working
// directory's), with the rig's workloads handed to the runner; nothing is
// checked or recorded.
TEST_F(BenchRig, ListWithARigListsTheRigsCheckout)
{
  make_rig("trunk", branch_,
           {{"bench_workloads",
             {{"component-script", Json::array({"${components.app.path}/bench/extra.php"})}}}});
  auto r = run({"bench", "list", "--rig", "trunk", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["component_id"], "app");
  EXPECT_EQ(p["rig"], "trunk");
  ASSERT_EQ(p["scenarios"].size(), 1u);
  EXPECT_EQ(p["scenarios"][0]["id"], "boot");
  EXPECT_EQ(read_file(branch_ / "workloads.txt"), (branch_ / "bench" / "extra.php").string());
  EXPECT_FALSE(fs::exists(trunk_ / "workloads.txt")) << "the rig's checkout ran, not app's own";
  EXPECT_TRUE(list_runs().empty()) << "listing records nothing, not even a check";

  auto human = run({"bench", "list", "--rig", "trunk"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("1 scenario in app (rig trunk)"));

  fs::path other = make_component("other", "rig_value.sh");
  Json spec = {{"id", "matrix"},
               {"components",
                {{"app", {{"path", trunk_.string()}}}, {"other", {{"path", other.string()}}}}},
               {"bench", {{"components", Json::array({"app", "other"})}}}};
  write_file(config_ / "rigs" / "matrix.json", spec.dump());
  auto fan = run({"bench", "list", "--rig", "matrix", "--json"});
  ASSERT_EQ(fan.exit_code, 0) << fan.describe();
  const Json listed = fan.payload();
  std::vector<std::string> ids;
  for (const auto& s : listed["scenarios"]) ids.push_back(s["id"]);
  EXPECT_THAT(ids, ::testing::ElementsAre("boot:capp", "boot:cother")) << fan.describe();

  auto two = run({"bench", "list", "--rig", "trunk,matrix"});
  EXPECT_EQ(two.exit_code, 2) << two.describe();
  EXPECT_THAT(two.err, HasSubstr("takes one rig id"));
  auto unknown = run({"bench", "list", "--rig", "nope"});
  EXPECT_NE(unknown.exit_code, 0) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("trunk")) << "the error lists the known rigs";
}

TEST_F(BenchRig, RigMetricGatesJoinTheWorkloadGates)
{
  write_file(trunk_ / "value.txt", "250");
  make_rig("trunk", trunk_,
           {{"bench", {{"metric_gates", {{"boot", {{"p95_ms", {{"lte", 200}}}}}}}}}});
  auto r = bench_json({"--rig", "trunk", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["gate_results"].size(), 1u) << p.dump();
  EXPECT_EQ(p["gate_results"][0]["source"], "rig");
  EXPECT_FALSE(p["gate_results"][0]["passed"].get<bool>());
  EXPECT_THAT(p["gate_failures"][0].get<std::string>(), HasSubstr("p95_ms"));
}

} // namespace
} // namespace hbit

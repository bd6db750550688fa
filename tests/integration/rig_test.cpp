// homeboy rig list | show | check | runs, driven through the real binary in
// a temporary HOME: what a user sees, the run a check records, and the
// errors for bad specs and unknown rigs (issue 14).

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class Rigs : public HomeboyTest
{
protected:
  fs::path write_rig(const std::string& id, const std::string& text)
  {
    fs::path file = config_ / "rigs" / (id + ".json");
    write_file(file, text);
    return file;
  }

  /// A rig whose component is `work_/app` with a passing file check and a
  /// command check that exits `exit_code`.
  void passing_rig(const std::string& id, int exit_code = 0)
  {
    fs::create_directories(work_ / "app");
    write_file(work_ / "app" / "ready.txt", "ready\n");
    write_rig(id, R"({"description": "the app", "components": {"app": {"path": ")" + (work_ / "app").string() +
                    R"(", "branch": "main"}},
      "pipeline": {"check": [
        {"kind": "check", "label": "ready file", "file": "${components.app.path}/ready.txt", "contains": "ready"},
        {"kind": "check", "label": "probe", "command": "exit )" + std::to_string(exit_code) + R"("}]}})");
  }
};

TEST_F(Rigs, ListShowsEveryRigAndFlagsABrokenOne)
{
  passing_rig("trunk");
  write_rig("broken", R"({"components": {"x": 5}})");
  auto human = run({"rig", "list"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("trunk"));
  EXPECT_THAT(human.out, HasSubstr("the app"));
  EXPECT_THAT(human.out, HasSubstr("INVALID"));
  EXPECT_THAT(human.out, HasSubstr("components.x: must be an object"));

  auto json = run({"rig", "list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  Json p = json.payload();
  EXPECT_EQ(p["count"], 2);
  EXPECT_EQ(p["rigs"][0]["id"], "broken");
  EXPECT_EQ(p["rigs"][0]["valid"], false);
  EXPECT_EQ(p["rigs"][0]["error"]["code"], "rig.invalid_spec");
  EXPECT_EQ(p["rigs"][1]["id"], "trunk");
  EXPECT_EQ(p["rigs"][1]["description"], "the app");
}

TEST_F(Rigs, ListWithNoRigsSaysHowToAddOne)
{
  auto r = run({"rig", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("No rigs defined"));
}

TEST_F(Rigs, ShowPrintsTheMaterialisedSpec)
{
  write_rig("base", R"({"description": "base", "components": {"app": {"path": "~/src/app"}},
                      "services": {"db": {"kind": "command", "command": "mysqld"}},
                      "bench": {"default_component": "app", "metric_gates": {"s": {"errors": {"equals": 0}}}}})");
  write_rig("branch", R"({"extends": "base.json", "description": "branch",
                        "components": {"app": {"branch": "feature"}},
                        "bench_workloads": {"nodejs": ["${components.app.path}/bench/a.mjs"]}})");
  auto r = run({"--output", "json", "rig", "show", "branch"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["id"], "branch");
  EXPECT_EQ(p["spec"]["description"], "branch");
  EXPECT_EQ(p["spec"]["components"]["app"]["path"], "~/src/app");
  EXPECT_EQ(p["spec"]["components"]["app"]["branch"], "feature");
  EXPECT_EQ(p["spec"]["services"]["db"]["kind"], "command");
  EXPECT_FALSE(p["spec"].contains("extends"));
  EXPECT_EQ(p["resolved"]["components"]["app"]["path"], (home_ / "src/app").string());
  EXPECT_EQ(p["resolved"]["components"]["app"]["exists"], false) << "show still shows a missing path";
  EXPECT_EQ(p["resolved"]["bench_workloads"]["nodejs"][0]["path"], (home_ / "src/app/bench/a.mjs").string());
  EXPECT_EQ(p["resolved"]["metric_gates"][0]["op"], "equals");

  auto human = run({"rig", "show", "branch"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("(does not exist)"));
  EXPECT_THAT(human.out, HasSubstr("\"branch\": \"feature\""));
}

TEST_F(Rigs, UnknownRigListsTheKnownOnes)
{
  passing_rig("trunk");
  for (const char* sub : {"show", "check", "runs"}) {
    auto r = run({"rig", sub, "nope"});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_THAT(r.err, HasSubstr("rig `nope` not found; known rigs: trunk")) << sub;
  }
  auto json = run({"rig", "show", "nope", "--json"});
  EXPECT_NE(json.exit_code, 0);
  EXPECT_EQ(json.json()["error"]["code"], "rig.not_found");
}

TEST_F(Rigs, BadSpecsAreErrorsNamingFileAndKey)
{
  fs::path file = write_rig("bad", R"({"pipeline": {"check": [{"kind": "check", "label": "two", "file": "/a", "http": "http://x/"}]}})");
  auto r = run({"rig", "check", "bad"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(file.string()));
  EXPECT_THAT(r.err, HasSubstr("pipeline.check[0] (\"two\"): a check step has exactly one probe, this one has 2"));

  write_rig("cyc-a", R"({"extends": "cyc-b.json"})");
  write_rig("cyc-b", R"({"extends": "cyc-a.json"})");
  auto cycle = run({"rig", "show", "cyc-a", "--json"});
  EXPECT_NE(cycle.exit_code, 0);
  EXPECT_EQ(cycle.json()["error"]["code"], "rig.extends_cycle");
  EXPECT_THAT(cycle.json()["error"]["message"].get<std::string>(), HasSubstr("cyc-a.json -> "));

  write_rig("json", "{\"components\": ");
  auto malformed = run({"rig", "show", "json"});
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_THAT(malformed.err, HasSubstr((config_ / "rigs" / "json.json").string()));

  write_rig("gate", R"({"bench": {"metric_gates": {"cold": {"p95_ms": {"below": 5}}}}})");
  auto gate = run({"rig", "show", "gate"});
  EXPECT_NE(gate.exit_code, 0);
  EXPECT_THAT(gate.err, HasSubstr("bench.metric_gates.cold.p95_ms.below: unknown gate operator"));
}

TEST_F(Rigs, PassingCheckIsRecordedAsASucceededRigRun)
{
  passing_rig("trunk");
  auto r = run({"rig", "check", "trunk"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("ready file"));
  EXPECT_THAT(r.out, HasSubstr("pass"));
  EXPECT_THAT(r.out, HasSubstr("rig trunk: all 3 steps passed"));

  auto runs = list_runs({"--kind", "rig", "--rig", "trunk"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "pass"); // the original's observation status for succeeded
  Json shown = show_run(runs[0]["id"].get<std::string>());
  EXPECT_EQ(shown["rig_id"], "trunk");
  EXPECT_EQ(shown["metadata"]["rig_check"]["passed"], true);
  EXPECT_EQ(shown["metadata"]["rig_check"]["steps"].size(), 3u);
  EXPECT_EQ(shown["metadata"]["rig_state"]["rig_id"], "trunk");
  EXPECT_TRUE(shown["metadata"]["rig_state"]["components"].contains("app"));
}

TEST_F(Rigs, FailingCheckRunsEveryStepExitsOneAndRecordsFindings)
{
  passing_rig("broken", 3);
  fs::remove_all(work_ / "app");
  auto r = run({"rig", "check", "broken", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["passed"], false);
  ASSERT_EQ(p["steps"].size(), 3u) << "no fail-fast";
  EXPECT_EQ(p["steps"][0]["probe"], "component_path");
  EXPECT_THAT(p["steps"][0]["message"].get<std::string>(),
              HasSubstr("component `app`: path " + (work_ / "app").string() + " does not exist"));
  EXPECT_THAT(p["steps"][1]["message"].get<std::string>(), HasSubstr("does not exist"));
  EXPECT_THAT(p["steps"][2]["message"].get<std::string>(), HasSubstr("`exit 3` exited 3 (expected 0)"));

  std::string run_id = p["run_id"];
  Json shown = show_run(run_id);
  EXPECT_EQ(shown["status"], "fail");
  EXPECT_EQ(shown["exit_code"], 1);
  auto findings = run_findings(run_id);
  EXPECT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0]["tool"], "rig-check");

  auto human = run({"rig", "check", "broken"});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.out, HasSubstr("FAIL"));
  EXPECT_THAT(human.out, HasSubstr("rig broken: 3 of 3 steps failed"));
}

TEST_F(Rigs, HttpProbeAgainstAClosedPortFailsClearly)
{
  write_rig("web", R"({"pipeline": {"check": [{"kind": "check", "label": "site", "http": "http://127.0.0.1:1/health"}]}})");
  auto r = run({"rig", "check", "web"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("GET http://127.0.0.1:1/health: connection refused"));
}

TEST_F(Rigs, RunsListsTheRigsRunsNewestFirst)
{
  passing_rig("trunk");
  passing_rig("other");
  auto empty = run({"rig", "runs", "trunk"});
  ASSERT_EQ(empty.exit_code, 0) << empty.describe();
  EXPECT_THAT(empty.out, HasSubstr("No runs for rig trunk yet"));

  ASSERT_EQ(run({"rig", "check", "trunk"}).exit_code, 0);
  ASSERT_EQ(run({"rig", "check", "other"}).exit_code, 0);
  ASSERT_EQ(run({"rig", "check", "trunk"}).exit_code, 0);
  auto r = run({"rig", "runs", "trunk", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["runs"].size(), 2u);
  EXPECT_EQ(p["rig_id"], "trunk");
  auto all = list_runs({"--rig", "trunk"});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(p["runs"][0]["id"], all[0]["id"]) << "the same order as runs list: newest first";
  EXPECT_EQ(p["runs"][1]["id"], all[1]["id"]);

  auto limited = run({"rig", "runs", "trunk", "--limit", "1", "--json"});
  ASSERT_EQ(limited.exit_code, 0) << limited.describe();
  EXPECT_EQ(limited.payload()["runs"].size(), 1u);
  EXPECT_FALSE(limited.payload()["next_cursor"].is_null());

  auto bad = run({"rig", "runs", "trunk", "--limit", "0"});
  EXPECT_NE(bad.exit_code, 0);
}

TEST_F(Rigs, PackageRigsAndTheRegistryRootOverride)
{
  fs::path pkg = config_ / "rig-packages" / "suite";
  write_file(pkg / "rigs" / "alpha" / "rig.json",
             R"({"description": "from a package", "bench_workloads": {"nodejs": ["${package.root}/bench/a.mjs"]}})");
  auto shown = run({"rig", "show", "alpha", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_EQ(canonical(shown.payload()["package_root"].get<std::string>()), canonical(pkg));
  EXPECT_EQ(canonical(shown.payload()["resolved"]["bench_workloads"]["nodejs"][0]["path"].get<std::string>()),
            canonical(pkg) / "bench/a.mjs");

  fs::path other = root_ / "registry";
  write_file(other / "rigs" / "elsewhere.json", R"({"description": "moved"})");
  auto moved = run({"rig", "list", "--json"}, {{"HOMEBOY_RIG_REGISTRY_ROOT", other.string()}});
  ASSERT_EQ(moved.exit_code, 0) << moved.describe();
  ASSERT_EQ(moved.payload()["count"], 1);
  EXPECT_EQ(moved.payload()["rigs"][0]["id"], "elsewhere");
}

TEST_F(Rigs, MissingArgumentsAreUsageErrors)
{
  for (const char* sub : {"show", "check", "runs"}) {
    auto r = run({"rig", sub});
    EXPECT_NE(r.exit_code, 0) << sub;
    EXPECT_THAT(r.err, HasSubstr("rig is required")) << sub;
  }
  auto none = run({"rig"});
  EXPECT_NE(none.exit_code, 0);
}

} // namespace

// homeboy bench when something fails: gates, budgets, runner crashes, missing
// or invalid results, an unusable data dir.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <fstream>

using namespace hbit;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

namespace {

class BenchFailures : public HomeboyTest
{
protected:
  std::vector<std::string> rules(const Json& findings)
  {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f["rule"].is_string() ? f["rule"].get<std::string>() : "");
    return out;
  }
};

TEST_F(BenchFailures, FailedGateExitsOneAndRecordsFindings)
{
  make_component("gated", "gate_failure.sh");
  auto r = bench_json({"gated", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["passed"], false);
  EXPECT_EQ(p["status"], "failed");
  EXPECT_EQ(p["exit_code"], 1);

  ASSERT_EQ(p["gate_failures"].size(), 1u) << p["gate_failures"].dump(2);
  EXPECT_TRUE(p["gate_failures"][0].is_string()) << "the original's shape: one sentence a gate";
  ASSERT_EQ(p["gate_failure_details"].size(), 1u) << p["gate_failure_details"].dump(2);
  const Json& g = p["gate_failure_details"][0];
  EXPECT_EQ(g["scenario_id"], "correctness");
  EXPECT_EQ(g["metric"], "error_count");
  EXPECT_EQ(g["op"], "lte");
  EXPECT_EQ(g["passed"], false);
  EXPECT_EQ(g["actual"], 2);
  EXPECT_EQ(p["gate_results"].size(), 2u) << "the passing success_rate gate is reported too";

  bool gate_finding = false;
  for (const auto& f : p["budget_findings"]) {
    if (f.value("rule", "") == "bench.gate.error_count") {
      gate_finding = true;
      EXPECT_EQ(f["tool"], "budget");
      EXPECT_EQ(f["severity"], "error");
    }
  }
  EXPECT_TRUE(gate_finding) << p["budget_findings"].dump(2);

  // The failing scenario is marked; the other one passed.
  for (const auto& s : p["results"]["scenarios"]) {
    if (s["id"] == "correctness") {
      EXPECT_EQ(s.value("passed", true), false) << s.dump();
    }
  }

  std::string id = p["persisted_run"].value("run_id", "");
  Json rec = show_run(id);
  EXPECT_EQ(rec["run_status"], "failed");
  EXPECT_EQ(rec["terminal_reason"], "gate_failed");

  auto findings = run_findings(id);
  EXPECT_THAT(rules(findings), Contains("bench.gate.error_count"));

  auto human = run({"bench", "gated", "--iterations", "2"});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.out, HasSubstr("FAILED"));
  EXPECT_THAT(human.out, HasSubstr("error_count"));
}

TEST_F(BenchFailures, BudgetFindingsInBothShapesFailTheRun)
{
  make_component("budget", "budget_findings.sh");
  auto r = bench_json({"budget", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["passed"], false);
  EXPECT_EQ(p["status"], "failed");
  ASSERT_EQ(p["budget_findings"].size(), 3u) << p["budget_findings"].dump(2);

  std::map<std::string, Json> by_rule;
  for (const auto& f : p["budget_findings"]) by_rule[f.value("rule", "")] = f;
  ASSERT_TRUE(by_rule.count("bench.max_rss")) << p["budget_findings"].dump(2);
  ASSERT_TRUE(by_rule.count("rest.max_response_bytes")) << "the flat shape's `code` is its rule";
  ASSERT_TRUE(by_rule.count("bench.note"));
  EXPECT_EQ(by_rule["bench.max_rss"]["fails_run"], true);
  EXPECT_EQ(by_rule["rest.max_response_bytes"]["fails_run"], true) << "passed:false fails the run";
  EXPECT_EQ(by_rule["rest.max_response_bytes"]["metadata"]["actual"], 4378195);
  EXPECT_EQ(by_rule["rest.max_response_bytes"]["metadata"]["subject"],
            "/wp-json/datamachine/v1/pipelines?per_page=100");
  EXPECT_EQ(by_rule["bench.note"]["fails_run"], false) << "info is report-only";

  std::string id = p["persisted_run"].value("run_id", "");
  EXPECT_EQ(show_run(id)["run_status"], "failed");
  auto findings = run_findings(id);
  EXPECT_THAT(rules(findings), UnorderedElementsAre("bench.max_rss", "rest.max_response_bytes",
                                                    "bench.note"));
  for (const auto& f : findings) {
    if (f["rule"] == "bench.max_rss") {
      EXPECT_EQ(f["file"], "bench/memory.sh");
      EXPECT_EQ(f["line"], 12);
      EXPECT_EQ(f["fingerprint"], "rss-600");
      EXPECT_EQ(f["severity"], "error");
    }
  }

  auto human = run({"bench", "budget", "--iterations", "2"});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.out, HasSubstr("peak RSS 600 MB exceeded the 512 MB budget"));
}

TEST_F(BenchFailures, ReportOnlyFindingsDoNotFailTheRun)
{
  make_component("budget", "budget_findings.sh");
  auto r = bench_json({"budget", "--iterations", "2", "--setting", "mode=warn_only"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["status"], "passed");
  EXPECT_EQ(p["budget_findings"].size(), 2u);
  std::string id = p["persisted_run"].value("run_id", "");
  EXPECT_EQ(show_run(id)["run_status"], "succeeded");
  EXPECT_EQ(run_findings(id).size(), 2u) << "report-only findings are still recorded";
}

TEST_F(BenchFailures, RunnerCrashPassesItsExitCodeThrough)
{
  make_component("crashy", "crash.sh");
  auto r = run({"bench", "crashy", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("crash.sh: simulated workload crash")) << "runner stderr is shown";
  EXPECT_THAT(r.err, HasSubstr("exited with code 3"));
  EXPECT_THAT(r.err, HasSubstr("crashy")) << "the error names the runner";
  EXPECT_THAT(r.err, HasSubstr("scripts.bench"));
  EXPECT_THAT(r.out, HasSubstr("FAILED"));

  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[0]["exit_code"], 3);

  auto j = bench_json({"crashy", "--iterations", "2"});
  EXPECT_EQ(j.exit_code, 3);
  Json p = j.payload();
  EXPECT_EQ(p["exit_code"], 3);
  EXPECT_EQ(p["passed"], false);
  EXPECT_EQ(p["failure"]["code"], "runner.failed");
  EXPECT_THAT(p["failure"]["message"].get<std::string>(), HasSubstr("exited with code 3"));

  // The runner's output is kept as log artifacts of the run.
  std::string id = p["persisted_run"].value("run_id", "");
  Json rec = show_run(id);
  bool stderr_log = false;
  for (const auto& a : rec["artifacts"]) {
    if (a.value("kind", "") == "log" && a["metadata_json"].value("stream", "") == "stderr") {
      stderr_log = true;
      EXPECT_THAT(read_file(a["path"].get<std::string>()), HasSubstr("simulated workload crash"));
    }
  }
  EXPECT_TRUE(stderr_log) << rec["artifacts"].dump(2);
}

TEST_F(BenchFailures, RunnerThatWritesNoResultsFails)
{
  make_component("lazy", "no_results.sh");
  auto r = run({"bench", "lazy", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_BENCH_RESULTS_FILE"));
  EXPECT_THAT(r.err, HasSubstr("no results"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[0]["terminal_reason"], "results_missing");

  auto j = bench_json({"lazy"});
  EXPECT_EQ(j.exit_code, 1);
  EXPECT_EQ(j.payload()["failure"]["code"], "results.missing");
}

TEST_F(BenchFailures, MalformedResultsJsonFails)
{
  make_component("garbled", "malformed.sh");
  auto r = run({"bench", "garbled", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("not valid JSON"));
  EXPECT_THAT(r.err, HasSubstr("bench-results.json"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[0]["terminal_reason"], "results_invalid");
}

TEST_F(BenchFailures, UnknownTopLevelKeyIsRejectedByName)
{
  make_component("strict", "unknown_key.sh");
  auto r = bench_json({"strict", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  ASSERT_TRUE(p.contains("failure")) << r.describe();
  EXPECT_THAT(p["failure"]["message"].get<std::string>(), HasSubstr("surprise_key"));
  EXPECT_THAT(p["failure"]["message"].get<std::string>(), HasSubstr("unknown top-level key"));
  EXPECT_EQ(show_run(p["persisted_run"]["run_id"])["run_status"], "failed");

  auto human = run({"bench", "strict", "--iterations", "2"});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.err, HasSubstr("surprise_key"));
}

TEST_F(BenchFailures, UnwritableDataDirFailsBeforeTheRunnerRuns)
{
  fs::path dir = make_component("envc", "env_dump.sh");
  auto r = run({"bench", "envc", "--iterations", "1"}, {{"HOMEBOY_DATA_DIR", "/dev/null/x"}});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("/dev/null/x")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_DATA_DIR")) << "the error should say how to fix it";
  EXPECT_FALSE(fs::exists(dir / "env.bin")) << "the runner must not have run";

  RunOptions json;
  json.env = {{"HOMEBOY_DATA_DIR", "/dev/null/x"}};
  auto j = run_with({"bench", "envc", "--iterations", "1", "--json"}, json);
  EXPECT_NE(j.exit_code, 0);
  Json env = j.json();
  EXPECT_EQ(env["success"], false) << j.describe();
  EXPECT_THAT(env["error"]["message"].get<std::string>(), HasSubstr("/dev/null/x"));
  EXPECT_FALSE(fs::exists(dir / "env.bin"));

  // Readers say the same thing.
  auto list = run({"runs", "list"}, {{"HOMEBOY_DATA_DIR", "/dev/null/x"}});
  EXPECT_NE(list.exit_code, 0) << list.describe();
  EXPECT_THAT(list.err, HasSubstr("/dev/null/x"));
}

TEST_F(BenchFailures, MissingRunnerCommandIsNamed)
{
  ComponentOptions o;
  o.extra = {{"scripts", {{"bench", {"./does-not-exist.sh"}}}}};
  make_component("ghost", "", o);
  auto r = run({"bench", "ghost", "--iterations", "1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("does-not-exist.sh"));
}

TEST_F(BenchFailures, RunnerKilledBySignalIsReportedAs128PlusSignal)
{
  make_component("oom", "killed.sh");
  auto r = bench_json({"oom", "--iterations", "1"});
  EXPECT_EQ(r.exit_code, 137) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["exit_code"], 137);
  // The shell running the scripts.bench command reports the signal as exit
  // code 137; the user should still learn that the runner was killed.
  EXPECT_THAT(p["failure"]["message"].get<std::string>(), HasSubstr("SIGKILL"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
}

TEST_F(BenchFailures, RunnerExitCodeWinsEvenWithValidResults)
{
  make_component("exit5", "two_scenarios.sh");
  auto r = bench_json({"exit5", "--iterations", "2", "--setting", "exit_code=5"});
  EXPECT_EQ(r.exit_code, 5) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["exit_code"], 5);
  EXPECT_EQ(p["passed"], false);
  EXPECT_EQ(p["status"], "failed");
  EXPECT_EQ(p["results"]["scenarios"].size(), 2u) << "the results it wrote are still shown";
  EXPECT_EQ(show_run(p["persisted_run"]["run_id"])["exit_code"], 5);

  // And --baseline does not save a failed runner's numbers.
  fs::path dir = work_ / "exit5";
  auto save = run({"bench", "exit5", "--iterations", "2", "--setting", "exit_code=5", "--baseline"});
  EXPECT_EQ(save.exit_code, 5) << save.describe();
  EXPECT_THAT(read_file(dir / "homeboy.json"), Not(HasSubstr("baselines")));
}

TEST_F(BenchFailures, VarianceAwarePolicyWithTooFewSamplesIsRejected)
{
  make_component("var", "two_scenarios.sh");
  auto r = bench_json({"var", "--iterations", "2", "--setting", "variance=1"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  std::string message = p["failure"]["message"].get<std::string>();
  EXPECT_THAT(message, HasSubstr("variance_aware"));
  EXPECT_THAT(message, HasSubstr("distributions.p95_ms"));
  EXPECT_THAT(message, HasSubstr("at least 3"));
  EXPECT_EQ(show_run(p["persisted_run"]["run_id"])["run_status"], "failed");
}

TEST_F(BenchFailures, InvalidArgumentsExitTwoAndRecordNothing)
{
  fs::path dir = make_component("args", "env_dump.sh");
  auto zero = run({"bench", "args", "--iterations", "0"});
  EXPECT_EQ(zero.exit_code, 2) << zero.describe();
  EXPECT_THAT(zero.err, HasSubstr("--iterations"));
  EXPECT_THAT(zero.err, HasSubstr("--help"));

  auto setting = run({"bench", "args", "--setting", "novalue"});
  EXPECT_EQ(setting.exit_code, 2) << setting.describe();
  EXPECT_THAT(setting.err, HasSubstr("key=value"));
  EXPECT_THAT(setting.err, HasSubstr("novalue"));

  auto setting_json = run({"bench", "args", "--setting-json", "name=plain text"});
  EXPECT_NE(setting_json.exit_code, 0) << setting_json.describe();
  EXPECT_THAT(setting_json.err, HasSubstr("--setting-json"));
  EXPECT_THAT(setting_json.err, HasSubstr("quotes"));

  auto unknown_flag = run({"bench", "args", "--no-such-flag"});
  EXPECT_EQ(unknown_flag.exit_code, 2) << unknown_flag.describe();
  EXPECT_THAT(unknown_flag.err, HasSubstr("--no-such-flag"));

  EXPECT_FALSE(fs::exists(dir / "env.bin")) << "the runner must not have run";
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(BenchFailures, StrayBackgroundProcessDoesNotHangTheBench)
{
  fs::path dir = make_component("stray", "stray_child.sh");
  RunOptions o;
  o.timeout = 20s;
  auto r = run_with({"bench", "stray", "--iterations", "1"}, o);
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_LT(r.elapsed, 10s) << "homeboy waited for a background process of its runner";
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "succeeded");
  std::ifstream in(dir / "stray.pid");
  pid_t stray = 0;
  in >> stray;
  if (stray > 0) ::kill(stray, SIGKILL);
}

} // namespace

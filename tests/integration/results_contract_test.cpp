// The results contract end to end, where it needs a runner (issue 13 item 2,
// docs/compatibility.md): bench_env settings reach the runner as variables,
// a runner that fails after writing only its inventory has no results, and
// gate failures keep the original's shapes.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class ResultsContract : public HomeboyTest
{
};

TEST_F(ResultsContract, BenchEnvSettingsReachTheRunnerAsVariables)
{
  fs::path dir = make_component("envc", "env_dump.sh");
  auto r = bench_json({"envc", "--iterations", "1", "--setting", "bench_env.CORPUS=s3cr3t-dotted",
                       "--setting", "bench_env.OVERRIDDEN=dotted", "--setting-json",
                       "bench_env={\"RETRIES\": 2, \"FAST\": true, \"OVERRIDDEN\": \"typed\", "
                       "\"RATIO\": 0.5}"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto env = read_env_dump(dir / "env.bin");
  EXPECT_EQ(env["CORPUS"], "s3cr3t-dotted");
  EXPECT_EQ(env["RETRIES"], "2") << "numbers are written as text";
  EXPECT_EQ(env["FAST"], "true");
  EXPECT_EQ(env["RATIO"], "0.5");
  EXPECT_EQ(env["OVERRIDDEN"], "typed") << "the typed --setting-json bench_env wins";
  // Discovery sees them too, so a variable that picks the workloads picks
  // the same ones for the inventory.
  auto listed = run({"bench", "list", "envc", "--setting", "bench_env.CORPUS=s3cr3t-dotted"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_EQ(read_env_dump(dir / "env-list.bin")["CORPUS"], "s3cr3t-dotted");
  // Values may be secrets: homeboy never prints them.
  EXPECT_THAT(r.err, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(listed.out + listed.err, Not(HasSubstr("s3cr3t")));
  // The run records which variables it set, by name only.
  Json meta = show_run(r.payload()["persisted_run"]["run_id"])["metadata"];
  EXPECT_EQ(meta["bench_env"], Json({"CORPUS", "FAST", "OVERRIDDEN", "RATIO", "RETRIES"}))
    << meta["bench_env"].dump();
  EXPECT_THAT(meta.dump(), Not(HasSubstr("s3cr3t")));
}

TEST_F(ResultsContract, BadBenchEnvSettingsAreRefusedWithoutTheirValues)
{
  make_component("envc", "env_dump.sh");
  struct Case
  {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
    {{"--setting-json", "bench_env={\"TOKEN\": {\"s3cr3t\": 1}}"},
     "bench_env.TOKEN is object, but an environment variable holds a string, number or boolean"},
    {{"--setting-json", "bench_env={\"TOKEN\": [\"s3cr3t\"]}"}, "bench_env.TOKEN is array"},
    {{"--setting-json", "bench_env={\"TOKEN\": null}"}, "bench_env.TOKEN is null"},
    {{"--setting-json", "bench_env.TOKEN={\"s3cr3t\": 1}"}, "bench_env.TOKEN is object"},
    {{"--setting-json", "bench_env=[\"s3cr3t\"]"},
     "--setting-json bench_env must be an object {NAME: value}, got array"},
    {{"--setting", "bench_env.BAD-NAME=s3cr3t"},
     "`BAD-NAME` is not an environment variable name"},
    {{"--setting", "bench_env.=s3cr3t"}, "`` is not an environment variable name"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"bench", "envc", "--iterations", "1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.message)) << r.describe();
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("s3cr3t"))) << r.describe();
  }
  EXPECT_TRUE(list_runs().empty()) << "refused before anything ran";
}

TEST_F(ResultsContract, AFailedRunnersInventoryIsNotReportedAsResults)
{
  fs::path dir = make_component("inv", "inventory_then_fail.sh");
  auto r = bench_json({"inv", "--iterations", "2", "--baseline"});
  EXPECT_EQ(r.exit_code, 4) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["status"], "failed");
  EXPECT_TRUE(p["results"].is_null()) << p["results"].dump();
  EXPECT_TRUE(p["baseline_comparison"].is_null());
  EXPECT_EQ(p["baseline"]["saved"], false);
  EXPECT_THAT(p["failure"]["message"].get<std::string>(),
              HasSubstr("exited with code 4; its output is in the run's log artifacts; it "
                        "failed before measuring: its results file holds only the scenario "
                        "inventory (no metrics), so there are no results"));
  Json homeboy = Json::parse(read_file(dir / "homeboy.json"));
  EXPECT_FALSE(homeboy.contains("baselines")) << homeboy.dump();
  // The run records the runner's failure and no scenario metrics.
  Json rec = show_run(p["persisted_run"].value("run_id", ""));
  EXPECT_EQ(rec["run_status"], "failed");

  auto human = run({"bench", "inv", "--iterations", "2"});
  EXPECT_EQ(human.exit_code, 4);
  EXPECT_THAT(human.out + human.err, HasSubstr("failed before measuring"));
}

TEST_F(ResultsContract, GateFailuresAreTheOriginalsSentences)
{
  make_component("gated", "gate_failure.sh");
  auto r = bench_json({"gated", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["gate_failures"].size(), 1u) << p["gate_failures"].dump(2);
  ASSERT_TRUE(p["gate_failures"][0].is_string()) << p["gate_failures"].dump(2);
  const std::string sentence = p["gate_failures"][0];
  EXPECT_EQ(sentence.rfind("scenario `correctness` gate failed: error_count lte ", 0), 0u)
    << sentence;
  EXPECT_THAT(sentence, HasSubstr("(actual 2)"));
  // The structured entry moved beside it, with the same reason.
  ASSERT_EQ(p["gate_failure_details"].size(), 1u);
  EXPECT_EQ(p["gate_failure_details"][0]["metric"], "error_count");
  EXPECT_EQ(p["gate_failure_details"][0]["reason"], sentence);
  for (const auto& g : p["gate_results"]) {
    EXPECT_EQ(g.contains("reason"), g["passed"] == false) << g.dump();
  }
  for (const auto& s : p["results"]["scenarios"]) {
    for (const auto& g : s.value("gate_results", Json::array())) {
      if (g["passed"] == false) EXPECT_EQ(g["reason"], sentence);
    }
  }
}

} // namespace

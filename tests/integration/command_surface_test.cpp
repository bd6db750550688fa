// The original's command surface (issue 13 item 4): scripts written for it
// parse and get what they got there — the global `--output json|FILE`,
// `--ci-profile`, `report failure-digest`, the bench hints and artifact
// index, documented flags that are not built yet, `--json` everywhere, and
// the short ids the readers print.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class CommandSurface : public HomeboyTest
{
protected:
  /// An extension `ci` whose runner is env_dump.sh and whose manifest has
  /// `ci` (merged in), and a component `app` linked to it.
  fs::path ci_component(const Json& ci)
  {
    fs::path ext = make_extension("ci", "env_dump.sh");
    Json manifest = Json::parse(read_file(ext / "ci.json"));
    manifest["ci"] = ci;
    write_file(ext / "ci.json", manifest.dump(2));
    fs::path app = work_ / "app";
    fs::create_directories(app);
    write_file(app / "homeboy.json", Json{{"id", "app"}}.dump());
    auto created = run({"component", "create", "--local-path", app.string(), "--extension", "ci"});
    EXPECT_EQ(created.exit_code, 0) << created.describe();
    return app;
  }

  static Json perf_profile()
  {
    return Json{{"profiles",
                 {{"perf", {{"label", "Perf"}, {"jobs", {"bench-job"}}}},
                  {"empty", {{"jobs", Json::array()}}},
                  {"two", {{"jobs", {"bench-job", "lint-job"}}}},
                  {"lint", {{"jobs", {"lint-job"}}}},
                  {"ghost", {{"jobs", {"missing-job"}}}}}},
                {"jobs",
                 {{"bench-job",
                   {{"command", "bench"},
                    {"args", {"--profile-arg", "x y"}},
                    {"env", {{"CI_PROFILE_MARK", "from-profile"}}}}},
                  {"lint-job", {{"command", "lint"}}}}}};
  }
};

TEST_F(CommandSurface, GlobalOutputJsonGoesBeforeTheCommand)
{
  make_component("plain", "two_scenarios.sh");
  auto bench = run({"--output", "json", "bench", "plain", "--iterations", "2"});
  ASSERT_EQ(bench.exit_code, 0) << bench.describe();
  EXPECT_EQ(bench.json()["data"]["variant"], "single") << bench.describe();

  auto listed = run({"--output", "json", "runs", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_EQ(listed.payload()["runs"].size(), 1u);

  // After the command too, and `--output=json`.
  EXPECT_TRUE(run({"runs", "list", "--output", "json"}).json()["success"].get<bool>());
  EXPECT_TRUE(run({"--output=json", "runs", "list"}).json()["success"].get<bool>());

  // A reader whose JSON switch is --format takes it too.
  auto compared = run({"--output", "json", "runs", "compare", "--kind", "bench"});
  ASSERT_EQ(compared.exit_code, 0) << compared.describe();
  EXPECT_EQ(compared.json()["data"]["payload"]["command"], "runs.compare");
}

TEST_F(CommandSurface, GlobalOutputFileWritesTheEnvelope)
{
  make_component("plain", "two_scenarios.sh");
  fs::path file = root_ / "runs.json";
  auto r = run({"--output", file.string(), "runs", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("No runs match."));
  Json written = Json::parse(read_file(file));
  EXPECT_EQ(written["data"]["payload"]["command"], "runs.list");

  // Where --output means something else, the global one is refused, not
  // silently taken as the command's own.
  auto clash = run({"--output", file.string(), "runs", "export", "--output", (root_ / "b").string()});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_THAT(clash.err, HasSubstr("uses --output for its own destination"));

  auto missing = run({"--output"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--output needs a value"));
}

TEST_F(CommandSurface, CiProfileForwardsTheJobsArgsAndEnv)
{
  fs::path app = ci_component(perf_profile());
  auto r = bench_json({"app", "--iterations", "1", "--ci-profile", "perf", "--", "--cli-arg"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_nul_list(app / "args.bin"),
            (std::vector<std::string>{"--profile-arg", "x y", "--cli-arg"}));
  auto env = read_env_dump(app / "env.bin");
  EXPECT_EQ(env["CI_PROFILE_MARK"], "from-profile");
  EXPECT_EQ(env["HOMEBOY_BENCH_ARGS_JSON"], R"(["--profile-arg","x y","--cli-arg"])");
  // The run records which job it reproduced (env names, not values).
  Json shown = show_run(r.payload()["persisted_run"]["run_id"]);
  EXPECT_EQ(shown["metadata"]["ci"]["profile"], "perf");
  EXPECT_EQ(shown["metadata"]["ci"]["job"], "bench-job");
  EXPECT_EQ(shown["metadata"]["ci"]["env"], Json({"CI_PROFILE_MARK"}));
  EXPECT_THAT(shown.dump(), Not(HasSubstr("from-profile")));
}

TEST_F(CommandSurface, CiProfilesThatCannotReproduceABenchAreRefused)
{
  ci_component(perf_profile());
  struct Case { std::string profile, says; };
  for (const Case& c : std::vector<Case>{
         {"nope", "CI profile `nope` is not declared by extension `ci`; the declared profiles: "
                  "empty, ghost, lint, perf, two"},
         {"empty", "declares 0 jobs"},
         {"two", "declares 2 jobs"},
         {"lint", "declares command \"lint\""},
         {"ghost", "CI job `missing-job` of profile `ghost` is not declared"}}) {
    auto r = run({"bench", "app", "--ci-profile", c.profile});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.says)) << r.describe();
  }
  EXPECT_TRUE(list_runs().empty()) << "a refused profile records no run";

  // No `ci` at all, and a component whose runner is its own script.
  fs::path ext = config_ / "extensions" / "ci";
  Json manifest = Json::parse(read_file(ext / "ci.json"));
  manifest.erase("ci");
  write_file(ext / "ci.json", manifest.dump());
  auto none = run({"bench", "app", "--ci-profile", "perf"});
  EXPECT_EQ(none.exit_code, 2) << none.describe();
  EXPECT_THAT(none.err, HasSubstr("declares no CI profiles"));
  make_component("scripted", "two_scenarios.sh");
  auto scripted = run({"bench", "scripted", "--ci-profile", "perf"});
  EXPECT_EQ(scripted.exit_code, 2) << scripted.describe();
  EXPECT_THAT(scripted.err, HasSubstr("runs its own scripts.bench"));
}

TEST_F(CommandSurface, TheBenchHintsNameTheObservationDatabase)
{
  make_component("plain", "two_scenarios.sh");
  auto r = bench_json({"plain", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string hints = r.payload()["hints"].dump();
  EXPECT_THAT(hints, HasSubstr("Observation database: " + (data_ / "homeboy.sqlite").string()));
  auto human = run({"bench", "plain", "--iterations", "2"});
  EXPECT_THAT(human.out, HasSubstr("homeboy.sqlite"));
}

TEST_F(CommandSurface, FailureDigestRendersBudgetFindingsFromTheSavedEnvelope)
{
  make_component("budget", "budget_findings.sh");
  fs::path out = root_ / "ci-out";
  fs::create_directories(out);
  auto bench = run({"--output", (out / "bench.json").string(), "bench", "budget", "--iterations", "2"});
  EXPECT_EQ(bench.exit_code, 1) << bench.describe();

  auto digest = run({"report", "failure-digest", "--output-dir", out.string(), "--results",
                     R"({"bench":"fail","lint":"pass","test":"error"})", "--run-url",
                     "https://ci.example/run/7"});
  ASSERT_EQ(digest.exit_code, 0) << digest.describe();
  EXPECT_THAT(digest.out, HasSubstr("## Failure Digest"));
  EXPECT_THAT(digest.out, HasSubstr("### Bench: budget"));
  EXPECT_THAT(digest.out, HasSubstr("**Status:** FAILED"));
  EXPECT_THAT(digest.out, HasSubstr("| Code | Subject | Actual | Expected | Unit | Message |"));
  EXPECT_THAT(digest.out, HasSubstr("| `rest.max_response_bytes` | /wp-json/datamachine/v1/"
                                    "pipelines?per_page=100 | 4378195 | 250000 | bytes |"));
  // The nested shape's numbers come from metadata.
  EXPECT_THAT(digest.out, HasSubstr("| `bench.max_rss` |"));
  EXPECT_THAT(digest.out, HasSubstr("| 600 | 512 |"));
  EXPECT_THAT(digest.out, HasSubstr("- Full bench log: https://ci.example/run/7"));
  EXPECT_THAT(digest.out, HasSubstr("### test: ERROR"));
  EXPECT_THAT(digest.out, Not(HasSubstr("### lint")));

  auto json = run({"report", "failure-digest", "--output-dir", out.string(), "--results",
                   R"({"bench":"fail"})", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  EXPECT_THAT(json.payload()["markdown"].get<std::string>(), HasSubstr("### Bench: budget"));

  // @file, and bad input.
  write_file(root_ / "results.json", R"({"bench":"fail"})");
  EXPECT_EQ(run({"report", "failure-digest", "--output-dir", out.string(), "--results",
                 "@" + (root_ / "results.json").string()}).exit_code, 0);
  auto not_json = run({"report", "failure-digest", "--output-dir", out.string(), "--results", "{"});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_THAT(not_json.err, HasSubstr("--results is not JSON"));
  auto not_string = run({"report", "failure-digest", "--output-dir", out.string(), "--results",
                         R"({"bench":1})"});
  EXPECT_EQ(not_string.exit_code, 2);
  EXPECT_THAT(not_string.err, HasSubstr("the status of `bench` must be a string"));
  write_file(out / "bench.json", "{not json");
  auto broken = run({"report", "failure-digest", "--output-dir", out.string(), "--results",
                     R"({"bench":"fail"})"});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("bench.json is not JSON"));
  auto no_file = run({"report", "failure-digest", "--output-dir", (root_ / "none").string(),
                      "--results", R"({"bench":"fail"})"});
  EXPECT_EQ(no_file.exit_code, 0) << no_file.describe();
  EXPECT_THAT(no_file.out, HasSubstr("No structured bench output at"));
}

TEST_F(CommandSurface, ShortIdsThatReadersPrintAreAccepted)
{
  make_component("budget", "budget_findings.sh");
  auto bench = bench_json({"budget", "--iterations", "2"});
  const Json payload = bench.payload();
  std::string run_id = payload["persisted_run"]["run_id"];
  std::string artifact_id;
  for (const auto& a : payload["artifacts"]) {
    if (a["kind"] == "bench_results") artifact_id = a["id"];
  }
  ASSERT_FALSE(artifact_id.empty()) << bench.describe();
  auto shown = run({"runs", "show", run_id.substr(0, 8)});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_THAT(shown.out, HasSubstr(artifact_id.substr(0, 8)));

  auto got = run({"runs", "artifact", "get", run_id.substr(0, 8), artifact_id.substr(0, 8)});
  ASSERT_EQ(got.exit_code, 0) << got.describe();
  EXPECT_THAT(got.out, HasSubstr("\"scenarios\""));

  auto findings = run_findings(run_id);
  ASSERT_FALSE(findings.empty());
  std::string finding_id = findings[0]["id"];
  auto finding = run({"runs", "finding", finding_id.substr(0, 8), "--json"});
  ASSERT_EQ(finding.exit_code, 0) << finding.describe();
  EXPECT_EQ(finding.payload()["finding"]["id"], finding_id);

  auto unknown = run({"runs", "finding", "zzzzzzzz"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no finding `zzzzzzzz`"));
  auto no_artifact = run({"runs", "artifact", "get", run_id, "zzzzzzzz"});
  EXPECT_EQ(no_artifact.exit_code, 1);
  EXPECT_THAT(no_artifact.err, HasSubstr("has no artifact `zzzzzzzz`"));
}

TEST_F(CommandSurface, WorkerAndRunsLogsSpeakJson)
{
  auto submitted = run({"runs", "submit", "--json", "--", "sh", "-c", "echo out; echo err >&2"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  std::string id = submitted.payload()["run_id"];

  auto worker = run({"worker", "--once", "--json"});
  ASSERT_EQ(worker.exit_code, 0) << worker.describe();
  std::istringstream lines(worker.out);
  std::string line;
  std::size_t parsed = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Json entry = Json::parse(line);
    EXPECT_TRUE(entry.contains("time") && entry.contains("level") && entry.contains("message"))
      << line;
    ++parsed;
  }
  EXPECT_GT(parsed, 0u) << worker.describe();

  auto logs = run({"runs", "logs", id, "--json"});
  ASSERT_EQ(logs.exit_code, 0) << logs.describe();
  EXPECT_EQ(logs.payload()["stdout"], "out\n");
  EXPECT_EQ(logs.payload()["stderr"], "err\n");
  EXPECT_EQ(logs.payload()["status"], "succeeded");

  auto followed = run({"runs", "logs", id, "--json", "--follow", "--stream", "stdout"});
  ASSERT_EQ(followed.exit_code, 0) << followed.describe();
  EXPECT_THAT(followed.out, HasSubstr(R"({"stream":"stdout","data":"out\n"})"));
  EXPECT_THAT(followed.out, HasSubstr(R"("settled":true)"));

  auto missing = run({"runs", "logs", "nope1234", "--json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.json()["success"], false);
}

TEST_F(CommandSurface, BenchRunsKeepTheOriginalsStatusWordsWithOursBeside)
{
  make_component("plain", "two_scenarios.sh");
  make_component("budget", "budget_findings.sh");
  ASSERT_EQ(run({"bench", "plain", "--iterations", "2"}).exit_code, 0);
  ASSERT_EQ(run({"bench", "budget", "--iterations", "2"}).exit_code, 1);
  auto runs = list_runs({"--kind", "bench"});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["status"], "fail");        // budget, newest first
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[1]["status"], "pass");
  EXPECT_EQ(runs[1]["run_status"], "succeeded");
  EXPECT_EQ(show_run(runs[1]["id"])["status"], "pass");
  // The original's words filter too.
  EXPECT_EQ(list_runs({"--status", "pass"}).size(), 1u);

  // Registry runs were never the original's: their status is ours.
  auto submitted = run({"runs", "submit", "--json", "--", "true"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  ASSERT_EQ(run({"worker", "--once", "-q"}).exit_code, 0);
  Json task = show_run(submitted.payload()["run_id"]);
  EXPECT_EQ(task["status"], "succeeded");
  EXPECT_EQ(task["run_status"], "succeeded");
}

TEST_F(CommandSurface, TheArtifactIndexNamesScenarioAndRun)
{
  fs::path dir = make_component("indexed", "two_scenarios.sh");
  write_file(dir / "runner.sh", R"(#!/usr/bin/env bash
cat > "$HOMEBOY_BENCH_RESULTS_FILE" <<'JSON'
{"component_id": "indexed", "iterations": 1,
 "scenarios": [{"id": "boot", "iterations": 1, "metrics": {"p95_ms": 1.0},
   "artifacts": {"trace": {"path": "trace.json", "kind": "json", "label": "Trace"}},
   "runs": [{"artifacts": {"raw_result": {"path": "run-0/raw.json", "kind": "json",
                                          "label": "Raw result"}}}]}]}
JSON
)");
  make_executable(dir / "runner.sh");
  auto r = bench_json({"indexed", "--iterations", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const Json payload = r.payload();
  std::vector<Json> indexed;
  for (const auto& a : payload["artifacts"]) {
    if (a.contains("scenario_id")) indexed.push_back(a);
  }
  ASSERT_EQ(indexed.size(), 2u) << payload["artifacts"].dump(2);
  EXPECT_EQ(indexed[0]["scenario_id"], "boot");
  EXPECT_EQ(indexed[0]["name"], "trace");
  EXPECT_FALSE(indexed[0].contains("run_index"));
  EXPECT_EQ(indexed[1]["name"], "raw_result");
  EXPECT_EQ(indexed[1]["run_index"], 0);
  EXPECT_EQ(indexed[1]["kind"], "json");
  EXPECT_EQ(indexed[1]["label"], "Raw result");
  EXPECT_EQ(indexed[1]["path"], (dir / "run-0" / "raw.json").string());
}

} // namespace

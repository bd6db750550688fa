// homeboy bench: the passing path, the runner contract, bench list and
// --scenario selection, and plain (colourless) output.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class BenchBasic : public HomeboyTest
{};

std::vector<std::string>
scenario_ids(const Json& results)
{
  std::vector<std::string> ids;
  if (results.is_object() && results.contains("scenarios")) {
    for (const auto& s : results["scenarios"]) ids.push_back(s.value("id", ""));
  }
  return ids;
}

TEST_F(BenchBasic, PassingRunPrintsHumanReportAndExitsZero)
{
  make_component("basic", "two_scenarios.sh");
  auto r = run({"bench", "basic", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("homeboy bench basic: 2 scenarios, 3 iterations"));
  EXPECT_THAT(r.out, HasSubstr("cold_start"));
  EXPECT_THAT(r.out, HasSubstr("hot_path"));
  EXPECT_THAT(r.out, HasSubstr("p95_ms"));
  EXPECT_THAT(r.out, HasSubstr("PASSED"));
  EXPECT_THAT(r.out, HasSubstr("Recorded as run "));
  EXPECT_THAT(r.out, HasSubstr("homeboy runs show "));
  // The runner's own output goes to stderr, stdout stays the report.
  EXPECT_THAT(r.err, HasSubstr("two_scenarios: measuring 2 scenarios x 3 iterations"));
  EXPECT_THAT(r.out, Not(HasSubstr("two_scenarios: measuring")));
  EXPECT_THAT(r.err, Not(HasSubstr("error:")));
}

TEST_F(BenchBasic, JsonEnvelopeHasTheSinglePayload)
{
  make_component("basic", "two_scenarios.sh");
  auto r = bench_json({"basic", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  ASSERT_TRUE(env.is_object()) << r.describe();
  EXPECT_EQ(env["success"], true);
  EXPECT_EQ(env["data"]["variant"], "single");
  const Json& p = env["data"]["payload"];
  for (const char* key : {"component", "exit_code", "iterations", "passed", "status", "results",
                          "baseline_comparison", "gate_results", "gate_failures",
                          "budget_findings", "artifacts", "persisted_run", "hints"}) {
    EXPECT_TRUE(p.contains(key)) << "payload lacks " << key << "\n" << r.describe();
  }
  EXPECT_EQ(p["component"], "basic");
  EXPECT_EQ(p["exit_code"], 0);
  EXPECT_EQ(p["iterations"], 3);
  EXPECT_EQ(p["passed"], true);
  EXPECT_EQ(p["status"], "passed");
  EXPECT_THAT(scenario_ids(p["results"]), ElementsAre("cold_start", "hot_path"));
  EXPECT_EQ(p["results"]["scenarios"][0]["metrics"]["p95_ms"], 10);
  EXPECT_EQ(p["results"]["scenarios"][0]["metrics"]["distributions"]["p95_ms"].size(), 3u);
  EXPECT_TRUE(p["baseline_comparison"].is_null()) << "no baseline saved yet";
  EXPECT_TRUE(p["gate_results"].is_array());
  EXPECT_TRUE(p["gate_failures"].is_array() && p["gate_failures"].empty());
  EXPECT_TRUE(p["budget_findings"].is_array() && p["budget_findings"].empty());

  const Json& persisted = p["persisted_run"];
  ASSERT_TRUE(persisted.is_object()) << r.describe();
  std::string id = persisted.value("run_id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(persisted["show_command"], "homeboy runs show " + id);
  EXPECT_EQ(persisted["artifacts_command"], "homeboy runs artifacts " + id);

  bool results_artifact = false;
  for (const auto& a : p["artifacts"]) {
    if (a.value("kind", "") == "bench_results") {
      results_artifact = true;
      EXPECT_EQ(a["run_id"], id);
    }
  }
  EXPECT_TRUE(results_artifact) << "no bench_results artifact\n" << r.describe();

  bool hint_names_run = false;
  for (const auto& h : p["hints"]) {
    hint_names_run |= h.get<std::string>().find(id) != std::string::npos;
  }
  EXPECT_TRUE(hint_names_run) << r.describe();

  // The store agrees.
  Json rec = show_run(id);
  EXPECT_EQ(rec["run_status"], "succeeded");
  EXPECT_EQ(rec["kind"], "bench");
  EXPECT_EQ(rec["component_id"], "basic");
  EXPECT_EQ(rec["exit_code"], 0);
  EXPECT_THAT(rec["scenario_ids"].get<std::vector<std::string>>(),
              ::testing::UnorderedElementsAre("cold_start", "hot_path"));
}

TEST_F(BenchBasic, OutputFileGetsTheEnvelopeWhileStdoutShowsTheReport)
{
  make_component("basic", "two_scenarios.sh");
  fs::path file = root_ / "envelope.json";
  auto r = run({"bench", "basic", "--iterations", "2", "--output", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("PASSED"));
  Json env = Json::parse(read_file(file), nullptr, false);
  ASSERT_TRUE(env.is_object()) << read_file(file);
  EXPECT_EQ(env["success"], true);
  EXPECT_EQ(env["data"]["variant"], "single");
  EXPECT_EQ(env["data"]["payload"]["component"], "basic");
}

TEST_F(BenchBasic, RunnerGetsTheContractEnvironmentAndPassthroughArgs)
{
  fs::path dir = make_component("envc", "env_dump.sh");
  // Component settings from the registry entry, overridden by the CLI.
  fs::path registry = config_ / "components" / "envc.json";
  ASSERT_TRUE(fs::exists(registry));
  OrderedJson reg = OrderedJson::parse(read_file(registry));
  reg["settings"] = {{"base", "from-registry"}, {"mode", "slow"}};
  write_file(registry, reg.dump(2));

  auto r = bench_json({"envc", "--iterations", "4", "--warmup", "2", "--setting", "mode=fast",
                       "--setting-json", "limits={\"max\": 3}", "--", "--alpha", "two words",
                       "--"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string run_id = r.payload()["persisted_run"].value("run_id", "");
  ASSERT_FALSE(run_id.empty());

  ASSERT_TRUE(fs::exists(dir / "env.bin")) << r.describe();
  auto env = read_env_dump(dir / "env.bin");
  auto get = [&](const std::string& k) { return env.count(k) ? env[k] : std::string("<unset>"); };

  fs::path run_dir = get("HOMEBOY_RUN_DIR");
  EXPECT_TRUE(run_dir.is_absolute()) << run_dir;
  EXPECT_THAT(run_dir.string(), HasSubstr(run_id));
  EXPECT_EQ(canonical(run_dir).string().rfind(canonical(data_).string(), 0), 0u)
    << "run dir " << run_dir << " is not under HOMEBOY_DATA_DIR " << data_;
  EXPECT_EQ(fs::path(get("HOMEBOY_BENCH_RESULTS_FILE")), run_dir / "bench-results.json");
  EXPECT_EQ(get("HOMEBOY_BENCH_ITERATIONS"), "4");
  EXPECT_EQ(get("HOMEBOY_BENCH_WARMUP_ITERATIONS"), "2");
  EXPECT_EQ(get("HOMEBOY_BENCH_RUN_ID"), run_id);
  EXPECT_EQ(get("HOMEBOY_COMPONENT_ID"), "envc");
  EXPECT_EQ(canonical(get("HOMEBOY_COMPONENT_PATH")), canonical(dir));
  EXPECT_EQ(get("HOMEBOY_EXTENSION_ID"), "component-script");
  EXPECT_EQ(env.count("HOMEBOY_BENCH_SCENARIOS"), 0u) << "no --scenario was given";
  EXPECT_EQ(env.count("HOMEBOY_BENCH_LIST_ONLY"), 0u);

  Json args = Json::parse(get("HOMEBOY_BENCH_ARGS_JSON"), nullptr, false);
  EXPECT_EQ(args, Json({"--alpha", "two words", "--"})) << get("HOMEBOY_BENCH_ARGS_JSON");

  Json settings = Json::parse(get("HOMEBOY_SETTINGS_JSON"), nullptr, false);
  ASSERT_TRUE(settings.is_object()) << get("HOMEBOY_SETTINGS_JSON");
  EXPECT_EQ(settings["base"], "from-registry");
  EXPECT_EQ(settings["mode"], "fast");
  EXPECT_EQ(settings["limits"], Json({{"max", 3}}));

  for (const char* helper : {"HOMEBOY_RUNTIME_BENCH_HELPER_SH", "HOMEBOY_RUNTIME_BENCH_HELPER_JS"}) {
    ASSERT_TRUE(env.count(helper)) << helper << " is not set";
    EXPECT_TRUE(fs::is_regular_file(env[helper])) << helper << "=" << env[helper];
    EXPECT_GT(fs::file_size(env[helper]), 0u) << helper;
  }

  // "$@" reaches the script verbatim, and it runs in the component dir.
  EXPECT_THAT(read_nul_list(dir / "args.bin"), ElementsAre("--alpha", "two words", "--"));
  std::string cwd = read_file(dir / "cwd.txt");
  while (!cwd.empty() && cwd.back() == '\n') cwd.pop_back();
  EXPECT_EQ(canonical(cwd), canonical(dir));

  // Setting values may be secrets: the run record names them, no more.
  Json rec = show_run(run_id);
  EXPECT_THAT(rec["metadata"].dump(), Not(HasSubstr("from-registry")));
  EXPECT_THAT(rec["metadata"].dump(), Not(HasSubstr("fast")));
}

TEST_F(BenchBasic, CallerEnvironmentDoesNotLeakStaleContractValues)
{
  fs::path dir = make_component("envc", "env_dump.sh");
  auto r = run({"bench", "envc", "--iterations", "1"},
               {{"HOMEBOY_BENCH_SCENARIOS", "stale"},
                {"HOMEBOY_BENCH_LIST_ONLY", "1"},
                {"HOMEBOY_BENCH_WARMUP_ITERATIONS", "99"},
                {"HOMEBOY_BENCH_RESULTS_FILE", "/tmp/not-this-one.json"}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto env = read_env_dump(dir / "env.bin");
  EXPECT_EQ(env.count("HOMEBOY_BENCH_SCENARIOS"), 0u);
  EXPECT_EQ(env.count("HOMEBOY_BENCH_LIST_ONLY"), 0u);
  EXPECT_EQ(env.count("HOMEBOY_BENCH_WARMUP_ITERATIONS"), 0u);
  EXPECT_NE(env["HOMEBOY_BENCH_RESULTS_FILE"], "/tmp/not-this-one.json");
}

TEST_F(BenchBasic, BenchListReportsInventoryAndRecordsNothing)
{
  fs::path dir = make_component("inv", "inventory.sh");
  auto r = run({"bench", "list", "inv", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  EXPECT_EQ(env["success"], true);
  EXPECT_EQ(env["data"]["variant"], "list");
  const Json& p = env["data"]["payload"];
  EXPECT_EQ(p["count"], 3);
  EXPECT_THAT(scenario_ids(p), ElementsAre("alpha", "beta", "gamma"));
  EXPECT_EQ(p["scenarios"][0]["file"], "bench/alpha.sh");
  EXPECT_EQ(p["scenarios"][0]["default_iterations"], 5);
  EXPECT_EQ(p["scenarios"][1]["tags"], Json({"slow", "io"}));

  // Only the inventory was asked for; no workload ran, nothing was recorded.
  EXPECT_EQ(read_file(dir / "inventory.log"), "list scenarios= iterations=0\n");
  EXPECT_TRUE(list_runs().empty());

  auto human = run({"bench", "list", "inv"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, AllOf(HasSubstr("3 scenarios in inv"), HasSubstr("alpha"),
                               HasSubstr("beta"), HasSubstr("gamma")));
}

TEST_F(BenchBasic, BenchListWithScenarioShowsOnlyThatOne)
{
  make_component("inv", "inventory.sh");
  auto r = run({"bench", "list", "inv", "--scenario", "beta", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["count"], 1);
  EXPECT_THAT(scenario_ids(p), ElementsAre("beta"));
}

TEST_F(BenchBasic, ScenarioSelectionRunsOnlyTheSelectedScenario)
{
  fs::path dir = make_component("inv", "inventory.sh");
  auto r = bench_json({"inv", "--iterations", "2", "--scenario", "beta"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_THAT(scenario_ids(p["results"]), ElementsAre("beta"));
  // Validated against the inventory first, then run with the selector.
  EXPECT_EQ(read_file(dir / "inventory.log"), "list scenarios= iterations=0\nrun scenarios=beta\n");

  std::string id = p["persisted_run"].value("run_id", "");
  Json rec = show_run(id);
  EXPECT_EQ(rec["scenario_ids"], Json({"beta"}));
  EXPECT_EQ(ids_of(list_runs({"--scenario", "beta"})), std::vector<std::string>{id});
  EXPECT_TRUE(list_runs({"--scenario", "alpha"}).empty());
}

TEST_F(BenchBasic, TheSelectionFiltersResultsOfARunnerThatIgnoresIt)
{
  // The runner measures everything and even repeats an unselected id; only
  // the selected scenarios reach the results, the comparison and the
  // baseline.
  fs::path dir = make_component("ign", "ignores_selection.sh");
  auto r = bench_json({"ign", "--iterations", "2", "--scenario", "alpha", "--scenario", "beta",
                       "--baseline"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(scenario_ids(r.payload()["results"]), ElementsAre("alpha", "beta"));
  OrderedJson saved = OrderedJson::parse(read_file(dir / "homeboy.json"));
  std::vector<std::string> baseline_ids;
  for (const auto& s : saved["baselines"]["bench"]["metadata"]["scenarios"]) {
    baseline_ids.push_back(s["id"]);
  }
  EXPECT_THAT(baseline_ids, ElementsAre("alpha", "beta"));

  // Without a selection the duplicate is the runner's error, as before.
  auto all = bench_json({"ign", "--iterations", "2"});
  EXPECT_NE(all.exit_code, 0);
  EXPECT_THAT(all.payload()["failure"].value("message", ""),
              HasSubstr("duplicate scenario id \"gamma\""));
}

TEST_F(BenchBasic, RepeatedScenarioFlagsAreForwardedCommaSeparated)
{
  fs::path dir = make_component("inv", "inventory.sh");
  auto r = bench_json({"inv", "--iterations", "1", "--scenario", "gamma", "--scenario", "alpha"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(read_file(dir / "inventory.log"), HasSubstr("run scenarios=gamma,alpha\n"));
  EXPECT_THAT(scenario_ids(r.payload()["results"]), ElementsAre("alpha", "gamma"));
}

TEST_F(BenchBasic, UnknownScenarioIsAnErrorListingKnownIdsAndRecordsNothing)
{
  fs::path dir = make_component("inv", "inventory.sh");
  auto r = run({"bench", "inv", "--scenario", "nope"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("nope"));
  EXPECT_THAT(r.err, HasSubstr("alpha, beta, gamma"));
  EXPECT_THAT(read_file(dir / "inventory.log"), Not(HasSubstr("run scenarios")));
  EXPECT_TRUE(list_runs().empty());

  auto j = bench_json({"inv", "--scenario", "nope"});
  EXPECT_NE(j.exit_code, 0);
  Json env = j.json();
  EXPECT_EQ(env["success"], false);
  EXPECT_THAT(env["error"]["message"].get<std::string>(), HasSubstr("nope"));
}

TEST_F(BenchBasic, NonTtyOutputHasNoEscapeCodes)
{
  make_component("basic", "two_scenarios.sh");
  auto r = run({"bench", "basic", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(has_escape_codes(r.out)) << r.out;
  EXPECT_FALSE(has_escape_codes(r.err)) << r.err;
  auto list = run({"runs", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_THAT(list.out, HasSubstr("succeeded"));
  EXPECT_FALSE(has_escape_codes(list.out)) << list.out;
}

TEST_F(BenchBasic, TerminalGetsColourUnlessNoColorIsSet)
{
  make_component("basic", "two_scenarios.sh");
  RunOptions tty;
  tty.stdout_tty = true;
  auto coloured = run_with({"bench", "basic", "--iterations", "2"}, tty);
  ASSERT_EQ(coloured.exit_code, 0) << coloured.describe();
  EXPECT_TRUE(has_escape_codes(coloured.out)) << "a terminal should get colour\n" << coloured.out;

  tty.env["NO_COLOR"] = "1";
  auto plain = run_with({"bench", "basic", "--iterations", "2"}, tty);
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_THAT(plain.out, HasSubstr("PASSED"));
  EXPECT_FALSE(has_escape_codes(plain.out)) << plain.out;
  EXPECT_FALSE(has_escape_codes(plain.err)) << plain.err;

  auto list = run_with({"runs", "list"}, tty);
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_FALSE(has_escape_codes(list.out)) << list.out;
}

TEST_F(BenchBasic, JsonSummaryPrintsTheCompactVariant)
{
  make_component("basic", "two_scenarios.sh");
  auto r = run({"bench", "basic", "--iterations", "2", "--json-summary"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  EXPECT_EQ(env["data"]["variant"], "comparison_summary");
  const Json& p = env["data"]["payload"];
  EXPECT_EQ(p["component"], "basic");
  EXPECT_EQ(p["passed"], true);
  EXPECT_EQ(p["scenarios"].size(), 2u);
  EXPECT_FALSE(p["persisted_run"]["run_id"].get<std::string>().empty());
}

TEST_F(BenchBasic, SeveralBenchCommandsRunInOrderAndStopAtTheFirstFailure)
{
  ComponentOptions o;
  o.extra = {{"scripts", {{"bench", {"./prepare.sh", "./runner.sh"}}}}};
  fs::path dir = make_component("multi", "two_scenarios.sh", o);
  write_file(dir / "prepare.sh", "#!/bin/sh\necho prepared >> order.log\nexit ${PREPARE_EXIT:-0}\n");
  make_executable(dir / "prepare.sh");

  auto ok = run({"bench", "multi", "--iterations", "1"});
  ASSERT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_EQ(read_file(dir / "order.log"), "prepared\n");
  EXPECT_TRUE(fs::exists(dir / "runner-calls.log"));

  fs::remove(dir / "runner-calls.log");
  auto failed = run({"bench", "multi", "--iterations", "1"}, {{"PREPARE_EXIT", "4"}});
  EXPECT_EQ(failed.exit_code, 4) << failed.describe();
  EXPECT_FALSE(fs::exists(dir / "runner-calls.log")) << "the second command must not run";
  EXPECT_THAT(failed.err, HasSubstr("exited with code 4"));
}

TEST_F(BenchBasic, BenchListWithARunnerThatWritesNoInventory)
{
  make_component("lazy", "no_results.sh");
  auto r = run({"bench", "list", "lazy"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("list-only"));
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_BENCH_RESULTS_FILE"));
  EXPECT_THAT(r.err, HasSubstr("lazy"));
  EXPECT_TRUE(list_runs().empty());

  // --scenario needs the inventory too: the bench is refused before it runs.
  auto selected = run({"bench", "lazy", "--scenario", "x"});
  EXPECT_NE(selected.exit_code, 0) << selected.describe();
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(BenchBasic, DataAndArtifactRootsFollowTheDocumentedOrder)
{
  fs::path dir = make_component("paths", "env_dump.sh");
  // No HOMEBOY_DATA_DIR: $XDG_DATA_HOME/homeboy.
  fs::path xdg = root_ / "xdg";
  auto a = run({"bench", "paths", "--iterations", "1"},
               {{"HOMEBOY_DATA_DIR", std::nullopt}, {"XDG_DATA_HOME", xdg.string()}});
  ASSERT_EQ(a.exit_code, 0) << a.describe();
  EXPECT_TRUE(fs::is_regular_file(xdg / "homeboy" / "homeboy.sqlite"));
  EXPECT_EQ(read_env_dump(dir / "env.bin")["HOMEBOY_RUN_DIR"].rfind((xdg / "homeboy" / "artifacts").string(), 0), 0u);

  // Neither: ~/.local/share/homeboy.
  auto b = run({"bench", "paths", "--iterations", "1"}, {{"HOMEBOY_DATA_DIR", std::nullopt}});
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  EXPECT_TRUE(fs::is_regular_file(home_ / ".local" / "share" / "homeboy" / "homeboy.sqlite"));

  // HOMEBOY_ARTIFACT_ROOT, then --artifact-root, which wins.
  fs::path env_root = root_ / "env-artifacts";
  auto c = bench_json({"paths", "--iterations", "1"}, {{"HOMEBOY_ARTIFACT_ROOT", env_root.string()}});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  EXPECT_EQ(read_env_dump(dir / "env.bin")["HOMEBOY_RUN_DIR"].rfind(env_root.string(), 0), 0u);
  fs::path flag_root = root_ / "flag-artifacts";
  auto d = bench_json({"paths", "--iterations", "1", "--artifact-root", flag_root.string()},
                      {{"HOMEBOY_ARTIFACT_ROOT", env_root.string()}});
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  std::string run_dir = read_env_dump(dir / "env.bin")["HOMEBOY_RUN_DIR"];
  EXPECT_EQ(run_dir.rfind(flag_root.string(), 0), 0u) << run_dir;
  // The store indexes the results where they are.
  Json dp = d.payload();
  for (const auto& art : dp["artifacts"]) {
    if (art["kind"] == "bench_results") {
      EXPECT_EQ(art["path"].get<std::string>().rfind(flag_root.string(), 0), 0u) << art.dump();
    }
  }
  // The default store saw runs c and d.
  EXPECT_EQ(list_runs().size(), 2u);
}

} // namespace

TEST_F(BenchBasic, UnknownCommandNamesTheCommandsThatExist)
{
  auto r = run({"bnch", "svc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command `bnch`"));
  EXPECT_THAT(r.err, HasSubstr("bench, component, daemon, doctor, report, rig, runner, runs, runtime, schedule, store and worker"));
  // Top-level help still lists every command, though a command only builds
  // its own group's options.
  auto help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"bench", "component", "report", "runs", "runtime", "worker"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
  }
}

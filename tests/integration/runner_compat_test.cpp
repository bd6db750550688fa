// A runner written for the original runs unchanged: the fixture Node.js
// extension (tests/fixtures/extensions/nodejs) initialises the runner prelude
// unconditionally, sources the shell bench helper and writes its results
// through the JS helper, as the original's nodejs extension does.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class RunnerCompat : public HomeboyTest
{
protected:
  /// Installs the fixture extension and a copy of the node-app component
  /// that uses it.
  fs::path install_node_app()
  {
    fs::path fixtures = fs::path(HB_FIXTURES_DIR);
    fs::create_directories(config_ / "extensions");
    fs::copy(fixtures / "extensions" / "nodejs", config_ / "extensions" / "nodejs",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::path app = work_ / "node-app";
    fs::copy(fixtures / "components" / "node-app", app, fs::copy_options::recursive);
    auto created = run({"component", "create", "--local-path", app.string(), "--extension", "nodejs"});
    EXPECT_EQ(created.exit_code, 0) << created.describe();
    return app;
  }

  static std::vector<std::string> ids(const Json& results)
  {
    std::vector<std::string> out;
    for (const auto& s : results["scenarios"]) out.push_back(s.value("id", ""));
    return out;
  }
};

TEST_F(RunnerCompat, TheNodeRunnerBenchesAndCompares)
{
  install_node_app();
  auto first = bench_json({"node-app", "--iterations", "3", "--baseline"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_THAT(first.err, Not(HasSubstr("is required")));
  const Json payload = first.payload();
  EXPECT_THAT(ids(payload["results"]), ElementsAre("sort", "sum"));
  const Json& sum = payload["results"]["scenarios"][1];
  EXPECT_TRUE(sum["metrics"].contains("p95_ms")) << sum.dump();

  auto second = bench_json({"node-app", "--iterations", "3"});
  ASSERT_NE(second.exit_code, 2) << second.describe();
  const Json compared = second.payload()["baseline_comparison"];
  ASSERT_TRUE(compared.is_object()) << second.describe();
  EXPECT_EQ(compared["scenarios"].size(), 2u) << compared.dump();
}

TEST_F(RunnerCompat, TheSelectionHoldsThoughTheRunnerIgnoresIt)
{
  install_node_app();
  auto r = bench_json({"node-app", "--iterations", "2", "--scenario", "sum"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(ids(r.payload()["results"]), ElementsAre("sum"));

  auto listed = run({"bench", "list", "node-app", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  std::vector<std::string> inventory;
  const Json listing = listed.payload();
  for (const auto& s : listing["scenarios"]) inventory.push_back(s.value("id", ""));
  EXPECT_THAT(inventory, ElementsAre("sort", "sum"));
}

TEST_F(RunnerCompat, AFailingWorkloadShowsTheFailureBanner)
{
  fs::path app = install_node_app();
  fs::rename(app / "bench" / "fail.bench.mjs.disabled", app / "bench" / "fail.bench.mjs");
  auto r = run({"bench", "node-app", "--iterations", "2"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out + r.err, HasSubstr("BUILD FAILED: bench-runner.mjs exited with code 1"));
  EXPECT_THAT(r.out + r.err, HasSubstr("workload failed on purpose"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
}

TEST_F(RunnerCompat, APackageWithoutBenchesGivesEmptyResults)
{
  fs::path app = install_node_app();
  fs::remove_all(app / "bench");
  auto r = bench_json({"node-app"});
  EXPECT_TRUE(r.payload()["results"]["scenarios"].empty()) << r.describe();
}

TEST_F(RunnerCompat, EveryRuntimeFileIsExportedBesideThePrelude)
{
  auto r = run({"runtime", "helper", "path", "HOMEBOY_RUNTIME_RUNNER_PRELUDE", "--plain"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  fs::path prelude = r.out.substr(0, r.out.find('\n'));
  fs::path dir = prelude.parent_path();
  for (const char* file : {"runner-prelude.sh", "resolve-context.sh", "failure-trap.sh",
                           "runner-steps.sh", "sidecar-writer.sh", "bash-preflight.sh",
                           "bench-helper.sh", "bench-helper.mjs", "bench-helper.php"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
  }
  for (const char* var : {"HOMEBOY_RUNTIME_RESOLVE_CONTEXT", "HOMEBOY_RUNTIME_FAILURE_TRAP",
                          "HOMEBOY_RUNTIME_RUNNER_STEPS", "HOMEBOY_RUNTIME_SIDECAR_WRITER",
                          "HOMEBOY_RUNTIME_BASH_PREFLIGHT"}) {
    auto p = run({"runtime", "helper", "path", var, "--plain"});
    EXPECT_EQ(p.exit_code, 0) << p.describe();
    EXPECT_EQ(fs::path(p.out.substr(0, p.out.find('\n'))).parent_path(), dir) << var;
  }
}

// The shell side of the original's Rust runner: prelude, steps and failure
// trap, the inventory and results written from payload files by the shell
// helper, the selection honoured by the runner itself.
TEST_F(RunnerCompat, TheRustStyleRunnerListsBenchesAndCompares)
{
  make_extension("rust", "rust_style.sh");
  fs::path crate = work_ / "crate";
  fs::create_directories(crate);
  write_file(crate / "homeboy.json", Json{{"id", "crate"}}.dump());
  ASSERT_EQ(run({"component", "create", "--local-path", crate.string(), "--extension", "rust"}).exit_code, 0);

  auto listed = run({"bench", "list", "crate", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  const Json listing = listed.payload();
  ASSERT_EQ(listing["scenarios"].size(), 2u) << listing.dump(2);
  EXPECT_EQ(listing["scenarios"][0]["id"], "bench-http");
  EXPECT_EQ(listing["scenarios"][0]["source"], "native-bin");
  EXPECT_EQ(listing["scenarios"][1]["file"], "rust-profile");

  auto first = bench_json({"crate", "--iterations", "5", "--baseline"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_THAT(first.err, Not(HasSubstr("is required")));
  const Json results = first.payload()["results"];
  EXPECT_THAT(ids(results), ElementsAre("bench-http", "rust-clean-build"));
  EXPECT_EQ(results["scenarios"][0]["metrics"]["binary_bytes"], 4096);
  EXPECT_EQ(results["scenarios"][0]["memory"]["peak_bytes"], 1048576);
  EXPECT_EQ(results["metadata"]["toolchain"], "stable");

  auto selected = bench_json({"crate", "--iterations", "5", "--scenario", "bench-http"});
  ASSERT_NE(selected.exit_code, 2) << selected.describe();
  EXPECT_THAT(ids(selected.payload()["results"]), ElementsAre("bench-http"));
  EXPECT_EQ(selected.payload()["baseline_comparison"]["scenarios"].size(), 1u);
}

// The original's WordPress runner: prelude with the plugin and project
// aliases, a PHP workload writing through the PHP helper, a metric object
// with `unit` beside its samples.
TEST_F(RunnerCompat, TheWordPressStyleRunnerWritesThroughThePhpHelper)
{
  make_extension("wordpress", "wordpress_style.sh");
  fs::path plugin = work_ / "plugin";
  fs::create_directories(plugin);
  write_file(plugin / "homeboy.json", Json{{"id", "plugin"}}.dump());
  ASSERT_EQ(run({"component", "create", "--local-path", plugin.string(), "--extension", "wordpress"}).exit_code, 0);

  auto r = bench_json({"plugin", "--iterations", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const Json scenario = r.payload()["results"]["scenarios"][0];
  EXPECT_EQ(scenario["id"], "home-page");
  EXPECT_TRUE(scenario["metrics"].contains("p95_ms")) << scenario.dump();
  EXPECT_TRUE(scenario["metrics"].contains("query_count")) << scenario.dump();
  auto listed = run({"bench", "list", "plugin", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_EQ(listed.payload()["scenarios"][0]["id"], "home-page");
}

} // namespace

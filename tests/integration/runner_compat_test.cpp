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

} // namespace

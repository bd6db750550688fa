// `homeboy bench --measure instructions` and `homeboy runtime
// count-instructions`, driven as a user would: an unchanged command compares
// `unchanged` against its baseline run after run, 2 % more work is
// `regressed`, the counter is named, and the bad inputs fail clearly (no
// counter at all, a command that fails under Valgrind, a runner, a bogus
// --measure). Counting under Valgrind needs `valgrind` (scripts/setup
// installs it); HOMEBOY_TEST_NO_PERF=1 keeps the counter the same on every
// machine, and no assertion depends on time.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <cstdlib>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchInstructions : public HomeboyTest
{
protected:
  void SetUp() override
  {
    HomeboyTest::SetUp();
    if (std::system("command -v valgrind >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "valgrind is not installed (scripts/setup installs it)";
    }
  }

  /// `bytes` bytes of 'a': sha256sum's work grows with them, deterministically.
  void write_data(const std::string& name, std::size_t bytes)
  {
    write_file(work_ / name, std::string(bytes, 'a'));
  }

  RunResult bench(std::vector<std::string> args, EnvOverrides env = {})
  {
    env["HOMEBOY_TEST_NO_PERF"] = "1";
    args.insert(args.begin(), {"--measure", "instructions", "--iterations", "3"});
    RunOptions options;
    options.env = env;
    options.timeout = 110s;
    args.insert(args.begin(), "bench");
    args.push_back("--json");
    return run_with(args, options);
  }

  static Json instructions_delta(const Json& payload)
  {
    Json none;
    for (const auto& d : payload["baseline_comparison"]["scenarios"][0]["metric_deltas"]) {
      if (d["name"] == "instructions") return d;
    }
    ADD_FAILURE() << "no instructions delta in " << payload.dump(2);
    return none;
  }
};

TEST_F(BenchInstructions, UnchangedCountsAreUnchangedRunAfterRunAndTwoPercentMoreRegresses)
{
  write_data("data.bin", 200'000);
  auto base = bench({"--exec", "hash=sha256sum data.bin", "--baseline"});
  ASSERT_EQ(base.exit_code, 0) << base.describe();
  Json p = base.payload();
  EXPECT_EQ(p["measure"]["kind"], "instructions");
  EXPECT_EQ(p["measure"]["counter"], "cachegrind (valgrind)");
  const Json& metrics = p["results"]["scenarios"][0]["metrics"];
  auto samples = metrics["distributions"]["instructions"].get<std::vector<double>>();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_GT(samples[0], 1e6) << "sha256sum of 200 kB retires millions of instructions";
  EXPECT_FALSE(metrics.contains("wall_ms")) << "counted, not timed";
  EXPECT_EQ(p["results"]["metric_policies"]["instructions"]["regression_threshold_percent"], 1.0);
  auto shown = show_run(p["persisted_run"]["run_id"]);
  EXPECT_EQ(shown["metadata"]["measure"]["counter"], "cachegrind (valgrind)") << shown.dump(2);

  for (int i = 0; i < 2; ++i) {
    auto again = bench({"--exec", "hash=sha256sum data.bin"});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    Json d = instructions_delta(again.payload());
    EXPECT_EQ(d["verdict"], "unchanged") << d.dump(2);
    EXPECT_LT(std::abs(d["delta_pct"].get<double>()), 0.1) << d.dump(2);
  }

  // 2.1 % more bytes: 2.0 % more instructions.
  write_data("data.bin", 204'200);
  auto more = bench({"--exec", "hash=sha256sum data.bin"});
  EXPECT_EQ(more.exit_code, 1) << more.describe();
  Json d = instructions_delta(more.payload());
  EXPECT_EQ(d["verdict"], "regressed") << d.dump(2);
  EXPECT_GT(d["delta_pct"].get<double>(), 1.5);
  EXPECT_LT(d["delta_pct"].get<double>(), 2.5);
}

TEST_F(BenchInstructions, TheHumanReportNamesTheCounter)
{
  RunOptions options;
  options.env = {{"HOMEBOY_TEST_NO_PERF", "1"}};
  options.timeout = 60s;
  auto r = run_with({"bench", "--measure", "instructions", "--iterations", "2", "--exec",
                     "noop=true"},
                    options);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("Measure: user-space instructions, counted by cachegrind (valgrind)"));
  EXPECT_THAT(r.out, HasSubstr("instructions"));
}

TEST_F(BenchInstructions, NoCounterAtAllIsAClearErrorAndNothingRuns)
{
  auto r = run({"bench", "--measure", "instructions", "--exec", "noop=true"},
               {{"HOMEBOY_TEST_NO_PERF", "1"}, {"HOMEBOY_TEST_NO_VALGRIND", "1"}});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("cannot count instructions on this machine"));
  EXPECT_THAT(r.err, HasSubstr("perf_event_paranoid"));
  EXPECT_THAT(r.err, HasSubstr("apt-get install valgrind"));
  EXPECT_TRUE(list_runs().empty()) << "nothing ran, nothing was recorded";

  auto json = run({"runtime", "count-instructions", "--json", "--", "true"},
                  {{"HOMEBOY_TEST_NO_PERF", "1"}, {"HOMEBOY_TEST_NO_VALGRIND", "1"}});
  EXPECT_EQ(json.exit_code, 2) << json.describe();
  EXPECT_EQ(json.json()["error"]["code"], "measure.counter_unavailable");
}

TEST_F(BenchInstructions, ACommandThatFailsUnderValgrindSaysSo)
{
  RunOptions options;
  options.env = {{"HOMEBOY_TEST_NO_PERF", "1"}};
  options.timeout = 60s;
  auto r = run_with({"bench", "--measure", "instructions", "--iterations", "2", "--exec",
                     "broken=sh -c 'echo cannot open input >&2; exit 3'", "--json"},
                    options);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["passed"], false);
  ASSERT_EQ(p["exec"]["failures"].size(), 1u) << p.dump(2);
  std::string failure = p["exec"]["failures"][0];
  EXPECT_THAT(failure, HasSubstr("exited with code 3 under Valgrind (cachegrind)"));
  EXPECT_THAT(failure, HasSubstr("cannot open input"));
  EXPECT_THAT(failure, HasSubstr("check that the command runs without Valgrind"));

  auto counted = run_with({"runtime", "count-instructions", "--", "sh", "-c",
                           "echo cannot open input >&2; exit 3"},
                          options);
  EXPECT_EQ(counted.exit_code, 1) << counted.describe();
  EXPECT_THAT(counted.err, HasSubstr("exited with code 3 under Valgrind (cachegrind)"));
  EXPECT_THAT(counted.err, HasSubstr("cannot open input"));
}

TEST_F(BenchInstructions, CountInstructionsPrintsTheCountAndTheCounter)
{
  write_data("data.bin", 20'000);
  RunOptions options;
  options.env = {{"HOMEBOY_TEST_NO_PERF", "1"}};
  options.timeout = 60s;
  auto r = run_with({"runtime", "count-instructions", "--json", "--", "sha256sum", "data.bin"},
                    options);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runtime.count-instructions");
  EXPECT_EQ(p["argv"], Json::array({"sha256sum", "data.bin"}));
  ASSERT_TRUE(p["instructions"].is_number_unsigned()) << p.dump(2);
  EXPECT_GT(p["instructions"].get<std::uint64_t>(), 100'000u);
  EXPECT_TRUE(p["cache_misses"].is_null()) << "cachegrind counts no cache misses here";
  EXPECT_EQ(p["counter"], "cachegrind (valgrind)");
  EXPECT_EQ(p["exit_code"], 0);
  EXPECT_EQ(r.out.find("data.bin:"), std::string::npos) << "the command's stdout is not ours";

  auto human = run_with({"runtime", "count-instructions", "--", "sha256sum", "data.bin"}, options);
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_EQ(human.out, std::to_string(p["instructions"].get<std::uint64_t>())
                         + " instructions (cachegrind (valgrind))\n");

  auto none = run({"runtime", "count-instructions"});
  EXPECT_EQ(none.exit_code, 2) << none.describe();
  EXPECT_THAT(none.err, HasSubstr("give the command to count after `--`"));
}

// Not about counting: these need no Valgrind, so they run everywhere.
class BenchMeasureFlag : public HomeboyTest
{
};

TEST_F(BenchMeasureFlag, ARunnerCannotBeCountedAndBogusValuesAreRefused)
{
  make_component("app", "two_scenarios.sh");
  auto runner = run({"bench", "app", "--measure", "instructions"});
  EXPECT_EQ(runner.exit_code, 2) << runner.describe();
  EXPECT_THAT(runner.err, HasSubstr("--measure instructions counts commands homeboy runs itself"));
  EXPECT_THAT(runner.err, HasSubstr("homeboy_bench_measure_instructions"));
  EXPECT_TRUE(list_runs().empty());

  auto bogus = run({"bench", "--measure", "cycles", "--exec", "noop=true"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.describe();
  EXPECT_THAT(bogus.err, HasSubstr("--measure"));
  EXPECT_THAT(bogus.err, HasSubstr("time"));
  EXPECT_THAT(bogus.err, HasSubstr("instructions"));
}

TEST_F(BenchMeasureFlag, RunnersGetTheRunningHomeboyAsHomeboyBin)
{
  fs::path dir = make_component("envc", "env_dump.sh");
  auto r = run({"bench", "envc", "--iterations", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto env = read_env_dump(dir / "env.bin");
  ASSERT_TRUE(env.count("HOMEBOY_BIN")) << "HOMEBOY_BIN is not exported";
  EXPECT_EQ(canonical(env["HOMEBOY_BIN"]), canonical(HB_BINARY));
}

} // namespace

// The command-timing engine of `bench --exec`: word splitting, the shell
// rule, measurement, failures, shuffling, --prepare, cancellation, and the
// results file it writes, read back by the real results parser.

#include "bench/command_timing.hpp"
#include "bench/results/results.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <pthread.h>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace hb;
using namespace hb::bench;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

namespace stdfs = std::filesystem;

std::vector<std::string>
words(std::string_view command)
{
  auto split = split_command(command);
  EXPECT_TRUE(split) << command << ": " << (split ? "" : split.error().message);
  return split ? *split : std::vector<std::string>{};
}

class TempDir
{
public:
  TempDir()
  {
    std::string pattern = (stdfs::temp_directory_path() / "hb-timing-XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  ~TempDir()
  {
    std::error_code ec;
    stdfs::remove_all(m_path, ec);
  }
  const stdfs::path& path() const { return m_path; }

private:
  stdfs::path m_path;
};

TimingOptions
options(std::uint64_t iterations, std::uint64_t warmup = 0)
{
  TimingOptions o;
  o.iterations = iterations;
  o.warmup = warmup;
  return o;
}

std::string
read_file(const stdfs::path& path)
{
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<BenchResults>
parse(const std::string& text)
{
  ParseOptions parse_options;
  parse_options.source_name = "exec results";
  return parse_results(text, parse_options);
}

} // namespace

// ---- split_command ----

TEST(SplitCommand, BlanksSeparateWords)
{
  EXPECT_THAT(words("gzip  -9\t-c   file"), ElementsAre("gzip", "-9", "-c", "file"));
  EXPECT_THAT(words("  true  "), ElementsAre("true"));
}

TEST(SplitCommand, SingleQuotesAreLiteral)
{
  EXPECT_THAT(words(R"(echo 'a  b' 'it''s' '$HOME \n "x"')"),
              ElementsAre("echo", "a  b", "its", R"($HOME \n "x")"));
}

TEST(SplitCommand, DoubleQuotesEscapeOnlyFiveCharacters)
{
  EXPECT_THAT(words(R"(printf "a \"b\" \\ \$x \` \n \q")"),
              ElementsAre("printf", R"(a "b" \ $x ` \n \q)"));
  EXPECT_THAT(words("echo \"one\\\ntwo\""), ElementsAre("echo", "onetwo"));
}

TEST(SplitCommand, BackslashOutsideQuotes)
{
  EXPECT_THAT(words(R"(ls a\ b \'c \\ d\)"), ElementsAre("ls", "a b", "'c", "\\", "d\\"));
  EXPECT_THAT(words("echo a\\\nb"), ElementsAre("echo", "ab"));
}

TEST(SplitCommand, AdjacentPartsJoinAndEmptyQuotesMakeAWord)
{
  EXPECT_THAT(words(R"(x a'b'"c"d '' "")"), ElementsAre("x", "abcd", "", ""));
}

TEST(SplitCommand, UnterminatedQuoteIsAnError)
{
  for (std::string_view command : {"echo 'abc", "echo \"abc", "echo \"abc\\\""}) {
    auto split = split_command(command);
    ASSERT_FALSE(split) << command;
    EXPECT_EQ(split.error().code, "validation.invalid_argument");
    EXPECT_THAT(split.error().message, HasSubstr(std::string(command)));
    EXPECT_THAT(split.error().message, HasSubstr("unterminated"));
  }
}

TEST(SplitCommand, EmptyCommandIsAnError)
{
  for (std::string_view command : {"", "   ", "\t\n"}) {
    auto split = split_command(command);
    ASSERT_FALSE(split);
    EXPECT_EQ(split.error().code, "validation.invalid_argument");
    EXPECT_THAT(split.error().message, HasSubstr("empty"));
  }
}

// ---- needs_shell ----

TEST(NeedsShell, ShellSyntaxNeedsAShell)
{
  for (std::string_view command :
       {"a | b", "a && b", "a; b", "a > out", "a < in", "(a)", "echo $HOME", "echo \"$HOME\"",
        "echo `date`", "ls *.txt", "ls a?", "[ -f x ]", "echo {a,b}", "~/bin/tool",
        "echo x # comment", "! true", "a &", "echo a\nb", "FOO=1 env", "cd /tmp", "export A=1",
        "source env.sh", ". env.sh", "if true", "for x", "while true", "case x", "exec true",
        "eval x", "set -e", "ulimit -n", "umask 022", "alias x=y", "'cd' /tmp", "unset X",
        ":"}) {
    EXPECT_TRUE(needs_shell(command)) << command;
  }
}

TEST(NeedsShell, PlainCommandsRunWithoutAShell)
{
  for (std::string_view command :
       {"true", "sleep 0.02", "gzip -9 -c data.bin", "echo 'a | b; $c *'", "grep -e 'x*' f",
        R"(echo a\|b \$x)", "tool --opt=value", "env FOO=1 true", "'FOO=1' true",
        "echo \"hi there\"", "sh -c 'exit 3'", "printf '%s\\n' x", "test -f x", "cdx",
        "echo 'unterminated"}) {
    EXPECT_FALSE(needs_shell(command)) << command;
  }
}

// ---- time_commands ----

TEST(TimeCommands, TimesTrue)
{
  auto run = time_commands({{"t", "true"}}, options(5, 2));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->commands.size(), 1u);
  const auto& t = run->commands[0];
  EXPECT_EQ(t.name, "t");
  EXPECT_FALSE(t.shell);
  EXPECT_THAT(t.argv, ElementsAre("true"));
  EXPECT_EQ(t.wall_ms.size(), 5u); // warmups are not samples
  EXPECT_EQ(t.user_ms.size(), 5u);
  EXPECT_EQ(t.sys_ms.size(), 5u);
  EXPECT_EQ(t.max_rss_kb.size(), 5u);
  EXPECT_TRUE(t.failures.empty());
  for (double wall : t.wall_ms) {
    EXPECT_GT(wall, 0);
  }
  for (double rss : t.max_rss_kb) {
    EXPECT_GT(rss, 0);
  }
  EXPECT_FALSE(run->cancelled);
}

TEST(TimeCommands, SleepTakesAtLeastItsDuration)
{
  auto run = time_commands({{"sleep", "sleep 0.02"}}, options(3));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->commands[0].wall_ms.size(), 3u);
  for (double wall : run->commands[0].wall_ms) {
    EXPECT_GE(wall, 20.0);
  }
}

TEST(TimeCommands, FailuresAreReportedNotSampled)
{
  auto run = time_commands({{"f", "false"}}, options(3, 1));
  ASSERT_TRUE(run) << run.error().message;
  const auto& f = run->commands[0];
  EXPECT_TRUE(f.wall_ms.empty());
  ASSERT_EQ(f.failures.size(), 4u);
  EXPECT_TRUE(f.failures[0].warmup);
  EXPECT_EQ(f.failures[0].iteration, 1u);
  EXPECT_FALSE(f.failures[1].warmup);
  EXPECT_EQ(f.failures[3].iteration, 3u);
  EXPECT_EQ(f.failures[1].exit_code, 1);
  EXPECT_EQ(f.failures[1].describe(), "exited with code 1");
}

TEST(TimeCommands, ShellCommandFailureKeepsStderrTail)
{
  auto run = time_commands({{"s", "echo oops >&2; exit 3"}}, options(2));
  ASSERT_TRUE(run) << run.error().message;
  const auto& s = run->commands[0];
  EXPECT_TRUE(s.shell);
  EXPECT_THAT(s.argv, ElementsAre("/bin/sh", "-c", "echo oops >&2; exit 3"));
  ASSERT_EQ(s.failures.size(), 2u);
  EXPECT_EQ(s.failures[0].exit_code, 3);
  EXPECT_EQ(s.failures[0].stderr_tail, "oops\n");
  EXPECT_EQ(s.failures[1].stderr_tail, "oops\n"); // emptied between iterations
}

TEST(TimeCommands, StderrTailIsBounded)
{
  auto run = time_commands(
    {{"chatty", "head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2; kill -TERM $$"}},
    options(1));
  ASSERT_TRUE(run) << run.error().message;
  const auto& failures = run->commands[0].failures;
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].signal, SIGTERM);
  EXPECT_FALSE(failures[0].exit_code);
  EXPECT_EQ(failures[0].describe(), "killed by SIGTERM");
  EXPECT_LE(failures[0].stderr_tail.size(), 2048u);
  EXPECT_GT(failures[0].stderr_tail.size(), 1000u);
  EXPECT_THAT(failures[0].stderr_tail, ::testing::EndsWith("xxEND\n"));
}

TEST(TimeCommands, SuccessfulOutputDoesNotBlockOrLeak)
{
  // 1 MB to stdout and stderr per iteration: neither blocks the child.
  auto run = time_commands(
    {{"loud", "sh -c 'head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2'"}}, options(3));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->commands[0].wall_ms.size(), 3u);
  EXPECT_FALSE(run->commands[0].shell);
}

TEST(TimeCommands, IntermittentFailuresOnlyDropThoseIterations)
{
  TempDir dir;
  auto o = options(6);
  o.cwd = dir.path();
  // Fails when the counter it increments is odd: iterations 1, 3, 5.
  auto run = time_commands(
    {{"flaky", "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; "
               "[ $((n % 2)) -eq 0 ]"}},
    o);
  ASSERT_TRUE(run) << run.error().message;
  const auto& flaky = run->commands[0];
  EXPECT_EQ(flaky.wall_ms.size(), 3u);
  ASSERT_EQ(flaky.failures.size(), 3u);
  EXPECT_EQ(flaky.failures[0].iteration, 1u);
  EXPECT_EQ(flaky.failures[1].iteration, 3u);
  EXPECT_EQ(flaky.failures[2].iteration, 5u);
  EXPECT_EQ(read_file(dir.path() / "count"), "6\n");
}

TEST(TimeCommands, MissingProgramIsASpawnError)
{
  auto run = time_commands({{"ok", "true"}, {"nope", "homeboy-no-such-program-xyz --flag"}},
                           options(3));
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, "bench.command_spawn_failed");
  EXPECT_THAT(run.error().message, HasSubstr("`nope`"));
  EXPECT_THAT(run.error().message, HasSubstr("homeboy-no-such-program-xyz"));
  EXPECT_THAT(run.error().message, HasSubstr("not found in PATH"));
  EXPECT_THAT(run.error().message, HasSubstr("--shell"));
}

TEST(TimeCommands, NotExecutableIsASpawnError)
{
  TempDir dir;
  std::ofstream(dir.path() / "script") << "#!/bin/sh\nexit 0\n";
  auto o = options(1);
  o.cwd = dir.path();
  auto run = time_commands({{"s", "./script"}}, o);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, "bench.command_spawn_failed");
  EXPECT_THAT(run.error().message, HasSubstr("Permission denied"));

  // A file the kernel cannot execute fails on its first attempt.
  std::ofstream(dir.path() / "garbage") << "not a program\n";
  stdfs::permissions(dir.path() / "garbage", stdfs::perms::owner_all);
  run = time_commands({{"g", "./garbage"}}, o);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, "bench.command_spawn_failed");
  EXPECT_THAT(run.error().message, HasSubstr("Exec format error"));
}

TEST(TimeCommands, PathComesFromTheChildEnvironment)
{
  TempDir dir;
  stdfs::create_directory(dir.path() / "bin");
  std::ofstream(dir.path() / "bin" / "only-here") << "#!/bin/sh\n[ \"$FOO\" = bar ]\n";
  stdfs::permissions(dir.path() / "bin" / "only-here", stdfs::perms::owner_all);
  auto o = options(2);
  o.env.set("PATH", (dir.path() / "bin").string() + ":/usr/bin:/bin");
  o.env.set("FOO", "bar");
  auto run = time_commands({{"x", "only-here"}}, o);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->commands[0].wall_ms.size(), 2u);
  EXPECT_TRUE(run->commands[0].failures.empty());
}

TEST(TimeCommands, ForceShell)
{
  auto o = options(1);
  o.force_shell = true;
  auto run = time_commands({{"t", "true"}}, o);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->commands[0].shell);
  EXPECT_THAT(run->commands[0].argv, ElementsAre("/bin/sh", "-c", "true"));

  run = time_commands({{"t", "true", /*use_shell=*/true}}, options(1));
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->commands[0].shell);
}

TEST(TimeCommands, InvalidArguments)
{
  EXPECT_EQ(time_commands({}, options(1)).error().code, "validation.invalid_argument");
  EXPECT_EQ(time_commands({{"t", "true"}}, options(0)).error().code,
            "validation.invalid_argument");
  auto dup = time_commands({{"t", "true"}, {"t", "false"}}, options(1));
  ASSERT_FALSE(dup);
  EXPECT_THAT(dup.error().message, HasSubstr("`t`"));
  auto quote = time_commands({{"q", "echo 'x"}}, options(1));
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, "validation.invalid_argument");
  EXPECT_THAT(quote.error().message, HasSubstr("`q`"));
  auto empty = time_commands({{"e", "  "}}, options(1));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "validation.invalid_argument");
}

TEST(TimeCommands, ShuffleIsDeterministicBySeed)
{
  std::vector<TimedCommand> commands = {{"a", "true"}, {"b", "true"}, {"c", "true"}, {"d", "true"}};
  auto first = options(1);
  first.seed = 42;
  auto one = time_commands(commands, first);
  auto two = time_commands(commands, first);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->seed, 42u);
  EXPECT_EQ(one->order_sample.size(), 4u);
  EXPECT_EQ(one->order_sample, two->order_sample);
  // Our own Fisher-Yates over std::mt19937_64: the same order everywhere.
  EXPECT_THAT(one->order_sample, ElementsAre("b", "a", "d", "c"));

  std::set<std::vector<std::string>> orders;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    auto o = options(1);
    o.seed = seed;
    auto run = time_commands(commands, o);
    ASSERT_TRUE(run);
    orders.insert(run->order_sample);
    auto sorted = run->order_sample;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_THAT(sorted, ElementsAre("a", "b", "c", "d"));
  }
  EXPECT_GT(orders.size(), 3u);
}

TEST(TimeCommands, RoundsShuffleIndependently)
{
  // Each round appends its order to a log: every round has every command
  // once, and the rounds are not all in one order.
  TempDir dir;
  auto o = options(12);
  o.cwd = dir.path();
  o.seed = 7;
  std::vector<TimedCommand> commands = {{"a", "sh -c 'echo a >> log'"},
                                        {"b", "sh -c 'echo b >> log'"},
                                        {"c", "sh -c 'echo c >> log'"}};
  auto run = time_commands(commands, o);
  ASSERT_TRUE(run) << run.error().message;
  std::istringstream log(read_file(dir.path() / "log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 36u);
  EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.begin() + 3), run->order_sample);
  std::set<std::string> round_orders;
  for (std::size_t round = 0; round < 12; ++round) {
    std::string order = lines[round * 3] + lines[round * 3 + 1] + lines[round * 3 + 2];
    std::string sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, "abc");
    round_orders.insert(order);
  }
  EXPECT_GT(round_orders.size(), 1u);
}

TEST(TimeCommands, PrepareRunsBeforeEveryIteration)
{
  TempDir dir;
  auto o = options(3, 1);
  o.cwd = dir.path();
  o.prepare = "echo p >> log; touch ready";
  // The command consumes what prepare made, so it fails unless prepare ran
  // right before it.
  auto run = time_commands({{"a", "sh -c 'rm ready && echo a >> log'"},
                            {"b", "sh -c 'rm ready && echo b >> log'"}},
                           o);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->commands[0].failures.empty());
  EXPECT_TRUE(run->commands[1].failures.empty());
  EXPECT_EQ(run->commands[0].wall_ms.size(), 3u);
  std::istringstream log(read_file(dir.path() / "log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 16u); // (1 warmup + 3) rounds x 2 commands x (prepare + command)
  for (std::size_t i = 0; i < lines.size(); i += 2) {
    EXPECT_EQ(lines[i], "p");
    EXPECT_NE(lines[i + 1], "p");
  }
}

TEST(TimeCommands, FailingPrepareStopsTheRun)
{
  auto o = options(3);
  o.prepare = "sh -c 'echo cannot prepare >&2; exit 4'";
  auto run = time_commands({{"t", "true"}}, o);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, "bench.prepare_failed");
  EXPECT_THAT(run.error().message, HasSubstr("exited with code 4"));
  EXPECT_THAT(run.error().message, HasSubstr("cannot prepare"));
  EXPECT_THAT(run.error().message, HasSubstr("`t`"));

  o.prepare = "homeboy-no-such-prepare";
  run = time_commands({{"t", "true"}}, o);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, "bench.command_spawn_failed");
  EXPECT_THAT(run.error().message, HasSubstr("--prepare"));
}

TEST(TimeCommands, CancelBetweenIterations)
{
  int polls = 0;
  auto o = options(100);
  o.should_cancel = [&] { return ++polls > 5; };
  auto run = time_commands({{"t", "true"}}, o);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->cancelled);
  EXPECT_EQ(run->commands[0].wall_ms.size(), 5u);
}

TEST(TimeCommands, InterruptStopsARunningChild)
{
  install_interrupt_handlers();
  auto o = options(3);
  o.should_cancel = [] { return interrupt_signal() != 0; };
  pthread_t main_thread = pthread_self();
  std::thread interrupter([main_thread] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    pthread_kill(main_thread, SIGINT);
  });
  auto start = std::chrono::steady_clock::now();
  auto run = time_commands({{"long", "sleep 10"}}, o);
  auto elapsed = std::chrono::steady_clock::now() - start;
  interrupter.join();
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->cancelled);
  EXPECT_TRUE(run->commands[0].wall_ms.empty());
  EXPECT_TRUE(run->commands[0].failures.empty()); // a cancelled iteration is no failure
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

// ---- timing_results_json ----

TEST(TimingResultsJson, TheResultsParserAcceptsIt)
{
  auto o = options(8, 1);
  o.seed = 3;
  auto run = time_commands({{"true", "true"}, {"sleep", "sleep 0.001"}}, o);
  ASSERT_TRUE(run) << run.error().message;
  std::string text = timing_results_json(*run, o, 7.5);
  auto results = parse(text);
  ASSERT_TRUE(results) << results.error().message << "\n" << text;
  EXPECT_TRUE(results->passed());
  EXPECT_EQ(results->component_id, "exec");
  EXPECT_EQ(results->iterations, 8u);
  ASSERT_EQ(results->scenarios.size(), 2u);
  const Scenario& t = results->scenarios[0];
  EXPECT_EQ(t.id, "true");
  EXPECT_EQ(t.iterations, 8u);
  for (auto name : {"wall_ms", "mean_ms", "median_ms", "p95_ms", "min_ms", "max_ms", "stddev_ms",
                    "user_ms", "sys_ms", "max_rss_kb", "failed_iterations"}) {
    EXPECT_NE(t.metric(name), nullptr) << name;
  }
  EXPECT_EQ(*t.metric("wall_ms"), *t.metric("median_ms"));
  EXPECT_EQ(*t.metric("failed_iterations"), 0);
  EXPECT_LE(*t.metric("min_ms"), *t.metric("median_ms"));
  EXPECT_LE(*t.metric("median_ms"), *t.metric("p95_ms"));
  EXPECT_LE(*t.metric("p95_ms"), *t.metric("max_ms"));
  for (auto name : {"wall_ms", "user_ms", "sys_ms", "max_rss_kb"}) {
    ASSERT_NE(t.samples(name), nullptr) << name;
    EXPECT_EQ(t.samples(name)->size(), 8u);
  }
  EXPECT_EQ(*t.samples("wall_ms"), run->commands[0].wall_ms);
  const MetricPolicy* policy = results->policy("wall_ms");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->direction, Direction::lower_is_better);
  EXPECT_TRUE(policy->variance_aware);
  EXPECT_EQ(policy->effective_test(), RegressionTest::mann_whitney_u);
  EXPECT_EQ(policy->threshold_percent, 7.5);
  ASSERT_EQ(results->gate_results.size(), 2u);
  EXPECT_TRUE(results->gate_results[0].passed);
  EXPECT_EQ(results->gate_results[0].metric, "failed_iterations");
  const Json& doc = *results->document;
  EXPECT_EQ(doc["run_metadata"]["seed"], 3);
  EXPECT_EQ(doc["run_metadata"]["order_sample"].size(), 2u);
  EXPECT_EQ(doc["scenarios"][0]["metadata"]["argv"][0], "true");
}

TEST(TimingResultsJson, FailuresFailTheBenchThroughAGate)
{
  auto o = options(4);
  auto run = time_commands({{"ok", "true"}, {"bad", "sh -c 'echo broken >&2; exit 2'"}}, o);
  ASSERT_TRUE(run) << run.error().message;
  std::string text = timing_results_json(*run, o, 5);
  auto results = parse(text);
  ASSERT_TRUE(results) << results.error().message << "\n" << text;
  EXPECT_FALSE(results->passed());
  EXPECT_TRUE(results->scenarios[0].passed);
  const Scenario& bad = results->scenarios[1];
  EXPECT_FALSE(bad.passed);
  EXPECT_EQ(bad.metric("wall_ms"), nullptr); // zero successes: no timing metrics
  EXPECT_EQ(*bad.metric("failed_iterations"), 4);
  ASSERT_EQ(bad.failure_reasons.size(), 1u);
  EXPECT_THAT(bad.failure_reasons[0], HasSubstr("failed_iterations lte 0 (actual 4)"));
  ASSERT_EQ(results->budget_findings.size(), 1u);
  EXPECT_EQ(results->budget_findings[0].rule, "bench.gate.failed_iterations");
  EXPECT_EQ(results->budget_findings[0].scenario_id, "bad");
  EXPECT_TRUE(results->budget_findings[0].fails_run);
  const Json& failures = (*results->document)["scenarios"][1]["metadata"]["failures"];
  ASSERT_EQ(failures.size(), 4u);
  EXPECT_EQ(failures[0]["exit_code"], 2);
  EXPECT_EQ(failures[0]["description"], "exited with code 2");
  EXPECT_EQ(failures[0]["stderr_tail"], "broken\n");
}

TEST(TimingResultsJson, PartialFailuresKeepTheirSamplesAndStillFail)
{
  TempDir dir;
  auto o = options(4);
  o.cwd = dir.path();
  auto run = time_commands(
    {{"flaky", "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; "
               "[ $n -ne 2 ]"}},
    o);
  ASSERT_TRUE(run) << run.error().message;
  auto results = parse(timing_results_json(*run, o, 5));
  ASSERT_TRUE(results) << results.error().message;
  EXPECT_FALSE(results->passed());
  EXPECT_EQ(results->scenarios[0].samples("wall_ms")->size(), 3u);
  EXPECT_EQ(*results->scenarios[0].metric("failed_iterations"), 1);
}

TEST(TimingResultsJson, StatisticsMatchTheSamples)
{
  TimingRun run;
  run.seed = 1;
  CommandTiming timing;
  timing.name = "fixed";
  timing.command = "true";
  timing.argv = {"true"};
  timing.wall_ms = {4, 1, 3, 2, 10};
  timing.user_ms = {1, 1, 1, 1, 2};
  timing.sys_ms = {0, 0, 0, 0, 5};
  timing.max_rss_kb = {100, 300, 200, 100, 100};
  run.commands.push_back(timing);
  auto o = options(5);
  auto results = parse(timing_results_json(run, o));
  ASSERT_TRUE(results) << results.error().message;
  const Scenario& s = results->scenarios[0];
  EXPECT_DOUBLE_EQ(*s.metric("mean_ms"), 4.0);
  EXPECT_DOUBLE_EQ(*s.metric("median_ms"), 3.0);
  EXPECT_DOUBLE_EQ(*s.metric("wall_ms"), 3.0);
  EXPECT_DOUBLE_EQ(*s.metric("p95_ms"), 4 + 0.8 * 6); // R-7: rank 3.8 of [1,2,3,4,10]
  EXPECT_DOUBLE_EQ(*s.metric("min_ms"), 1.0);
  EXPECT_DOUBLE_EQ(*s.metric("max_ms"), 10.0);
  EXPECT_DOUBLE_EQ(*s.metric("stddev_ms"), std::sqrt(50.0 / 4));
  EXPECT_DOUBLE_EQ(*s.metric("user_ms"), 1.2);
  EXPECT_DOUBLE_EQ(*s.metric("sys_ms"), 1.0);
  EXPECT_DOUBLE_EQ(*s.metric("max_rss_kb"), 300.0);
  EXPECT_THAT(*s.samples("wall_ms"), ElementsAre(4, 1, 3, 2, 10));
}

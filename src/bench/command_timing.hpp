#pragma once
// The command-timing engine behind `homeboy bench --exec NAME=COMMAND`: runs
// each command many times, shell-less when it can, in shuffled round-robin
// order, and measures every iteration (wall, user and system time, peak RSS).
// timing_results_json turns the measurements into an ordinary results file
// (compat.md "Results file"), so baselines, comparison and gates treat an
// --exec bench like any runner's.
//
// Children are started with posix_spawn directly, not util/process's
// run_process: a supervisor thread, pipes and a pidfd cost more than `true`
// itself. Each child gets /dev/null as stdin and stdout, and its stderr goes
// to an in-memory file that is emptied after every iteration; its last 2 KB
// are kept when the iteration fails. Each child runs in its own process group
// (POSIX_SPAWN_SETPGROUP), so a Ctrl-C in the terminal reaches only homeboy,
// not the command as well: homeboy decides what happens to the iteration.
//
// With `--measure instructions` (TimingOptions::counter) each iteration
// counts the command's user-space instructions instead (measure/
// instruction_counter.hpp), in the same shuffled rounds.

#include "bench/results/policy.hpp"
#include "measure/instruction_counter.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::bench {

/// Splits a command into words the way a POSIX shell would, for commands run
/// without one: blanks (space, tab, newline) separate words; '...' is literal;
/// inside "..." a backslash escapes only " \ $ ` and newline (and is kept
/// before anything else); outside quotes a backslash makes the next character
/// literal, and backslash-newline is removed. Quoted parts join adjacent text
/// into one word, and '' is an empty word. No expansion of any kind happens.
/// An empty command or an unterminated quote is `validation.invalid_argument`
/// naming the command.
Result<std::vector<std::string>> split_command(std::string_view command);

/// Whether `command` must run through /bin/sh -c because it uses syntax
/// split_command does not emulate. Conservative: true when, outside single
/// quotes and not backslash-escaped, it contains any of
///   | & ; < > ( ) $ ` * ? [ ] { } ~ # !
/// or when it contains a newline, when its first word is an assignment
/// (NAME=value), or when its first word is a shell builtin or keyword that has
/// no program of its own (cd, export, source, ., if, for, while, case, exec,
/// eval, set, ulimit, umask, alias, ...). A command with an unterminated quote
/// needs no shell by this rule, so that split_command reports it.
bool needs_shell(std::string_view command);

struct TimedCommand
{
  std::string name;    // the scenario id
  std::string command;
  bool use_shell = false; // force /bin/sh -c for this command
};

struct TimingOptions
{
  std::uint64_t iterations = 10; // measured rounds, at least 1
  std::uint64_t warmup = 0;      // unmeasured rounds before them
  /// Run before each iteration (warmup included) of each command, untimed,
  /// by the same shell rule as the commands. A prepare command that fails
  /// stops the run with `bench.prepare_failed`.
  std::optional<std::string> prepare;
  bool force_shell = false; // --shell: every command via /bin/sh -c
  std::filesystem::path cwd; // empty: ours
  /// The children's environment; PATH in it is where programs are looked up.
  Environment env = Environment::current();
  std::uint64_t seed = 0; // for the shuffle; the caller picks and prints it
  /// Polled before every child is started, and when a signal interrupts the
  /// wait for one (install_interrupt_handlers makes SIGINT do that): then the
  /// running child's process group gets SIGTERM (SIGKILL on a second
  /// interruption), its iteration is discarded and the run ends cancelled.
  std::function<bool()> should_cancel;
  /// The process group every child is started in, so that none outlives
  /// homeboy (util/group_guard); null: one of the run's own.
  GroupGuard* group = nullptr;
  /// --measure instructions: count each iteration's instructions with this
  /// counter instead of timing it; unset: time it.
  std::optional<measure::Counter> counter;
  /// Called before each iteration of each command (name, 1-based iteration
  /// within its warmup or measured rounds, warmup or not): progress only.
  std::function<void(const std::string&, std::uint64_t, bool)> on_iteration;
};

struct IterationFailure
{
  std::uint64_t iteration = 0; // 1-based, counted within warmup or measured rounds
  bool warmup = false;
  std::optional<int> exit_code; // when it exited non-zero
  std::optional<int> signal;    // when a signal ended it
  std::string stderr_tail;      // the last 2 KB of its stderr
  std::string under;            // "under Valgrind (cachegrind)" when counted so

  /// "exited with code 3", "killed by SIGSEGV", then `under` if any.
  std::string describe() const;
};

struct CommandTiming
{
  std::string name;
  std::string command;
  std::vector<std::string> argv; // what was executed (/bin/sh -c ... for a shell)
  bool shell = false;
  // One entry per successful measured iteration, in the order they ran.
  std::vector<double> wall_ms;
  std::vector<double> user_ms;
  std::vector<double> sys_ms;
  std::vector<double> max_rss_kb;
  // --measure instructions: these instead of the four above.
  std::vector<double> instructions;
  std::vector<double> cache_misses; // perf_event only, where it opens
  std::vector<IterationFailure> failures; // warmup and measured

  /// The successful measured iterations.
  std::size_t successful() const { return wall_ms.size() + instructions.size(); }
};

struct TimingRun
{
  std::vector<CommandTiming> commands; // in the order given
  std::uint64_t seed = 0;
  std::vector<std::string> order_sample; // command names in the first round's order
  bool cancelled = false;
};

/// Runs `options.warmup` then `options.iterations` rounds; each round runs
/// every command once, in a fresh permutation drawn with std::mt19937_64(seed)
/// (our own Fisher-Yates, so a seed means the same order on every platform).
/// A command runs through /bin/sh -c when force_shell, its use_shell or
/// needs_shell(command) says so; otherwise it is split and executed directly,
/// its program looked up once in the PATH of `options.env`.
///
/// Wall time is CLOCK_MONOTONIC from just before posix_spawn to the return of
/// wait4; user/system time and peak RSS come from wait4's rusage. An
/// iteration that exits non-zero or is killed becomes an IterationFailure and
/// adds no samples. Errors: `validation.invalid_argument` (no commands,
/// duplicate or empty names, zero iterations, a command that does not split),
/// `bench.command_spawn_failed` (a program that is not found or cannot be
/// executed: found before anything runs), `bench.prepare_failed`.
Result<TimingRun> time_commands(const std::vector<TimedCommand>& commands,
                                const TimingOptions& options);

/// The run as a results file (compat.md "Results file") that
/// parse_results accepts: one scenario per command (id = name) with metrics
/// wall_ms (= median), mean_ms, median_ms, p95_ms, min_ms, max_ms, stddev_ms
/// (sample), user_ms and sys_ms (means), max_rss_kb (max), failed_iterations,
/// and distributions of wall_ms, user_ms, sys_ms and max_rss_kb; a
/// metric policy making wall_ms lower-is-better, variance-aware, compared with
/// Mann-Whitney U at `threshold_percent`. Every scenario carries the gate
/// `failed_iterations lte 0`, so a failing command fails the bench through
/// the ordinary gate machinery; the failures themselves are listed in the
/// scenario's metadata (command, argv, shell, successful_iterations,
/// failures[{iteration, warmup, exit_code|signal, description, stderr_tail}]).
/// A command without successful iterations has no timing metrics at all.
/// The seed, warmup, prepare command and first round's order go to
/// run_metadata.
///
/// Counted (options.counter): the metrics are `instructions` (the median)
/// and `cache_misses` (the median, where the counter gave them), with their
/// distributions, and failed_iterations; `instructions` is lower-is-better,
/// compared by the point test at 1 %, `cache_misses` at 10 %
/// (counted_metric_policy), and run_metadata.measure names the counter.
std::string timing_results_json(const TimingRun& run, const TimingOptions& options,
                                 double threshold_percent = 5.0,
                                 std::string_view component_id = "exec");

/// The default policy of a counted metric: lower is better, the point test on
/// the median (the metric's value), beyond 1 % for `instructions` and 10 %
/// for `cache_misses`. A count barely moves with load, so such a change is
/// real; nullopt for other names.
std::optional<MetricPolicy> counted_metric_policy(std::string_view metric);

} // namespace hb::bench

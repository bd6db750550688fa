#pragma once
// Counts the user-space instructions a command retires: a measure that the
// machine's load, frequency and caches barely move, unlike its time
// (docs/bench.md "Counting instructions"). Two counters, tried in order:
// the CPU's own counter through perf_event_open, where the kernel exposes
// the PMU and perf_event_paranoid allows it, else Valgrind's cachegrind,
// which simulates the CPU and counts exactly but runs the command 20-50x
// slower. This layer knows nothing of benches: bench, app and cli use it.

#include "util/error.hpp"
#include "util/process.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {
class GroupGuard;
}

namespace hb::measure {

enum class Counter { perf_event, cachegrind };

/// "perf_event (hardware)" or "cachegrind (valgrind)": the name reports and
/// results files use.
const char* counter_name(Counter counter);

/// The counter this machine offers: perf_event when a hardware instruction
/// counter opens for this process (HOMEBOY_TEST_NO_PERF=1 pretends it does
/// not), else cachegrind when `valgrind` is in PATH
/// (HOMEBOY_TEST_NO_VALGRIND=1 pretends it is not). Neither: the error
/// `measure.counter_unavailable`, naming both remedies.
Result<Counter> select_counter();

struct CountRequest
{
  std::vector<std::string> argv; // argv[0] is looked up in our PATH
  std::filesystem::path cwd;     // empty: ours
  Environment env = Environment::current();
  /// Polled while the command runs; true stops it (the count is cancelled).
  std::function<bool()> should_cancel;
  /// The process group the command starts in; null: one of its own.
  GroupGuard* group = nullptr;
};

struct InstructionCount
{
  std::uint64_t instructions = 0;
  std::optional<std::uint64_t> cache_misses; // perf_event only, where it opens
  Counter counter = Counter::cachegrind;
  std::optional<int> exit_code; // when the command exited
  std::optional<int> signal;    // when a signal ended it
  bool cancelled = false;
  std::string stderr_tail; // the last 2 KB the command wrote to stderr

  /// Whether the command exited with code 0 (the count is only meaningful then).
  bool succeeded() const { return !cancelled && exit_code && *exit_code == 0; }
  /// "exited with code 3", "killed by SIGSEGV".
  std::string describe() const;
};

/// Runs the command once under `counter` with stdin and stdout on /dev/null
/// and returns what it counted and how the command ended; a non-zero exit is
/// not an error here (command_failed_error describes it). Errors: the command
/// cannot be started (`measure.spawn_failed`), the counter cannot be opened,
/// or cachegrind wrote no output it can read (`measure.count_failed`).
Result<InstructionCount> count_instructions(const CountRequest& request, Counter counter);

/// `measure.command_failed` for a count whose command did not succeed: names
/// the counter ("under Valgrind's cachegrind"), the exit code or signal and
/// the stderr tail, and suggests checking that `command` runs without it.
Error command_failed_error(const InstructionCount& count, std::string_view command);

/// The instructions (event `Ir`) of one cachegrind output file: its
/// `summary:` line, at the position of Ir among the `events:`. Errors
/// (`measure.count_failed`): no events line, no Ir event, no summary line, or
/// a summary that is not a count.
Result<std::uint64_t> parse_cachegrind_output(std::string_view text);

} // namespace hb::measure

#pragma once
// The live progress line of `homeboy bench` on a terminal (docs/bench.md,
// Progress): which invocation, scenario and iteration, the elapsed time and
// an estimate of what is left, redrawn every quarter second on stderr and
// kept off the runner's output, which also goes to stderr. Off when stderr
// is not a terminal and with --json.

#include "app/bench_service.hpp"
#include "util/progress_line.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace hb::cli {

/// What the line knows, fed by the bench's events; pure data.
struct BenchProgressState
{
  std::string label;
  std::uint64_t invocation = 0; // 0: not started
  std::uint64_t invocations = 1;
  std::int64_t invocation_started_ms = 0;
  std::string scenario;
  std::uint64_t iteration = 0;
  std::uint64_t iterations = 0;
};

/// Applies one bench event at time `now_ms` (ms since the bench started).
void apply_progress(BenchProgressState& state, const app::BenchProgress& event, std::int64_t now_ms);
/// Takes the scenario from a runner's progress line on stderr (the runtime
/// helpers' format: "<scenario> [<run>] MM:SS ..."); false when `line` is
/// not one.
bool apply_runner_line(BenchProgressState& state, std::string_view line);
/// The figures to render at `now_ms`: the ETA from the invocations done
/// (--runs N) and the iterations of the current one, when known.
ProgressFigures progress_figures(const BenchProgressState& state, std::int64_t now_ms);

/// The line on stderr for one bench: hand its callbacks to the request.
class BenchProgressDisplay
{
public:
  /// `enabled`: draw the line (stderr is a terminal and the output is not
  /// JSON); disabled, output is only passed through.
  BenchProgressDisplay(std::string label, bool enabled);
  ~BenchProgressDisplay();
  BenchProgressDisplay(const BenchProgressDisplay&) = delete;
  BenchProgressDisplay& operator=(const BenchProgressDisplay&) = delete;

  /// Sets request.on_progress and request.on_runner_output to this display.
  void attach(app::BenchRequest& request);
  /// Erases the line for good (before the report is printed).
  void finish();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace hb::cli

#pragma once
// The human bench report: a table per scenario with baseline, current, delta
// and verdict, then gate failures, the verdict line and where the run is.

#include "app/bench_service.hpp"
#include "cli/output.hpp"

#include <string>

namespace hb::cli {

std::string render_bench_report(const app::BenchReport& report, bool colour);
/// Prints a bench report (human, `single`, or `comparison_summary` with
/// --json-summary; --output always gets `single`) and a failure on stderr;
/// returns the exit code.
int emit_bench_report(const app::BenchReport& report, const OutputOptions& output,
                      bool json_summary);
std::string render_scenario_list(const app::ScenarioList& list);

} // namespace hb::cli

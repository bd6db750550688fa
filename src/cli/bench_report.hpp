#pragma once
// The human bench report: a table per scenario with baseline, current, delta
// and verdict, then gate failures, the verdict line and where the run is.

#include "app/bench_service.hpp"

#include <string>

namespace hb::cli {

std::string render_bench_report(const app::BenchReport& report, bool colour);
std::string render_scenario_list(const app::ScenarioList& list);

} // namespace hb::cli

#pragma once
// `homeboy bench --rig ...` and the comparison's human report
// (cmd_bench_rig.cpp); cmd_bench.cpp registers the options and dispatches.

#include "app/bench/compare_arms.hpp"
#include "app/bench_service.hpp"
#include "cli/output.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hb::cli {

struct RigArgs
{
  std::vector<std::string> rigs;        // --rig a,b (split on commas)
  std::uint64_t rig_concurrency = 1;
  std::string report;                   // --report side-by-side
  bool ignore_default_baseline = false;
  bool interleave = false;
  std::uint64_t rounds = 0;
};

/// Registers --rig, --rig-concurrency, --report, --ignore-default-baseline,
/// --interleave and --rounds on `bench`.
void add_rig_options(CLI::App* bench, RigArgs& args);
/// True when the invocation names a rig or asks for a comparison option.
bool wants_rig_bench(const RigArgs& args);
/// Runs the rig bench and prints its report; returns the exit code.
int run_bench_rig(const RigArgs& args, const app::BenchRequest& request,
                  const OutputOptions& output, bool json_summary);
/// Prints a comparison (human: the side-by-side table, or the Markdown
/// report with --report side-by-side; JSON: the `comparison` envelope);
/// returns the exit code.
int emit_comparison(const app::ComparisonReport& report, const OutputOptions& output,
                    bool json_summary, bool markdown);

} // namespace hb::cli

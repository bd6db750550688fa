#pragma once
// `homeboy bench --rig <id>[,<id>...]`: the rig stage of the bench pipeline.
// Loads each rig, expands its bench defaults (default_component,
// default_baseline_rig, warmup_iterations), runs its check first (a failing
// check aborts before anything is measured; the check is recorded as a
// `kind=rig` run), snapshots its components, and pins the bench to it: one
// rig runs `homeboy bench` (fanning out across bench.components), several
// run a comparison (compare_arms.hpp).

#include "app/bench/compare_arms.hpp"
#include "app/bench_service.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

struct RigBenchRequest
{
  BenchRequest bench;                 // component optional (a rig's default)
  std::vector<std::string> rig_ids;   // --rig a,b as given
  bool ignore_default_baseline = false;
  std::uint64_t rig_concurrency = 1;
  bool interleave = false;
  std::uint64_t rounds = 0;
};

/// What a rig bench produced: one report (one rig, one component), one
/// merged report of a bench.components fan-out (scenarios suffixed
/// `:c<component>`, each component recorded as its own run), or a
/// comparison of several rigs.
struct RigBenchOutcome
{
  std::optional<BenchReport> single;
  /// Fan-out: each component's own report, in bench.components order.
  std::vector<BenchReport> components;
  std::optional<ComparisonReport> comparison;
  /// Sentences for the reader (the default baseline rig's expansion, ...).
  std::vector<std::string> notes;
};

/// Runs a rig-pinned bench. An error means nothing was measured: unknown or
/// malformed rig, a rig named twice, no component, a failing check.
Result<RigBenchOutcome> run_rig_bench(const RigBenchRequest& request);

/// `bench list --rig <id>`: the scenarios of the rig's checkout of the
/// component (given, or the rig's bench.default_component), with the rig's
/// workloads passed to the runner as a bench would. A rig whose
/// bench.components name several components and no component given lists
/// each one's scenarios suffixed `:c<component>`. Nothing is checked or
/// recorded: listing runs no workload code.
Result<ScenarioList> list_rig_scenarios(const BenchRequest& bench, const std::string& rig_id);

/// The fan-out's reports merged into one single-run report: scenarios of
/// component c renamed `<id>:c<c>`, exit code the first non-zero, passed
/// when all passed.
BenchReport merge_component_reports(const std::vector<BenchReport>& reports,
                                    const std::vector<std::string>& component_ids);

} // namespace hb::app

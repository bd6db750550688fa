#pragma once
// run_against: set_up + run_prepare (against.hpp), then the two trees as
// the two arms of one interleaved comparison (app/bench/compare_arms.hpp),
// the ref's tree the reference, the comparison word "against".

#include "app/against/against.hpp"
#include "app/bench/compare_arms.hpp"

namespace hb::app::against {

/// The whole of `bench --against`. An error means nothing was timed (not a
/// repository, unknown ref, dirty cached worktree, failed prepare, bad
/// arguments); the prepare steps' and runners' output goes to
/// request.bench.on_runner_output. The report's exit code gates on
/// `regressed` as `homeboy bench` does; its notes say which trees were
/// compared, and each arm's rig_state is the tree's {sha, branch, path, tree}.
Result<ComparisonReport> run_against(const AgainstRequest& request);

} // namespace hb::app::against

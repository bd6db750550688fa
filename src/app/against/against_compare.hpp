#pragma once
// run_against: set_up + run_prepare (against.hpp), then the two trees as
// the two arms of one interleaved comparison (app/bench/compare_arms.hpp),
// the ref's tree the reference, the comparison word "against".

#include "app/against/against.hpp"
#include "util/json.hpp" // only cmd_bench_against.cpp includes this header

namespace hb::app::against {

struct AgainstOutcome
{
  Json payload;      // the comparison envelope's payload, with `against` added
  int exit_code = 0; // gates on `regressed` as `homeboy bench` does
};

/// The whole of `bench --against`. An error means nothing was timed (not a
/// repository, unknown ref, dirty cached worktree, failed prepare, bad
/// arguments); `on_output` receives the prepare steps' and runners' output.
Result<AgainstOutcome> run_against(const AgainstRequest& request);

} // namespace hb::app::against

// What the group guard (util/group_guard) adds to every bench and every
// registry command: creating the guard (socketpair + fork) and disarming it
// (a byte, the guard's exit, waitpid), next to what a child costs anyway
// (run_process of /bin/true), measured side by side in one binary.

#include "util/group_guard.hpp"
#include "util/process.hpp"

#include <benchmark/benchmark.h>

namespace {

void
BM_GroupGuardCreateAndDisarm(benchmark::State& state)
{
  for (auto _ : state) {
    auto guard = hb::GroupGuard::create();
    benchmark::DoNotOptimize(guard->pgid());
  }
}

void
BM_RunTrue(benchmark::State& state)
{
  hb::GroupGuard shared;
  const bool own_guard = state.range(0) == 1;
  for (auto _ : state) {
    hb::SpawnSpec spec;
    spec.argv = {"/bin/true"};
    spec.group = own_guard ? nullptr : &shared;
    auto result = hb::run_process(spec);
    benchmark::DoNotOptimize(result->exit_code);
  }
  state.SetLabel(own_guard ? "a guard per child" : "one guard for all children");
}

} // namespace

BENCHMARK(BM_GroupGuardCreateAndDisarm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RunTrue)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

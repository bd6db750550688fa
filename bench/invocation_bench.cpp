// What invocation isolation (src/invocation/) adds to each bench child:
// acquiring an invocation (root check, lease under the index flock with an
// fsync'd atomic write, three mkdirs), with and without a bind-probed port
// range, then preserving an empty artifact dir and releasing it. The issue's
// budget is 2 ms per bench child (bench/RESULTS.md).

#include "invocation/invocation.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <stdlib.h>

namespace {

void
BM_InvocationAcquireAndRelease(benchmark::State& state)
{
  char tmpl[] = "/tmp/hbibXXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  hb::invocation::Options options;
  options.config_root = dir / "config";
  options.root_inputs = hb::invocation::RootInputs{};
  options.root_inputs.override_dir = (dir / "inv").string();
  options.request.port_range_size = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    hb::invocation::IndexNotes notes;
    auto inv = hb::invocation::Invocation::acquire(options, notes);
    if (!inv) {
      state.SkipWithError(inv.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(inv->env());
    auto kept = inv->preserve(dir / "run" / "invocations");
    benchmark::DoNotOptimize(kept);
    inv->release();
  }
  state.SetLabel(state.range(0) ? "with a bind-probed port range" : "dirs and lease only");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

} // namespace

BENCHMARK(BM_InvocationAcquireAndRelease)->Arg(0)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

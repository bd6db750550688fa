#pragma once
// A bench queued as a registry run (the daemon's POST /api/v1/bench, the
// Studio's new-run form): the recipe of a run that executes this homeboy's
// `bench` with the chosen component, rigs, scenarios and iterations. The
// bench it runs records its own run and announces it to the queued one
// (an event `produced`), so a client can follow from the one to the other.

#include "model/paths.hpp"
#include "registry/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb::registry {

struct BenchJob
{
  std::string component;
  std::vector<std::string> rigs;
  std::vector<std::string> scenarios;
  std::optional<std::uint64_t> iterations;
  std::optional<std::uint64_t> runs; // --runs N sessions
  bool save_baseline = false;        // --baseline
  std::string timeout;               // the queued run's --timeout ("2h"); empty: none
};

/// Checks the job against the config (the component is registered, each
/// rig exists, iterations 1..100000, runs 1..1000, no baseline with several
/// rigs) and returns the recipe: kind `bench-job`, cwd the component's
/// directory, argv `homeboy bench COMPONENT [--rig a,b] [--scenario s]...`.
/// Errors are `validation.*` or `component.not_found` / `rig.not_found`.
Result<Recipe> bench_job_recipe(const Paths& paths, const BenchJob& job);

} // namespace hb::registry

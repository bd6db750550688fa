// bench_job_recipe: what the API queues for "run this bench". The checks
// mirror `homeboy bench`'s own so a bad request fails at submit time, not
// minutes later in a worker.

#include "registry/bench_job.hpp"
#include "model/component.hpp"
#include "registry/registry.hpp"
#include "rig/rig.hpp"

#include <fmt/format.h>

namespace hb::registry {

Result<Recipe>
bench_job_recipe(const Paths& paths, const BenchJob& job)
{
  if (job.component.empty()) {
    return make_error("validation.missing_field", "a bench needs \"component\": a registered component id");
  }
  // Registered components only: the daemon has no project directory.
  auto component = load_component(paths, job.component, std::filesystem::path("/"));
  if (!component) return Unexpected(component.error());
  for (const auto& id : job.rigs) {
    if (auto spec = rig::load(paths, id); !spec) return Unexpected(spec.error());
  }
  if (job.iterations && (*job.iterations < 1 || *job.iterations > 100000)) {
    return make_error("validation.invalid_argument",
                      fmt::format("\"iterations\" must be 1 to 100000, not {}", *job.iterations));
  }
  if (job.runs && (*job.runs < 1 || *job.runs > 1000)) {
    return make_error("validation.invalid_argument",
                      fmt::format("\"runs\" must be 1 to 1000, not {}", *job.runs));
  }
  if (job.save_baseline && job.rigs.size() > 1) {
    return make_error("validation.invalid_argument",
                      "\"baseline\": a cross-rig comparison saves no baseline; pick one rig");
  }
  auto program = homeboy_program();
  if (!program) return Unexpected(program.error());
  std::vector<std::string> argv = {*program, "bench", job.component};
  if (!job.rigs.empty()) {
    std::string joined;
    for (const auto& id : job.rigs) joined += (joined.empty() ? "" : ",") + id;
    argv.insert(argv.end(), {"--rig", joined});
  }
  for (const auto& s : job.scenarios) argv.insert(argv.end(), {"--scenario", s});
  if (job.iterations) argv.insert(argv.end(), {"--iterations", std::to_string(*job.iterations)});
  if (job.runs) argv.insert(argv.end(), {"--runs", std::to_string(*job.runs)});
  if (job.save_baseline) argv.push_back("--baseline");

  RecipeOptions options;
  options.kind = "bench-job";
  options.name = fmt::format("bench {}", job.component);
  options.cwd = component->local_path.string();
  options.timeout = job.timeout;
  auto recipe = make_recipe(options, argv);
  if (!recipe) return Unexpected(recipe.error());
  if (auto ok = validate(*recipe); !ok) return Unexpected(ok.error());
  return recipe;
}

} // namespace hb::registry

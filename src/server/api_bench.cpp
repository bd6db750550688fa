// The API's new-run form: the scope it offers (GET /api/v1/scope) and a
// bench queued as a run for the daemon's worker (POST /api/v1/bench).

#include "app/scope/scope_tree.hpp"
#include "registry/bench_job.hpp"
#include "registry/registry.hpp"
#include "server/api_internal.hpp"

#include <fmt/core.h>

namespace hb::server::detail {

namespace {

/// `key` as a positive integer (absent: nullopt).
Result<std::optional<std::uint64_t>>
count(const Json& body, const char* key)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::uint64_t>();
  if (!it->is_number_unsigned()) {
    return make_error("validation.invalid_type",
                      fmt::format("`{}` must be a positive whole number, not {}", key, json_type_name(*it)));
  }
  return std::optional<std::uint64_t>(it->get<std::uint64_t>());
}

} // namespace

ApiResponse
scope(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {}); !ok) return error_response(ok.error());
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto tree = app::scope_tree(ctx.paths(), **store);
  if (!tree) return error_response(tree.error());
  (*tree)["command"] = "scope";
  return json_response(*tree);
}

ApiResponse
submit_bench(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {"component", "rigs", "scenarios", "iterations", "runs",
                                    "baseline", "timeout"});
  if (!body) return error_response(body.error());
  registry::BenchJob job;
  auto component = body_string(*body, "component");
  auto timeout = body_string(*body, "timeout");
  auto rigs = body_strings(*body, "rigs");
  auto scenarios = body_strings(*body, "scenarios");
  auto iterations = count(*body, "iterations");
  auto runs = count(*body, "runs");
  auto baseline = body_bool(*body, "baseline");
  if (!component) return error_response(component.error());
  if (!timeout) return error_response(timeout.error());
  if (!rigs) return error_response(rigs.error());
  if (!scenarios) return error_response(scenarios.error());
  if (!iterations) return error_response(iterations.error());
  if (!runs) return error_response(runs.error());
  if (!baseline) return error_response(baseline.error());
  job.component = *component;
  job.timeout = *timeout;
  job.rigs = *rigs;
  job.scenarios = *scenarios;
  job.iterations = *iterations;
  job.runs = *runs;
  job.save_baseline = *baseline;
  auto recipe = registry::bench_job_recipe(ctx.paths(), job);
  if (!recipe) {
    // A component or rig the body names but the config lacks is a bad
    // request, not a missing endpoint.
    Error e = recipe.error();
    if (e.code == "component.not_found" || e.code == "rig.not_found") {
      e.code = "validation." + e.code.substr(0, e.code.find('.')) + "_not_found";
    }
    return error_response(e);
  }
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto queued = registry::submit(**store, ctx.paths(), {*recipe});
  if (!queued) return error_response(queued.error());
  const Run& run = queued->front();
  return json_response(Json{{"run_id", run.id}, {"status", to_string(run.status)},
                            {"ref", run_ref(run.id)}, {"kind", run.kind}, {"command", run.command}},
                       201);
}

} // namespace hb::server::detail

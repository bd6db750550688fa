// The API's writers: submit a task run, cancel, promote, retain, replay, and
// the comparison of 2-4 runs (runs bench-compare's machinery, each against
// the first). Each calls the same service as its CLI command.

#include "app/run_json.hpp"
#include "app/run_retention.hpp"
#include "app/runs_readers.hpp"
#include "registry/recipe.hpp"
#include "registry/registry.hpp"
#include "server/api_internal.hpp"
#include "util/text.hpp"

#include <fmt/core.h>

namespace hb::server::detail {

namespace {

Json
submitted_json(const Run& run)
{
  return Json{{"run_id", run.id}, {"status", to_string(run.status)}, {"ref", run_ref(run.id)},
              {"kind", run.kind}, {"command", run.command}};
}

// The comma-separated values of a query parameter, empty items dropped.
std::vector<std::string>
query_list(const ApiRequest& request, const char* key)
{
  std::vector<std::string> out;
  auto it = request.query.find(key);
  if (it == request.query.end()) return out;
  std::size_t at = 0;
  const std::string& text = it->second;
  while (at <= text.size()) {
    std::size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    if (end > at) out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

} // namespace

ApiResponse
submit_run(const ApiContext& ctx, const ApiRequest& request)
{
  // The body is one `runs submit --batch` line, so the API and the CLI accept
  // the same recipe with the same checks (registry::parse_batch).
  auto body = body_object(request, {"argv", "name", "cwd", "kind", "timeout", "start_timeout",
                                    "heartbeat_timeout", "retain_for", "env", "labels",
                                    "secret_env", "artifacts"});
  if (!body) return error_response(body.error());
  if (!body->contains("argv")) {
    return bad_request("the request body needs \"argv\": [\"command\", \"arg\", ...]");
  }
  if (!body->contains("cwd")) {
    // The daemon's own directory is nobody's project: a run says where it runs.
    return bad_request("the request body needs \"cwd\": the absolute directory the command runs in");
  }
  auto recipes = registry::parse_batch(dump_json(*body), "request body");
  if (!recipes) {
    Error e = recipes.error();
    // parse_batch names a batch file's line; a request has neither.
    const std::string prefix = "--batch request body line 1: ";
    if (e.message.rfind(prefix, 0) == 0) e.message = e.message.substr(prefix.size());
    return error_response(e);
  }
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto runs = registry::submit(**store, ctx.paths(), *recipes);
  if (!runs) return error_response(runs.error());
  return json_response(submitted_json(runs->front()), 201);
}

ApiResponse
cancel_run(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {"reason"});
  if (!body) return error_response(body.error());
  auto reason = body_string(*body, "reason");
  if (!reason) return error_response(reason.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  auto result = registry::cancel(*store, ctx.paths(), run->id, *reason);
  if (!result) return error_response(result.error());
  return json_response(Json{{"command", "runs.cancel"}, {"action", result->action},
                            {"signalled", result->signalled},
                            {"run", app::run_detail_json(result->run)}});
}

ApiResponse
promote(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {"reason"});
  if (!body) return error_response(body.error());
  auto reason = body_string(*body, "reason");
  if (!reason) return error_response(reason.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  auto report = app::promote_run(*store, run->id, *reason, now_ms());
  if (!report) return error_response(report.error());
  return json_response(app::promote_json(*report));
}

ApiResponse
retain(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {"until", "force"});
  if (!body) return error_response(body.error());
  auto until_text = body_string(*body, "until");
  if (!until_text) return error_response(until_text.error());
  auto force = body_bool(*body, "force");
  if (!force) return error_response(force.error());
  if (until_text->empty()) {
    return bad_request("the request body needs \"until\": an RFC 3339 time or a duration such as \"30d\"");
  }
  TimeMs now = now_ms();
  auto until = app::parse_retain_until(*until_text, now);
  if (!until) return error_response(until.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  auto report = app::retain_run(*store, run->id, *until, *force, now);
  if (!report) return error_response(report.error());
  return json_response(app::retain_json(*report));
}

ApiResponse
replay(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {});
  if (!body) return error_response(body.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  // Always queued: the daemon's worker executes it.
  auto replayed = registry::replay(*store, ctx.paths(), run->id, false);
  if (!replayed) return error_response(replayed.error());
  Json payload = submitted_json(*replayed);
  payload["replay_of"] = run->id;
  return json_response(payload, 201);
}

ApiResponse
compare_runs(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {"runs", "metric"}); !ok) return error_response(ok.error());
  std::vector<std::string> ids = query_list(request, "runs");
  if (ids.size() < 2 || ids.size() > 4) {
    return bad_request(fmt::format("`runs` must list 2 to 4 run ids separated by commas (the "
                                   "first is the baseline), not {}",
                                   ids.size()));
  }
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  Json comparisons = Json::array();
  for (std::size_t i = 1; i < ids.size(); ++i) {
    app::BenchCompareRequest compare{ids.front(), ids[i], query_list(request, "metric")};
    auto payload = app::runs_bench_compare(**store, compare);
    if (!payload) return error_response(payload.error());
    comparisons.push_back(std::move(*payload));
  }
  return json_response(Json{{"command", "runs.compare-set"}, {"baseline", ids.front()},
                            {"comparisons", std::move(comparisons)}});
}

} // namespace hb::server::detail

// The API's route table, its shared request parsing and its error mapping
// (api.hpp). The handlers are in api_runs.cpp (readers) and api_actions.cpp
// (what changes runs).

#include "server/api.hpp"

#include "app/runs_service.hpp"
#include "server/api_internal.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

namespace hb::server {

ApiContext::ApiContext(Paths paths, std::string version, std::string listen)
  : m_paths(std::move(paths)), m_version(std::move(version)), m_listen(std::move(listen)),
    m_started_at(now_ms())
{
}

namespace {

// Connections the pool opens at most. A request holds one only while its
// handler runs (not while its response is written), an event stream only
// while it reads, so on a 2-core machine a few keep every core busy; 200
// subscribers woken at once take turns instead of opening 200 connections
// (about 0.5 ms each, bench/RESULTS.md issue 16).
constexpr std::size_t k_pool_size = 8;
// How long a request waits for a connection before it gets 503.
constexpr auto k_pool_wait = std::chrono::seconds(30);

// The connection a StoreScope lent this thread, and whose pool it is.
struct Lent
{
  const ApiContext* owner = nullptr;
  std::unique_ptr<Store> store;
};
thread_local Lent t_lent;

} // namespace

ApiContext::~ApiContext() = default;

ApiContext::StoreScope::StoreScope(const ApiContext& context)
{
  if (t_lent.owner) return;
  t_lent.owner = &context;
  m_context = &context;
}

ApiContext::StoreScope::~StoreScope()
{
  if (!m_context) return;
  m_context->release_store();
  t_lent.owner = nullptr;
}

void
ApiContext::release_store() const
{
  if (t_lent.owner != this || !t_lent.store) return;
  {
    std::lock_guard<std::mutex> lock(m_pool_mutex);
    m_idle.push_back(std::move(t_lent.store));
  }
  m_pool_returned.notify_one();
}

Result<Store*>
ApiContext::store() const
{
  if (t_lent.owner == this) {
    if (t_lent.store) return t_lent.store.get();
    std::unique_lock<std::mutex> lock(m_pool_mutex);
    if (!m_pool_returned.wait_for(lock, k_pool_wait,
                                  [&] { return !m_idle.empty() || m_opened < k_pool_size; })) {
      return make_error("api.unavailable",
                        "every store connection stayed busy for 30 s; retry later");
    }
    if (!m_idle.empty()) {
      // The most recently used: its page cache is the warmest.
      t_lent.store = std::move(m_idle.back());
      m_idle.pop_back();
      return t_lent.store.get();
    }
    ++m_opened;
    lock.unlock();
    auto opened = open_store(m_paths);
    if (!opened) {
      {
        std::lock_guard<std::mutex> relock(m_pool_mutex);
        --m_opened;
      }
      m_pool_returned.notify_one();
      return Unexpected(opened.error());
    }
    t_lent.store = std::move(*opened);
    return t_lent.store.get();
  }
  // Outside a scope: one connection per thread for the life of the thread;
  // the daemon has one ApiContext, so the store path never changes under it.
  thread_local std::unique_ptr<Store> t_store;
  if (!t_store) {
    auto opened = open_store(m_paths);
    if (!opened) return Unexpected(opened.error());
    t_store = std::move(*opened);
  }
  return t_store.get();
}

int
status_for(const std::string& code)
{
  auto ends_with = [&](std::string_view tail) {
    return code.size() >= tail.size() && code.compare(code.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (code.rfind("validation.", 0) == 0 || code == "json.parse_error" || code == "json.too_deep") return 400;
  if (code == "auth.missing_token" || code == "auth.bad_token") return 401;
  if (code == "auth.foreign_origin" || code == "artifact.outside_root") return 403;
  if (ends_with(".not_found") || code == "run.no_logs" || code == "artifact.missing" ||
      code == "api.no_route") {
    return 404;
  }
  if (code == "api.method_not_allowed") return 405;
  if (code == "store.conflict" || code == "artifact.bytes_unavailable" ||
      code == "artifact.tampered" || code == "registry.no_recipe") {
    return 409;
  }
  if (code == "api.too_large") return 413;
  if (code == "api.unavailable") return 503;
  return 500;
}

ApiResponse
json_response(const Json& payload, int status)
{
  ApiResponse r;
  r.status = status;
  r.body = dump_json(payload);
  return r;
}

ApiResponse
error_response(const Error& error)
{
  Json envelope = {{"success", false},
                   {"error", {{"code", error.code}, {"message", error.message},
                              {"details", details_json(error)}}}};
  return json_response(envelope, status_for(error.code));
}

namespace {

ApiResponse
daemon_status(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = detail::check_query(request, {}); !ok) return error_response(ok.error());
  TimeMs now = now_ms();
  return json_response(Json{{"command", "daemon.status"},
                            {"version", ctx.version()},
                            {"listen", ctx.listen()},
                            {"pid", static_cast<int>(::getpid())},
                            {"started_at", format_rfc3339(ctx.started_at())},
                            {"uptime_ms", now - ctx.started_at()},
                            {"store", store_location(ctx.paths())},
                            {"artifact_root", ctx.paths().artifact_root.string()}});
}

ApiResponse
openapi(const ApiContext&, const ApiRequest&)
{
  return json_response(openapi_document());
}

} // namespace

const std::vector<Route>&
api_routes()
{
  using namespace detail;
  static const std::vector<Route> routes = {
    {"GET", "/api/v1/status", daemon_status},
    {"GET", "/api/v1/openapi.json", openapi},
    {"GET", "/api/v1/runs", list_runs},
    {"POST", "/api/v1/runs", submit_run},
    {"GET", "/api/v1/runs/{run_id}", show_run},
    {"GET", "/api/v1/runs/{run_id}/logs", run_logs},
    {"GET", "/api/v1/runs/{run_id}/artifacts/{artifact_id}", get_artifact},
    {"POST", "/api/v1/runs/{run_id}/cancel", cancel_run},
    {"POST", "/api/v1/runs/{run_id}/promote", promote},
    {"POST", "/api/v1/runs/{run_id}/retain", retain},
    {"POST", "/api/v1/runs/{run_id}/replay", replay},
    {"GET", "/api/v1/compare", compare_runs},
    {"GET", "/api/v1/history", metric_history},
    {"GET", "/api/v1/scope", scope},
    {"POST", "/api/v1/bench", submit_bench},
    {"GET", "/api/v1/schedules", list_schedules},
    {"POST", "/api/v1/schedules", add_schedule},
    {"GET", "/api/v1/schedules/{schedule}", show_schedule},
    {"DELETE", "/api/v1/schedules/{schedule}", remove_schedule},
    {"POST", "/api/v1/schedules/{schedule}/pause", pause_schedule},
    {"POST", "/api/v1/schedules/{schedule}/resume", resume_schedule},
    {"GET", "/api/v1/cron/next", cron_next},
    {"GET", "/api/v1/events", nullptr, true},
    {"GET", "/api/v1/runs/{run_id}/events", nullptr, true},
  };
  return routes;
}

namespace detail {

ApiResponse
bad_request(const std::string& message)
{
  return error_response(Error{"validation.invalid_argument", message});
}

Result<void>
check_query(const ApiRequest& request, std::initializer_list<const char*> allowed)
{
  for (const auto& [key, value] : request.query) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      std::string known;
      for (const char* a : allowed) known += known.empty() ? a : std::string(", ") + a;
      return make_error("validation.unknown_parameter",
                        fmt::format("unknown query parameter `{}`; {} accepts {}", key,
                                    request.path, known.empty() ? "none" : known));
    }
  }
  return {};
}

Result<Json>
body_object(const ApiRequest& request, std::initializer_list<const char*> allowed)
{
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  auto parsed = parse_json(request.body, "the request body");
  if (!parsed) {
    return make_error("validation.invalid_json", parsed.error().message);
  }
  if (!parsed->is_object()) {
    return make_error("validation.invalid_json",
                      fmt::format("the request body must be a JSON object, not {}",
                                  json_type_name(*parsed)));
  }
  for (const auto& [key, value] : parsed->items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      std::string known;
      for (const char* a : allowed) known += known.empty() ? a : std::string(", ") + a;
      return make_error("validation.unknown_field",
                        fmt::format("unknown field `{}` in the request body; {} {} accepts {}",
                                    key, request.method, request.path,
                                    known.empty() ? "no fields" : known));
    }
  }
  return std::move(*parsed);
}

Result<std::string>
body_string(const Json& body, const char* key, std::string fallback)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    return make_error("validation.invalid_type",
                      fmt::format("`{}` must be a string, not {}", key, json_type_name(*it)));
  }
  return it->get<std::string>();
}

Result<bool>
body_bool(const Json& body, const char* key, bool fallback)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return make_error("validation.invalid_type",
                      fmt::format("`{}` must be true or false, not {}", key, json_type_name(*it)));
  }
  return it->get<bool>();
}

Result<std::vector<std::string>>
body_strings(const Json& body, const char* key)
{
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return make_error("validation.invalid_type",
                      fmt::format("`{}` must be an array of strings, not {}", key, json_type_name(*it)));
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get<std::string>().empty()) {
      return make_error("validation.invalid_type", fmt::format("`{}` must hold non-empty strings", key));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<Run>
path_run(const ApiContext& ctx, const ApiRequest& request, Store*& store)
{
  auto opened = ctx.store();
  if (!opened) return Unexpected(opened.error());
  store = *opened;
  return app::find_run(*store, request.params.at(0));
}

} // namespace detail

} // namespace hb::server

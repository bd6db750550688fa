// The API's schedules (docs/schedules.md): list, add, show, pause, resume,
// remove, and the cron helper the Studio's form uses. Each calls the same
// schedule service as `homeboy schedule ...`.

#include "schedule/schedules.hpp"
#include "server/api_internal.hpp"
#include "util/tz.hpp"

#include <fmt/core.h>

namespace hb::server::detail {

namespace {

/// `key` as an object of strings, returned as K=V texts (absent: empty).
Result<std::vector<std::string>>
body_pairs(const Json& body, const char* key)
{
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) {
    return make_error("validation.invalid_type",
                      fmt::format("`{}` must be an object of strings, not {}", key, json_type_name(*it)));
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return make_error("validation.invalid_type",
                        fmt::format("`{}.{}` must be a string, not {}", key, k, json_type_name(v)));
    }
    out.push_back(k + "=" + v.get<std::string>());
  }
  return out;
}

Result<schedule::AddRequest>
add_request(const Json& body)
{
  schedule::AddRequest r;
  for (auto [key, target] : std::initializer_list<std::pair<const char*, std::string*>>{
         {"name", &r.name}, {"cron", &r.cron}, {"timezone", &r.timezone},
         {"cwd", &r.options.cwd}, {"timeout", &r.options.timeout},
         {"start_timeout", &r.options.start_timeout},
         {"heartbeat_timeout", &r.options.heartbeat_timeout}, {"retain_for", &r.options.retain_for}}) {
    auto value = body_string(body, key);
    if (!value) return Unexpected(value.error());
    *target = *value;
  }
  auto catch_up = body_string(body, "catch_up", "skip");
  auto paused = body_bool(body, "paused");
  auto argv = body_strings(body, "argv");
  auto secret_env = body_strings(body, "secret_env");
  auto artifacts = body_strings(body, "artifacts");
  auto env = body_pairs(body, "env");
  auto labels = body_pairs(body, "labels");
  if (!catch_up) return Unexpected(catch_up.error());
  if (!paused) return Unexpected(paused.error());
  for (auto* list : {&argv, &secret_env, &artifacts, &env, &labels}) {
    if (!*list) return Unexpected(list->error());
  }
  if (r.name.empty() || r.cron.empty() || argv->empty() || r.options.cwd.empty()) {
    return make_error("validation.missing_field",
                      "the request body needs \"name\", \"cron\", \"argv\" ([\"command\", ...] or "
                      "[\"bench\", \"COMPONENT\", ...]) and \"cwd\" (the absolute directory the "
                      "runs start in)");
  }
  r.catch_up = *catch_up;
  r.paused = *paused;
  r.argv = *argv;
  r.options.name = r.name;
  r.options.secret_env = *secret_env;
  r.options.artifacts = *artifacts;
  r.options.env = *env;
  r.options.labels = *labels;
  return r;
}

template <class Fn>
ApiResponse
with_schedule(const ApiContext& ctx, const char* command, std::size_t slots, int status, Fn&& fn)
{
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  Result<Schedule> got = fn(**store);
  if (!got) return error_response(got.error());
  auto view = schedule::view_json(**store, *got, slots, now_ms());
  if (!view) return error_response(view.error());
  return json_response(Json{{"command", command}, {"schedule", *view}}, status);
}

} // namespace

ApiResponse
list_schedules(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {}); !ok) return error_response(ok.error());
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto payload = schedule::list_json(**store, now_ms());
  if (!payload) return error_response(payload.error());
  (*payload)["command"] = "schedule.list";
  return json_response(*payload);
}

ApiResponse
add_schedule(const ApiContext& ctx, const ApiRequest& request)
{
  auto body = body_object(request, {"name", "cron", "timezone", "catch_up", "paused", "argv", "cwd",
                                    "env", "labels", "secret_env", "artifacts", "timeout",
                                    "start_timeout", "heartbeat_timeout", "retain_for"});
  if (!body) return error_response(body.error());
  auto add = add_request(*body);
  if (!add) return error_response(add.error());
  return with_schedule(ctx, "schedule.add", 0, 201,
                       [&](Store& store) { return schedule::add(store, *add, now_ms()); });
}

ApiResponse
show_schedule(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {}); !ok) return error_response(ok.error());
  return with_schedule(ctx, "schedule.show", 20, 200, [&](Store& store) {
    return schedule::find(store, request.params.at(0));
  });
}

ApiResponse
pause_schedule(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto body = body_object(request, {}); !body) return error_response(body.error());
  return with_schedule(ctx, "schedule.pause", 0, 200, [&](Store& store) {
    return schedule::set_paused(store, request.params.at(0), true, now_ms());
  });
}

ApiResponse
resume_schedule(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto body = body_object(request, {}); !body) return error_response(body.error());
  return with_schedule(ctx, "schedule.resume", 0, 200, [&](Store& store) {
    return schedule::set_paused(store, request.params.at(0), false, now_ms());
  });
}

ApiResponse
remove_schedule(const ApiContext& ctx, const ApiRequest& request)
{
  return with_schedule(ctx, "schedule.remove", 0, 200, [&](Store& store) {
    return schedule::remove(store, request.params.at(0));
  });
}

ApiResponse
cron_next(const ApiContext&, const ApiRequest& request)
{
  if (auto ok = check_query(request, {"cron", "timezone", "count"}); !ok) return error_response(ok.error());
  auto cron = request.query.find("cron");
  if (cron == request.query.end() || cron->second.empty()) {
    return bad_request("give ?cron=<expression>, such as ?cron=0%203%20*%20*%20*");
  }
  auto tz = request.query.find("timezone");
  std::string zone = tz == request.query.end() || tz->second.empty() ? local_zone_name() : tz->second;
  std::size_t count = 5;
  if (auto c = request.query.find("count"); c != request.query.end()) {
    if (c->second.empty() || c->second.size() > 4
        || c->second.find_first_not_of("0123456789") != std::string::npos || std::stoi(c->second) < 1
        || std::stoi(c->second) > 1000) {
      return bad_request("count must be a number from 1 to 1000");
    }
    count = static_cast<std::size_t>(std::stoi(c->second));
  }
  auto next = schedule::next_firings(cron->second, zone, now_ms(), count);
  if (!next) {
    Error e = next.error();
    if (e.code.rfind("validation.", 0) != 0) e.code = "validation." + e.code;
    return error_response(e);
  }
  if (next->empty()) {
    return error_response(Error{"validation.cron_never",
                                fmt::format("cron expression \"{}\" never fires in the next eight "
                                            "years; check the day and month fields",
                                            cron->second)});
  }
  Json firings = Json::array();
  for (TimeMs t : *next) firings.push_back(format_rfc3339(t));
  return json_response(Json{{"command", "schedule.next"}, {"cron", cron->second},
                            {"timezone", zone}, {"next_firings", firings}});
}

} // namespace hb::server::detail

// The API's readers: runs list, run detail, logs and artifact downloads. Each
// parses its request, calls the service the CLI's `runs` commands call, and
// renders the same JSON payload.

#include "app/run_json.hpp"
#include "app/run_views.hpp"
#include "app/runs_readers.hpp"
#include "app/runs_service.hpp"
#include "registry/registry.hpp"
#include "server/api_internal.hpp"
#include "util/fs.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <charconv>

namespace hb::server::detail {

namespace {

constexpr std::size_t k_max_limit = 100000;
constexpr std::size_t k_detail_events = 1000;

std::string
query_value(const ApiRequest& request, const char* key)
{
  auto it = request.query.find(key);
  return it == request.query.end() ? std::string() : it->second;
}

// A positive integer query parameter within [1, max]; nullopt when absent.
Result<std::optional<std::size_t>>
query_count(const ApiRequest& request, const char* key, std::size_t max)
{
  auto it = request.query.find(key);
  if (it == request.query.end()) return std::optional<std::size_t>();
  std::size_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    return make_error("validation.invalid_argument",
                      fmt::format("`{}` must be a whole number from 1 to {}, not `{}`", key, max,
                                  text));
  }
  return std::optional<std::size_t>(value);
}

// Content types that a browser renders as a page (HTML, SVG with scripts)
// are sent as plain bytes: an artifact must never run script on the
// daemon's origin.
std::string
download_type(const std::filesystem::path& path)
{
  std::string type = fs::mime_type_for(path);
  if (type == "text/html" || type == "image/svg+xml") return "application/octet-stream";
  if (type.rfind("text/", 0) == 0) type += "; charset=utf-8";
  return type;
}

} // namespace

ApiResponse
list_runs(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {"kind", "component", "rig", "scenario", "status", "since",
                                      "until", "after", "limit"});
      !ok) {
    return error_response(ok.error());
  }
  app::RunFilterText text;
  for (auto [key, into] : {std::pair<const char*, std::string*>{"kind", &text.kind},
                           {"component", &text.component}, {"rig", &text.rig},
                           {"scenario", &text.scenario}, {"status", &text.status},
                           {"since", &text.since}, {"until", &text.until}, {"after", &text.after}}) {
    *into = query_value(request, key);
  }
  auto limit = query_count(request, "limit", k_max_limit);
  if (!limit) return error_response(limit.error());
  text.limit = limit->value_or(20);
  auto filter = app::parse_run_filter(text);
  if (!filter) return error_response(filter.error());
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto page = (*store)->list_runs(*filter);
  if (!page) return error_response(page.error());
  return json_response(app::runs_list_payload(*page, true));
}

ApiResponse
metric_history(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {"component", "rig", "scenario", "metric", "limit"}); !ok) {
    return error_response(ok.error());
  }
  app::HistoryRequest history;
  history.component_id = query_value(request, "component");
  if (history.component_id.empty()) return bad_request("`component` is required");
  for (auto [key, into] : {std::pair<const char*, std::optional<std::string>*>{"rig", &history.rig_id},
                           {"scenario", &history.scenario_id}, {"metric", &history.metric}}) {
    if (std::string v = query_value(request, key); !v.empty()) *into = v;
  }
  auto limit = query_count(request, "limit", 1000);
  if (!limit) return error_response(limit.error());
  history.limit = limit->value_or(50);
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto payload = app::bench_history(**store, history);
  if (!payload) return error_response(payload.error());
  return json_response(*payload);
}

ApiResponse
show_run(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {}); !ok) return error_response(ok.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  auto evidence = app::load_run_evidence(*store, *run);
  if (!evidence) return error_response(evidence.error());
  Json payload = app::run_show_payload(*run, *evidence, "runs.show");
  Json findings = Json::array();
  for (const auto& f : evidence->findings) findings.push_back(app::finding_json(f));
  payload["run"]["findings"] = std::move(findings);
  auto events = store->run_events(run->id, 0, k_detail_events);
  if (!events) return error_response(events.error());
  Json rows = Json::array();
  for (const auto& e : *events) rows.push_back(app::run_event_json(e));
  payload["run"]["events"] = std::move(rows);
  return json_response(payload);
}

ApiResponse
run_logs(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {"tail", "stream"}); !ok) return error_response(ok.error());
  auto tail = query_count(request, "tail", k_max_limit);
  if (!tail) return error_response(tail.error());
  std::string stream = query_value(request, "stream");
  if (stream.empty()) stream = "both";
  if (stream != "stdout" && stream != "stderr" && stream != "both") {
    return bad_request(fmt::format("`stream` must be stdout, stderr or both, not `{}`", stream));
  }
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  Json payload = {{"command", "runs.logs"}, {"run_id", run->id},
                  {"status", to_string(run->status)}};
  bool any = false;
  for (bool is_stderr : {false, true}) {
    const char* name = is_stderr ? "stderr" : "stdout";
    if (stream != "both" && stream != name) continue;
    auto path = registry::log_path(ctx.paths(), run->id, is_stderr);
    std::error_code ec;
    any |= std::filesystem::exists(path, ec);
    std::uint64_t offset = *tail ? app::log_tail_offset(path, **tail) : 0;
    payload[name] = app::read_log_from(path, offset);
  }
  if (!any) {
    return error_response(Error{
      "run.no_logs", run->status == RunStatus::queued
                       ? fmt::format("run {} is queued and has no output yet", run->id)
                       : fmt::format("run {} has no captured output (it was not run by the "
                                     "registry, or its files were cleaned up)",
                                     run->id)});
  }
  return json_response(payload);
}

ApiResponse
get_artifact(const ApiContext& ctx, const ApiRequest& request)
{
  if (auto ok = check_query(request, {}); !ok) return error_response(ok.error());
  Store* store = nullptr;
  auto run = path_run(ctx, request, store);
  if (!run) return error_response(run.error());
  auto found = app::find_artifact(*store, run->id, request.params.at(1));
  if (!found) return error_response(found.error());
  const Artifact& a = *found;
  if (a.type == "url") {
    if (a.url.rfind("https://", 0) != 0 && a.url.rfind("http://", 0) != 0) {
      return error_response(Error{"artifact.bytes_unavailable",
                                  fmt::format("artifact {} is a link that is not http(s)", a.id)});
    }
    ApiResponse r = json_response(Json{{"artifact_id", a.id}, {"url", a.url}}, 302);
    r.headers.emplace_back("Location", a.url);
    return r;
  }
  if (a.type != "file") {
    return error_response(Error{"artifact.bytes_unavailable",
                                fmt::format("artifact {} is {}: there are no bytes to download",
                                            a.id, a.type == "metadata-only"
                                                    ? "metadata-only (imported without its bytes)"
                                                    : "a " + a.type)});
  }
  // The store says where the file is; the daemon serves only what lies
  // inside the artifact root (links resolved), whatever the row says.
  if (!fs::resolves_inside(a.path, ctx.paths().artifact_root)) {
    return error_response(Error{"artifact.outside_root",
                                fmt::format("artifact {}'s file is outside the artifact root {}; "
                                            "the daemon does not serve it",
                                            a.id, ctx.paths().artifact_root.string())});
  }
  auto content = app::read_artifact_bytes(a);
  if (!content) return error_response(content.error());
  ApiResponse r;
  r.content_type = download_type(a.path);
  r.body = std::move(*content);
  std::string name = fs::safe_path_segment(std::filesystem::path(a.path).filename().string());
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

} // namespace hb::server::detail

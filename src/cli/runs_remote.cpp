// The `runs` readers' remote side (docs/runners.md): a runner daemon's
// runs list, run detail and artifact bytes, fetched over its API, and every
// runner's active runs for `runs list --include-active-runner-jobs`.

#include "cli/runs_remote.hpp"
#include "cli/runs_common.hpp"
#include "remote/runners.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/table.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace hb::cli {

/// runs.list from runner `id`'s daemon, with these filters.
Result<Json>
remote_runs_list(const std::string& id, const RunFilterArgs& f)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return Unexpected(paths.error());
  auto runner = remote::find_runner(*paths, id);
  if (!runner) return Unexpected(runner.error());
  std::string query = fmt::format("limit={}", f.limit);
  for (auto [key, value] : std::initializer_list<std::pair<const char*, const std::string*>>{
         {"kind", &f.kind}, {"component", &f.component}, {"rig", &f.rig}, {"scenario", &f.scenario},
         {"status", &f.status}, {"since", &f.since}, {"until", &f.until}, {"after", &f.after}}) {
    if (!value->empty()) query += fmt::format("&{}={}", key, percent_encode(*value));
  }
  auto payload = remote::get_json(*runner, "/api/v1/runs?" + query);
  if (!payload) return payload;
  if (!payload->is_object() || !(*payload)["runs"].is_array()) {
    return make_error("runner.bad_response", fmt::format("runner {} answered without a runs list", id));
  }
  (*payload)["runner"] = id;
  return payload;
}

/// runs.show from runner `runner_id`'s daemon.
Result<Json>
remote_run_detail(const std::string& runner_id, const std::string& run_id)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return Unexpected(paths.error());
  auto runner = remote::find_runner(*paths, runner_id);
  if (!runner) return Unexpected(runner.error());
  auto detail = remote::get_json(*runner, "/api/v1/runs/" + percent_encode(run_id));
  if (!detail) return detail;
  if (!detail->is_object() || !(*detail)["run"].is_object()) {
    return make_error("runner.bad_response",
                      fmt::format("runner {} answered without the run's detail", runner_id));
  }
  (*detail)["runner"] = runner_id;
  return detail;
}

/// A remote run for people: identity, lifecycle and each scenario's metrics.
std::string
render_remote_show(const Json& run, const std::string& runner)
{
  auto text = [&](const char* key) {
    auto it = run.find(key);
    if (it == run.end() || it->is_null()) return std::string();
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  std::string out = fmt::format("run        {}  (on runner {})\n", text("id"), runner);
  for (auto [label, key] : std::initializer_list<std::pair<const char*, const char*>>{
         {"kind", "kind"}, {"status", "run_status"}, {"component", "component_id"}, {"rig", "rig_id"},
         {"command", "command"}, {"created", "created_at"}, {"started", "started_at"},
         {"finished", "finished_at"}, {"exit", "exit_code"}, {"reason", "terminal_reason"}}) {
    if (!text(key).empty()) out += fmt::format("{:<11}{}\n", label, text(key));
  }
  if (run.contains("scenario_metrics") && run["scenario_metrics"].is_array()) {
    TextTable table({"scenario", "metric", "value"});
    for (const auto& sc : run["scenario_metrics"]) {
      if (!sc.contains("metrics") || !sc["metrics"].is_object()) continue;
      for (const auto& [name, value] : sc["metrics"].items()) {
        table.add_row({sc.value("scenario_id", ""), name, json_text(value)});
      }
    }
    if (!table.empty()) out += "\n" + table.render();
  }
  return out;
}

/// Downloads artifact `artifact_id` of run `run_id` from runner
/// `runner_id` into <artifact root>/runner/<runner>/<run>/<artifact> (what
/// `runs artifact cleanup-downloads` cleans); returns that path.
Result<std::filesystem::path>
remote_artifact(const std::string& runner_id, const std::string& run_id, const std::string& artifact_id)
{
  auto safe = [](const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
  };
  if (!safe(run_id) || !safe(artifact_id)) {
    return make_error("validation.invalid_argument",
                      "with --runner, give the run and artifact ids (or prefixes) as `runs show --runner` prints them");
  }
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return Unexpected(paths.error());
  auto runner = remote::find_runner(*paths, runner_id);
  if (!runner) return Unexpected(runner.error());
  std::filesystem::path dest = paths->artifact_root / "runner" / runner_id / run_id / artifact_id;
  auto got = remote::download(*runner, fmt::format("/api/v1/runs/{}/artifacts/{}", run_id, artifact_id), dest);
  if (!got) return Unexpected(got.error());
  return dest;
}

/// Every runner's active runs: [{runner, runs, next_cursor}] or, for a
/// runner that could not be read, [{runner, error: {code, message}}].
Json
active_runner_jobs(const Paths& paths)
{
  Json out = Json::array();
  auto runners = remote::list_runners(paths);
  if (!runners) {
    out.push_back(Json{{"runner", "*"}, {"error", {{"code", runners.error().code},
                                                   {"message", runners.error().message}}}});
    return out;
  }
  for (const auto& runner : *runners) {
    auto payload = remote::get_json(runner, "/api/v1/runs?status=active&limit=100", 10);
    if (!payload || !payload->is_object() || !(*payload)["runs"].is_array()) {
      Error e = payload ? Error{"runner.bad_response", "the answer has no runs list"} : payload.error();
      out.push_back(Json{{"runner", runner.id}, {"error", {{"code", e.code}, {"message", e.message}}}});
      continue;
    }
    out.push_back(Json{{"runner", runner.id}, {"runs", (*payload)["runs"]},
                       {"next_cursor", (*payload)["next_cursor"]}});
  }
  return out;
}

} // namespace hb::cli

#include "app/run_json.hpp"

#include "model/host_id.hpp"

#include "app/bundle_format.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <map>

namespace hb::app {

Json
object_or_empty(const std::string& text)
{
  Json parsed = parse_json_or_discard(text);
  return parsed.is_object() ? parsed : Json::object();
}

Json
text_or_null(const std::string& text)
{
  return text.empty() ? Json(nullptr) : Json(text);
}

Json
time_json(const std::optional<TimeMs>& ms)
{
  return ms ? Json(format_rfc3339(*ms)) : Json(nullptr);
}

namespace {

/// The kinds the original's observation store held; scripts written for it
/// test their `status` against its words (pass, fail, error, ...).
bool
observation_kind(const std::string& kind)
{
  return kind == "bench" || kind == "rig" || kind == "trace";
}

} // namespace

Json
run_summary_json(const Run& run)
{
  // `status` keeps the original's word where the original had the run;
  // `run_status` is always ours (the registry's eight statuses).
  return Json{{"id", run.id},
              {"kind", run.kind},
              {"status", observation_kind(run.kind)
                           ? bundle::portable_status(run.status, run.terminal_reason)
                           : std::string(to_string(run.status))},
              {"run_status", to_string(run.status)},
              {"created_at", format_rfc3339(run.created_at)},
              {"started_at", time_json(run.started_at)},
              {"finished_at", time_json(run.finished_at)},
              {"component_id", text_or_null(run.component_id)},
              {"rig_id", text_or_null(run.rig_id)},
              {"git_sha", text_or_null(run.git_sha)},
              {"command", text_or_null(run.command)},
              {"cwd", text_or_null(run.cwd)},
              {"exit_code", run.exit_code ? Json(*run.exit_code) : Json(nullptr)},
              {"terminal_reason", text_or_null(run.terminal_reason)},
              {"attempt", run.attempt},
              {"host", text_or_null(owner_host(run.lease_owner))}};
}

Run
run_from_summary_json(const Json& row)
{
  auto text = [&](const char* key) {
    auto it = row.find(key);
    return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto time = [&](const char* key) -> std::optional<TimeMs> {
    auto t = parse_rfc3339(text(key));
    return t ? std::optional<TimeMs>(*t) : std::nullopt;
  };
  Run run;
  run.id = text("id");
  run.kind = text("kind");
  run.status = parse_run_status(text("run_status")).value_or(RunStatus::failed);
  run.created_at = time("created_at").value_or(0);
  run.started_at = time("started_at");
  run.finished_at = time("finished_at");
  run.component_id = text("component_id");
  run.rig_id = text("rig_id");
  run.git_sha = text("git_sha");
  run.command = text("command");
  run.cwd = text("cwd");
  run.terminal_reason = text("terminal_reason");
  if (auto it = row.find("exit_code"); it != row.end() && it->is_number_integer()) {
    run.exit_code = it->get<int>();
  }
  if (auto it = row.find("attempt"); it != row.end() && it->is_number_integer()) {
    run.attempt = it->get<int>();
  }
  return run;
}

Json
run_list_summary_json(const Run& run)
{
  Json meta = object_or_empty(run.metadata_json);
  auto text_at = [&](std::initializer_list<const char*> keys) -> Json {
    const Json* node = &meta;
    for (const char* key : keys) {
      if (!node->is_object() || !node->contains(key)) return nullptr;
      node = &(*node)[key];
    }
    return node->is_string() && !node->get_ref<const std::string&>().empty() ? *node : Json(nullptr);
  };
  Json host = text_at({"runtime", "host"});
  if (host.is_null()) host = text_at({"host", "hostname"});
  Json verdicts = nullptr;
  Json scenarios = nullptr;
  bool review = meta.value("regression", false) == true;
  if (meta.contains("verdicts") && meta["verdicts"].is_object()) {
    std::map<std::string, int> counts{{"regressed", 0}, {"improved", 0}, {"unchanged", 0},
                                      {"inconclusive", 0}};
    for (const auto& [scenario, verdict] : meta["verdicts"].items()) {
      if (verdict.is_string() && counts.contains(verdict.get<std::string>())) {
        ++counts[verdict.get<std::string>()];
      }
    }
    review = review || counts["regressed"] > 0 || counts["inconclusive"] > 0;
    verdicts = counts;
    scenarios = meta["verdicts"].size();
  }
  if (scenarios.is_null() && meta.contains("scenario_count") && meta["scenario_count"].is_number_integer()) {
    scenarios = meta["scenario_count"];
  }
  Json duration = nullptr;
  if (run.started_at) duration = (run.finished_at ? *run.finished_at : now_ms()) - *run.started_at;
  return Json{{"name", text_at({"name"})},
              {"host", host},
              {"scenarios", scenarios},
              {"verdicts", verdicts},
              {"needs_review", review},
              {"duration_ms", duration},
              {"labels", meta.contains("labels") && meta["labels"].is_object() ? meta["labels"]
                                                                               : Json::object()}};
}

Json
run_detail_json(const Run& run)
{
  Json out = run_summary_json(run);
  out["homeboy_version"] = text_or_null(run.homeboy_version);
  out["heartbeat_at"] = time_json(run.heartbeat_at);
  out["lease_owner"] = text_or_null(run.lease_owner);
  out["lease_epoch"] = run.lease_epoch;
  out["deadline_at"] = time_json(run.deadline_at);
  out["cancel_requested_at"] = time_json(run.cancel_requested_at);
  out["owner_pid"] = run.owner_pid ? Json(*run.owner_pid) : Json(nullptr);
  out["eligible_at"] = time_json(run.eligible_at);
  out["retained_until"] = time_json(run.retained_until);
  out["promoted_at"] = time_json(run.promoted_at);
  auto ms = [](const std::optional<std::int64_t>& v) { return v ? Json(*v) : Json(nullptr); };
  out["start_timeout_ms"] = ms(run.start_timeout_ms);
  out["timeout_ms"] = ms(run.timeout_ms);
  out["heartbeat_timeout_ms"] = ms(run.heartbeat_timeout_ms);
  out["retry_at"] = time_json(run.retry_at);
  out["metadata"] = object_or_empty(run.metadata_json);
  return out;
}

namespace {

Json
attempt_json(int attempt, RunStatus status, const std::string& reason,
             const std::optional<int>& exit_code, const std::optional<TimeMs>& started,
             const std::optional<TimeMs>& finished, const std::string& lease_owner,
             const std::string& metadata_json)
{
  Json metadata = object_or_empty(metadata_json);
  Json host = nullptr;
  if (metadata.contains("runtime") && metadata["runtime"].is_object()
      && metadata["runtime"].contains("host")) {
    host = metadata["runtime"]["host"];
  } else if (auto owner = owner_host(lease_owner); !owner.empty()) {
    host = owner;
  }
  auto member = [&](const char* key) { return metadata.contains(key) ? metadata[key] : Json(nullptr); };
  return Json{{"attempt", attempt},
              {"status", to_string(status)},
              {"terminal_reason", text_or_null(reason)},
              {"exit_code", exit_code ? Json(*exit_code) : Json(nullptr)},
              {"started_at", time_json(started)},
              {"finished_at", time_json(finished)},
              {"host", host},
              {"timings", member("timings")},
              {"error", member("error")},
              {"warnings", member("attempt_warnings")},
              {"latest", false}};
}

} // namespace

Json
attempts_json(const Run& run, const std::vector<RunAttempt>& earlier)
{
  Json out = Json::array();
  for (const auto& a : earlier) {
    if (a.attempt >= run.attempt) continue; // a row left from a run imported over
    out.push_back(attempt_json(a.attempt, a.status, a.terminal_reason, a.exit_code, a.started_at,
                               a.finished_at, a.lease_owner, a.metadata_json));
  }
  Json latest = attempt_json(run.attempt, run.status, run.terminal_reason, run.exit_code,
                             run.started_at, run.finished_at, run.lease_owner, run.metadata_json);
  latest["latest"] = true;
  out.push_back(std::move(latest));
  return out;
}

Json
artifact_json(const Artifact& a)
{
  return Json{{"id", a.id},
              {"run_id", a.run_id},
              {"kind", a.kind},
              {"type", a.type},
              {"path", text_or_null(a.path)},
              {"url", text_or_null(a.url)},
              {"label", text_or_null(a.label)},
              {"sha256", text_or_null(a.sha256)},
              {"size_bytes", a.size_bytes ? Json(*a.size_bytes) : Json(nullptr)},
              {"mime", text_or_null(a.mime)},
              {"created_at", format_rfc3339(a.created_at)},
              {"ref_id", artifact_ref(a.run_id, a.id)},
              {"metadata_json", object_or_empty(a.metadata_json)}};
}

Json
finding_json(const Finding& f)
{
  return Json{{"id", f.id},
              {"run_id", f.run_id},
              {"tool", f.tool},
              {"rule", text_or_null(f.rule)},
              {"category", text_or_null(f.category)},
              {"severity", text_or_null(f.severity)},
              {"message", f.message},
              {"file", text_or_null(f.file)},
              {"line", f.line ? Json(*f.line) : Json(nullptr)},
              {"column", f.column ? Json(*f.column) : Json(nullptr)},
              {"fingerprint", text_or_null(f.fingerprint)},
              {"metadata", object_or_empty(f.metadata_json)},
              {"created_at", format_rfc3339(f.created_at)}};
}

} // namespace hb::app

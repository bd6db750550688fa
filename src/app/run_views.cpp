// The run payloads both front ends print (see run_views.hpp). Moved here from
// the CLI when the daemon's API needed the same shapes.

#include "app/run_views.hpp"

#include "app/run_json.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <fstream>

namespace hb::app {

Result<RunFilter>
parse_run_filter(const RunFilterText& a)
{
  RunFilter f;
  if (!a.kind.empty()) f.kind = a.kind;
  if (!a.component.empty()) f.component_id = a.component;
  if (!a.rig.empty()) f.rig_id = a.rig;
  if (!a.scenario.empty()) f.scenario_id = a.scenario;
  if (!a.status.empty()) {
    auto statuses = parse_status_filter(a.status);
    if (!statuses) {
      return make_error("validation.invalid_argument",
                        fmt::format("unknown status `{}`; use queued, booting, running, "
                                    "collecting_artifacts, succeeded, failed, timed_out, "
                                    "cancelled, active or terminal (pass, fail, error and stale "
                                    "are accepted too)",
                                    a.status));
    }
    f.statuses = *statuses;
  }
  TimeMs now = now_ms();
  if (!a.since.empty()) {
    auto t = parse_time_point(a.since, now);
    if (!t) return Unexpected(t.error());
    f.since = *t;
  }
  if (!a.until.empty()) {
    auto t = parse_time_point(a.until, now);
    if (!t) return Unexpected(t.error());
    f.until = *t;
  }
  f.limit = a.limit;
  if (!a.after.empty()) f.after = a.after;
  return f;
}

Json
runs_list_payload(const RunPage& page, bool summaries)
{
  Json items = Json::array();
  for (const auto& run : page.runs) {
    items.push_back(run_summary_json(run));
    if (summaries) items.back()["summary"] = run_list_summary_json(run);
  }
  return Json{{"command", "runs.list"}, {"runs", std::move(items)},
              {"next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json(nullptr)}};
}

Result<RunEvidence>
load_run_evidence(Store& store, const Run& run)
{
  auto artifacts = store.run_artifacts(run.id);
  auto metrics = store.run_metrics(run.id);
  auto scenarios = store.run_scenarios(run.id);
  FindingFilter ff;
  ff.run_id = run.id;
  auto findings = store.list_findings(ff);
  auto attempts = store.run_attempts(run.id);
  for (const Error* e : {artifacts ? nullptr : &artifacts.error(), metrics ? nullptr : &metrics.error(),
                         scenarios ? nullptr : &scenarios.error(), findings ? nullptr : &findings.error(),
                         attempts ? nullptr : &attempts.error()}) {
    if (e) return Unexpected(*e);
  }
  return RunEvidence{std::move(*artifacts), std::move(*metrics), std::move(*scenarios),
                     std::move(*findings), std::move(*attempts)};
}

Json
run_show_payload(const Run& run, const RunEvidence& evidence, const char* command)
{
  Json detail = run_detail_json(run);
  detail["attempts"] = attempts_json(run, evidence.attempts);
  Json list = Json::array();
  for (const auto& a : evidence.artifacts) list.push_back(artifact_json(a));
  detail["artifacts"] = std::move(list);
  detail["scenario_ids"] = evidence.scenarios;
  Json scenario_metrics = Json::array();
  for (const auto& id : evidence.scenarios) {
    Json values = Json::object();
    Json samples = Json::object();
    for (const auto& m : evidence.metrics) {
      if (m.scenario_id == id) {
        values[m.name] = m.value;
        if (!m.samples.empty()) samples[m.name] = m.samples;
      }
    }
    scenario_metrics.push_back({{"scenario_id", id}, {"metrics", values}, {"distributions", samples}});
  }
  detail["scenario_metrics"] = std::move(scenario_metrics);
  return Json{{"command", command}, {"run", std::move(detail)}};
}

Json
run_event_json(const RunEvent& e)
{
  return Json{{"seq", e.seq}, {"at", format_rfc3339(e.at)}, {"type", e.type},
              {"data", object_or_empty(e.data_json)}};
}

std::string
read_log_from(const std::filesystem::path& path, std::uint64_t& offset)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  offset += data.size();
  return data;
}

std::uint64_t
log_tail_offset(const std::filesystem::path& path, std::size_t lines)
{
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return 0;
  std::int64_t size = in.tellg();
  std::int64_t pos = size;
  std::size_t seen = 0;
  char buffer[65536];
  // A final newline ends the last line; it does not start another.
  bool skip_last = false;
  if (size > 0) {
    in.seekg(size - 1);
    skip_last = in.get() == '\n';
  }
  while (pos > 0) {
    std::int64_t chunk = std::min<std::int64_t>(pos, sizeof buffer);
    pos -= chunk;
    in.seekg(pos);
    in.read(buffer, chunk);
    for (std::int64_t i = chunk - 1; i >= 0; --i) {
      if (buffer[i] != '\n' || (skip_last && pos + i == size - 1)) continue;
      if (++seen == lines) return static_cast<std::uint64_t>(pos + i + 1);
    }
  }
  return 0;
}

} // namespace hb::app

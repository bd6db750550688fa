// runs refs, runs evidence, runs resume-plan.

#include "analysis/evidence_cues.hpp"
#include "analysis/public_url.hpp"
#include "analysis/resume_plan.hpp"
#include "app/run_json.hpp"
#include "app/runs_readers.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <filesystem>

namespace hb::app {

namespace {

Json
echo(const Json* filters)
{
  return filters ? *filters : Json::object();
}

bool
has_word(const std::string& text, std::string_view word)
{
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
    if (i - start == word.size()) {
      bool same = true;
      for (std::size_t k = 0; k < word.size(); ++k) {
        same &= std::tolower(static_cast<unsigned char>(text[start + k])) == word[k];
      }
      if (same) return true;
    }
  }
  return false;
}

Json
run_ref_json(const Run& run)
{
  return Json{{"run_id", run.id},
              {"ref_id", run_ref(run.id)},
              {"kind", run.kind},
              {"status", to_string(run.status)},
              {"created_at", format_rfc3339(run.created_at)},
              {"started_at", time_json(run.started_at)},
              {"finished_at", time_json(run.finished_at)},
              {"component_id", text_or_null(run.component_id)},
              {"rig_id", text_or_null(run.rig_id)},
              {"git_sha", text_or_null(run.git_sha)},
              {"show_command", "homeboy runs show " + shell_arg(run.id)},
              {"evidence_command", "homeboy runs evidence " + shell_arg(run.id)},
              {"artifacts_command", "homeboy runs artifacts " + shell_arg(run.id)}};
}

std::string
artifact_url(const Artifact& a)
{
  if (!a.url.empty()) return a.url;
  return a.type == "url" ? a.path : std::string();
}

Json
artifact_ref_json(const Artifact& a, bool aggregate)
{
  std::string url = artifact_url(a);
  return Json{{"run_id", a.run_id},
              {"artifact_id", a.id},
              {"ref_id", artifact_ref(a.run_id, a.id)},
              {"kind", a.kind},
              {"type", a.type},
              {"label", text_or_null(a.label)},
              {"path", text_or_null(a.path)},
              {"url", text_or_null(url)},
              {"mime", text_or_null(a.mime)},
              {"size_bytes", a.size_bytes ? Json(*a.size_bytes) : Json(nullptr)},
              {"sha256", text_or_null(a.sha256)},
              {"aggregate", aggregate},
              {"get_command", artifact_get_command(a.run_id, a.id)}};
}

// Replaces this machine's paths in reviewer-facing text: the run's cwd, the
// directories its artifacts live in, and $HOME.
class PathRedactor
{
public:
  PathRedactor(const Run& run, const std::vector<Artifact>& artifacts)
  {
    add(run.cwd, "<cwd>");
    for (const auto& a : artifacts) {
      if (a.type == "file" || a.type == "directory") {
        auto dir = std::filesystem::path(a.path).parent_path().string();
        add(dir, "<run artifacts>");
      }
    }
    if (const char* home = std::getenv("HOME")) add(home, "~");
    std::sort(m_roots.begin(), m_roots.end(),
              [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  }

  std::string operator()(std::string text) const
  {
    for (const auto& [root, label] : m_roots) {
      std::size_t pos = 0;
      while ((pos = text.find(root, pos)) != std::string::npos) {
        text.replace(pos, root.size(), label);
        pos += label.size();
      }
    }
    return text;
  }

  Json operator()(const Json& value) const
  {
    if (value.is_string()) return (*this)(value.get<std::string>());
    if (value.is_array() || value.is_object()) {
      Json out = value;
      for (auto& item : out) item = (*this)(item);
      return out;
    }
    return value;
  }

private:
  void add(const std::string& root, const char* label)
  {
    if (root.size() < 2 || root[0] != '/') return;
    for (const auto& [r, l] : m_roots) {
      if (r == root) return;
    }
    m_roots.emplace_back(root, label);
  }

  std::vector<std::pair<std::string, std::string>> m_roots;
};

} // namespace

std::string
shell_arg(const std::string& value)
{
  bool safe = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':';
  });
  if (safe) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string
artifact_get_command(const std::string& run_id, const std::string& artifact_id)
{
  return fmt::format("homeboy runs artifact get {} {}", shell_arg(run_id), shell_arg(artifact_id));
}

bool
is_aggregate_artifact(const Artifact& a, const std::vector<std::string>& extra_kinds)
{
  return std::find(extra_kinds.begin(), extra_kinds.end(), a.kind) != extra_kinds.end() ||
         has_word(a.kind, "aggregate") || has_word(a.id, "aggregate") ||
         has_word(a.path, "aggregate");
}

Result<Json>
runs_refs(Store& store, const RefsRequest& request)
{
  auto page = store.list_runs(request.filter);
  if (!page) return Unexpected(page.error());
  std::vector<std::string> ids;
  Json runs = Json::array();
  for (const auto& run : page->runs) {
    ids.push_back(run.id);
    runs.push_back(run_ref_json(run));
  }
  auto artifacts = store.artifacts_for_runs(ids, request.artifact_kinds);
  if (!artifacts) return Unexpected(artifacts.error());
  Json refs = Json::array();
  Json aggregates = Json::array();
  for (const auto& a : *artifacts) {
    bool aggregate = is_aggregate_artifact(a, request.aggregate_kinds);
    Json ref = artifact_ref_json(a, aggregate);
    if (aggregate) aggregates.push_back(ref);
    refs.push_back(std::move(ref));
  }
  Json payload = {{"command", "runs.refs"},
                  {"filters", echo(request.filters_echo)},
                  {"run_count", runs.size()},
                  {"artifact_count", refs.size()},
                  {"aggregate_artifact_count", aggregates.size()},
                  {"runs", std::move(runs)},
                  {"artifacts", std::move(refs)},
                  {"aggregate_artifacts", std::move(aggregates)},
                  {"next_cursor", page->next_cursor ? Json(*page->next_cursor) : Json(nullptr)}};
  return payload;
}

// --- evidence --------------------------------------------------------------

Result<Json>
run_evidence(Store& store, const Run& run)
{
  auto artifacts = store.run_artifacts(run.id);
  if (!artifacts) return Unexpected(artifacts.error());
  Json meta = parse_json_or_discard(run.metadata_json);
  if (!meta.is_object()) meta = Json::object();

  std::size_t files = 0, directories = 0, urls = 0, metadata_only = 0, missing = 0, publics = 0,
              rejected = 0;
  PathRedactor redact(run, *artifacts);
  Json items = Json::array();
  Json links = Json::array();
  Json key_cases = Json::array();
  for (const auto& a : *artifacts) {
    std::string ref = artifact_ref(a.run_id, a.id);
    Json item = {{"id", a.id},
                 {"kind", a.kind},
                 {"type", a.type},
                 {"label", redact(text_or_null(a.label))},
                 {"ref_id", ref},
                 {"path", ref},
                 {"mime", text_or_null(a.mime)},
                 {"size_bytes", a.size_bytes ? Json(*a.size_bytes) : Json(nullptr)},
                 {"sha256", text_or_null(a.sha256)}};
    std::string address = "local_operator_path";
    bool reviewer_visible = false;
    Json fetch = nullptr;
    Json public_url = nullptr;
    std::string url = artifact_url(a);
    if (a.type == "metadata-only") {
      address = "metadata_only";
      ++metadata_only;
    } else if (a.type == "url") {
      ++urls;
      address = "public_url";
    } else if (a.path.rfind("runner-artifact://", 0) == 0) {
      address = "runner_artifact";
      item["path"] = a.path; // a ref on the runner, not a path of this machine
      ++(a.type == "directory" ? directories : files);
    } else {
      ++(a.type == "directory" ? directories : files);
      item["relative_to"] = "homeboy observation artifact store";
      std::error_code ec;
      bool exists = !a.path.empty() && std::filesystem::exists(a.path, ec);
      item["missing"] = !exists;
      if (!exists) ++missing;
      std::string name = std::filesystem::path(a.path).filename().string();
      item["file_name"] = text_or_null(name);
      if (exists && a.type == "file") {
        fetch = artifact_get_command(a.run_id, a.id) + " --output <path>";
      }
    }
    if (!url.empty()) {
      if (auto problem = analysis::public_url_problem(url)) {
        ++rejected;
        item["url_rejected"] = *problem;
        if (a.type == "url") address = "rejected_url";
      } else {
        public_url = url;
        reviewer_visible = true;
        ++publics;
        links.push_back({{"artifact_id", a.id}, {"kind", a.kind}, {"label", redact(text_or_null(a.label))},
                         {"ref_id", ref}, {"target", url}});
      }
    }
    item["address"] = {{"kind", address}, {"reviewer_visible", reviewer_visible}};
    item["public"] = reviewer_visible;
    item["public_url"] = public_url;
    item["fetch_command"] = fetch;
    Json artifact_meta = parse_json_or_discard(a.metadata_json);
    std::string name = json_member_or(artifact_meta, "name", "");
    if (analysis::has_key_case_marker(a.id) || analysis::has_key_case_marker(a.kind) ||
        analysis::has_key_case_marker(a.label) || analysis::has_key_case_marker(name)) {
      key_cases.push_back(a.id);
      item["key_case"] = true;
    }
    items.push_back(std::move(item));
  }

  Json summary = run_summary_json(run);
  summary.erase("cwd"); // a path of this machine
  summary["command"] = redact(summary["command"]);
  bool failed = run.status == RunStatus::failed || run.status == RunStatus::timed_out ||
                run.status == RunStatus::cancelled;
  Json failure = {{"failed", failed},
                  {"status", to_string(run.status)},
                  {"exit_code", run.exit_code ? Json(*run.exit_code) : Json(nullptr)},
                  {"terminal_reason", text_or_null(run.terminal_reason)},
                  {"message", redact(meta.contains("failure") && meta["failure"].is_object()
                                       ? meta["failure"].value("message", Json(nullptr))
                                       : Json(nullptr))},
                  {"regression_reasons", redact(meta.value("regression_reasons", Json::array()))},
                  {"gate_failure_count", meta.value("gate_failure_count", Json(0))}};
  Json coverage = Json::array();
  for (const auto& field : analysis::find_coverage_fields(meta)) {
    coverage.push_back({{"path", field.path}, {"value", redact(*field.value)}});
  }
  Json payload = {
    {"command", "runs.evidence"},
    {"run_id", run.id},
    {"ref_id", run_ref(run.id)},
    {"run", std::move(summary)},
    {"artifact_index", {{"count", artifacts->size()},
                        {"file_count", files},
                        {"directory_count", directories},
                        {"url_count", urls},
                        {"metadata_only_count", metadata_only},
                        {"missing_count", missing},
                        {"public_count", publics},
                        {"rejected_url_count", rejected},
                        {"artifacts", std::move(items)}}},
    {"evidence_links", std::move(links)},
    {"key_case_artifacts", std::move(key_cases)},
    {"coverage", std::move(coverage)},
    {"failure", std::move(failure)},
  };
  return payload;
}

// --- resume-plan -------------------------------------------------------------

namespace {

Json
step_json(const analysis::ResumePlan& plan, const std::optional<std::size_t>& index)
{
  if (!index) return nullptr;
  const auto& step = plan.steps[*index];
  Json out = {{"index", step.index},
              {"command", step.command},
              {"label", text_or_null(step.label)},
              {"status", analysis::to_string(step.state)},
              {"recorded_status", text_or_null(step.raw_status)}};
  if (step.entry && step.entry->is_object()) {
    for (const char* key : {"exit_code", "started_at", "finished_at"}) {
      if (step.entry->contains(key)) out[key] = (*step.entry)[key];
    }
  }
  return out;
}

} // namespace

Result<Json>
resume_plan(const Run& run)
{
  Json meta = parse_json_or_discard(run.metadata_json);
  auto plan = analysis::plan_resume(meta);
  if (!plan) {
    Error e = plan.error();
    e.message = fmt::format("run {}: {}", run.id, e.message);
    return Unexpected(e);
  }
  Json steps = Json::array();
  std::size_t counts[5] = {0, 0, 0, 0, 0};
  for (const auto& step : plan->steps) {
    steps.push_back(step_json(*plan, step.index));
    ++counts[static_cast<int>(step.state)];
  }
  return Json{{"command", "runs.resume-plan"},
              {"run_id", run.id},
              {"run_status", to_string(run.status)},
              {"total", plan->steps.size()},
              {"counts", {{"completed", counts[0]}, {"active", counts[1]}, {"pending", counts[2]},
                          {"failed", counts[3]}, {"skipped", counts[4]}}},
              {"complete", plan->complete},
              {"last_completed", step_json(*plan, plan->last_completed)},
              {"active", step_json(*plan, plan->active)},
              {"failed", step_json(*plan, plan->failed)},
              {"next_pending", step_json(*plan, plan->next_pending)},
              {"resume_from", step_json(*plan, plan->resume_from)},
              {"commands", std::move(steps)}};
}

} // namespace hb::app

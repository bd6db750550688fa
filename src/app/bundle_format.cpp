#include "app/bundle_format.hpp"

#include "util/json.hpp"

#include <algorithm>
#include <array>

namespace hb::app::bundle {

bool
is_bundle_entry(std::string_view name)
{
  static constexpr std::array<std::string_view, 9> k_entries = {
    "manifest.json",    "runs.json",     "artifacts.json",      "artifact_bytes.json",
    "trace_spans.json", "findings.json", "test_failures.json",  k_bytes_dir,
    k_extras_file};
  return std::find(k_entries.begin(), k_entries.end(), name) != k_entries.end();
}

std::string
portable_status(RunStatus status, const std::string& terminal_reason)
{
  switch (status) {
  case RunStatus::succeeded: return "pass";
  case RunStatus::failed:
    if (terminal_reason == "error" || terminal_reason == "stale") return terminal_reason;
    return "fail";
  case RunStatus::timed_out: return "error";
  case RunStatus::cancelled:
    if (terminal_reason == "handed_off") return "handed_off";
    return "skipped";
  default: return "running";
  }
}

std::optional<StatusFromBundle>
status_from_portable(std::string_view status)
{
  using S = RunStatus;
  if (status == "pass") return StatusFromBundle{S::succeeded, ""};
  if (status == "fail") return StatusFromBundle{S::failed, ""};
  if (status == "error" || status == "stale") return StatusFromBundle{S::failed, std::string(status)};
  if (status == "skipped" || status == "handed_off") {
    return StatusFromBundle{S::cancelled, std::string(status)};
  }
  if (auto ours = parse_run_status(status)) return StatusFromBundle{*ours, ""};
  return std::nullopt;
}

std::string
portable_label(std::string_view path, std::string_view fallback)
{
  std::size_t end = path.size();
  while (end > 0) {
    std::size_t sep = path.find_last_of("/\\", end - 1);
    std::size_t begin = sep == std::string_view::npos ? 0 : sep + 1;
    if (begin < end) return std::string(path.substr(begin, end - begin));
    if (sep == std::string_view::npos) break;
    end = sep;
  }
  return std::string(fallback);
}

Json
sorted(const Json& value)
{
  if (value.is_object()) {
    std::vector<std::pair<const std::string*, const Json*>> items;
    items.reserve(value.size());
    for (auto it = value.begin(); it != value.end(); ++it) items.emplace_back(&it.key(), &it.value());
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    Json out = Json::object();
    auto& object = out.get_ref<Json::object_t&>();
    object.reserve(items.size());
    for (const auto& [key, child] : items) object.emplace_back(*key, sorted(*child));
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    auto& array = out.get_ref<Json::array_t&>();
    array.reserve(value.size());
    for (const auto& child : value) array.push_back(sorted(child));
    return out;
  }
  return value;
}

Json
parse_stored(const std::string& text)
{
  Json parsed = parse_json_or_discard(text);
  return parsed.is_discarded() ? Json(nullptr) : parsed;
}

bool
is_test_failure(const Finding& finding)
{
  if (finding.tool != "test") return false;
  Json meta = parse_stored(finding.metadata_json);
  if (!meta.is_object()) return false;
  auto is = [&](const char* key, const char* value) {
    auto it = meta.find(key);
    return it != meta.end() && it->is_string() && it->get<std::string>() == value;
  };
  return is("record_kind", "failure") || is("source_sidecar", "test-failures");
}

Result<Json>
parse_bundle_file(std::string_view text, const std::string& name)
{
  auto parsed = parse_json(text, name);
  if (!parsed) {
    return make_error("import.invalid_bundle", parsed.error().message + "; nothing was imported",
                      parsed.error().details);
  }
  return std::move(*parsed);
}

} // namespace hb::app::bundle

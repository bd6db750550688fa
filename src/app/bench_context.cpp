#include "app/bench_context.hpp"

#include "util/json.hpp"
#include "util/sha256.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::app {

using namespace hb::bench;

std::string
settings_fingerprint(const std::string& settings_json)
{
  // nlohmann::json (not our insertion-ordered Json) sorts object keys.
  nlohmann::json sorted = nlohmann::json::parse(settings_json, nullptr, false);
  if (sorted.is_discarded()) {
    sorted = nlohmann::json::object();
  }
  std::string canonical = sorted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  Sha256 digest;
  digest.update(canonical.data(), canonical.size());
  return digest.hex();
}

Json
policies_json(const MetricPolicies& policies)
{
  Json out = Json::object();
  for (const auto& [name, p] : policies) {
    Json entry = {{"direction", to_string(p.direction)},
                  {"regression_test", to_string(p.effective_test())},
                  {"variance_aware", p.variance_aware}};
    if (p.threshold_percent) entry["regression_threshold_percent"] = *p.threshold_percent;
    if (p.threshold_absolute) entry["regression_threshold_absolute"] = *p.threshold_absolute;
    out[name] = std::move(entry);
  }
  return out;
}

std::optional<MetricPolicies>
policies_from_metadata(const Json& metadata)
{
  auto it = metadata.find("metric_policies");
  if (it == metadata.end() || !it->is_object()) {
    return std::nullopt;
  }
  MetricPolicies out;
  for (const auto& [name, entry] : it->items()) {
    if (!entry.is_object()) continue;
    MetricPolicy p;
    if (auto d = parse_direction(json_member_or(entry, "direction", ""))) p.direction = *d;
    if (auto t = parse_regression_test(json_member_or(entry, "regression_test", ""))) p.regression_test = *t;
    p.variance_aware = json_member_or(entry, "variance_aware", false);
    if (entry.contains("regression_threshold_percent") && entry["regression_threshold_percent"].is_number()) {
      p.threshold_percent = entry["regression_threshold_percent"].get<double>();
    }
    if (entry.contains("regression_threshold_absolute") && entry["regression_threshold_absolute"].is_number()) {
      p.threshold_absolute = entry["regression_threshold_absolute"].get<double>();
    }
    out.emplace_back(name, p);
  }
  return out;
}

namespace {

Json
member(const Json& object, const char* key)
{
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? Json(nullptr) : *it;
}

} // namespace

Json
bench_context(const Json& metadata)
{
  Json runner = member(metadata, "runner");
  Json exec = member(metadata, "exec");
  Json workload = {{"measured_by", member(metadata, "measured_by")},
                   {"runner", member(runner, "extension_id")},
                   {"runner_args", member(metadata, "runner_args")},
                   {"commands", member(exec, "commands")},
                   {"shell", member(exec, "shell")},
                   {"prepare", member(exec, "prepare")}};
  Json selected = member(metadata, "selected_scenarios");
  return Json{{"settings", {{"sha256", member(metadata, "settings_sha256")},
                            {"overrides", member(metadata, "setting_overrides")}}},
              {"selected_scenarios", selected.is_array() ? selected : Json::array()},
              {"workload", std::move(workload)},
              {"iterations", member(metadata, "iterations")},
              {"warmup_iterations", member(metadata, "warmup_iterations")}};
}

std::vector<ContextDifference>
context_differences(const Json& a, const Json& b)
{
  std::vector<ContextDifference> out;
  auto text = [](const Json& v) {
    if (v.is_null()) return std::string("not recorded");
    if (v.is_string()) return v.get<std::string>();
    return dump_json(v);
  };
  auto short_digest = [&](const Json& v) {
    return v.is_string() ? v.get<std::string>().substr(0, 12) : text(v);
  };
  // Overrides are names only: the fingerprint decides whether settings match.
  const Json& sa = a["settings"]["sha256"];
  const Json& sb = b["settings"]["sha256"];
  if (sa != sb) {
    out.push_back({"settings", fmt::format("settings (fingerprint {} vs {})", short_digest(sa),
                                           short_digest(sb))});
  }
  for (const char* part : {"selected_scenarios", "workload", "iterations", "warmup_iterations"}) {
    if (a[part] != b[part]) {
      if (std::string_view(part) == "workload") {
        // Name the workload fields that differ rather than dumping both.
        std::vector<std::string> fields;
        for (const auto& [key, value] : a[part].items()) {
          if (b[part].value(key, Json()) != value) {
            fields.push_back(fmt::format("{} {} vs {}", key, text(value), text(b[part].value(key, Json()))));
          }
        }
        out.push_back({part, fmt::format("workload ({})", fmt::join(fields, "; "))});
        continue;
      }
      out.push_back({part, fmt::format("{} ({} vs {})", part, text(a[part]), text(b[part]))});
    }
  }
  return out;
}

} // namespace hb::app

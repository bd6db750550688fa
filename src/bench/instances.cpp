// Joining the results of concurrent runner instances (instances.hpp): the
// original's `:i<n>` aggregation, on the parsed results and their document.

#include "bench/instances.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace hb::bench {

std::string
instance_scenario_id(const std::string& id, std::uint32_t instance)
{
  return fmt::format("{}:i{}", id, instance);
}

std::string
base_scenario_id(const std::string& id)
{
  auto colon = id.rfind(":i");
  if (colon == std::string::npos || colon + 2 >= id.size()) return id;
  for (std::size_t i = colon + 2; i < id.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return id;
  }
  return id.substr(0, colon);
}

std::vector<std::string>
base_scenario_ids(const std::vector<std::string>& ids)
{
  std::vector<std::string> out;
  for (const auto& id : ids) {
    std::string base = base_scenario_id(id);
    if (std::find(out.begin(), out.end(), base) == out.end()) out.push_back(std::move(base));
  }
  return out;
}

std::string
instance_results_name(const std::string& results_file_name, std::uint32_t instance)
{
  const std::string ext = ".json";
  std::string stem = results_file_name;
  if (stem.size() > ext.size() && stem.compare(stem.size() - ext.size(), ext.size(), ext) == 0) {
    stem.resize(stem.size() - ext.size());
  }
  return fmt::format("{}-i{}.json", stem, instance);
}

BenchResults
merge_instances(std::vector<InstanceResults> parts, const std::string& component_id,
                std::uint64_t iterations)
{
  std::sort(parts.begin(), parts.end(),
            [](const InstanceResults& a, const InstanceResults& b) { return a.instance < b.instance; });
  BenchResults merged;
  merged.component_id = parts.empty() ? component_id : parts.front().results.component_id;
  merged.iterations = parts.empty() ? iterations : parts.front().results.iterations;
  Json doc = {{"component_id", merged.component_id}, {"iterations", merged.iterations}};
  Json policies = Json::object();
  Json scenarios = Json::array();
  Json findings = Json::array();
  for (auto& part : parts) {
    BenchResults& r = part.results;
    const std::uint32_t k = part.instance;
    for (auto& [name, policy] : r.policies) {
      auto known = std::find_if(merged.policies.begin(), merged.policies.end(),
                                [&](const auto& p) { return p.first == name; });
      if (known == merged.policies.end()) merged.policies.emplace_back(name, policy);
    }
    if (r.document && r.document->contains("metric_policies")
        && (*r.document)["metric_policies"].is_object()) {
      for (const auto& [name, value] : (*r.document)["metric_policies"].items()) {
        if (!policies.contains(name)) policies[name] = value;
      }
    }
    if (r.document && r.document->contains("budget_findings")
        && (*r.document)["budget_findings"].is_array()) {
      for (Json f : (*r.document)["budget_findings"]) {
        if (f.is_object() && f.contains("scenario_id") && f["scenario_id"].is_string()) {
          f["scenario_id"] = instance_scenario_id(f["scenario_id"].get<std::string>(), k);
        }
        findings.push_back(std::move(f));
      }
    }
    for (auto& s : r.scenarios) {
      std::string base = s.id;
      s.id = instance_scenario_id(base, k);
      if (r.document && r.document->contains("scenarios") && (*r.document)["scenarios"].is_array()) {
        for (const auto& entry : (*r.document)["scenarios"]) {
          if (json_member_or(entry, "id", "") != base) continue;
          Json renamed = entry;
          renamed["id"] = s.id;
          scenarios.push_back(std::move(renamed));
          break;
        }
      }
      merged.scenarios.push_back(std::move(s));
    }
    for (auto& g : r.gate_results) {
      g.scenario_id = instance_scenario_id(g.scenario_id, k);
      merged.gate_results.push_back(std::move(g));
    }
    for (auto& f : r.budget_findings) {
      if (!f.scenario_id.empty()) f.scenario_id = instance_scenario_id(f.scenario_id, k);
      merged.budget_findings.push_back(std::move(f));
    }
  }
  if (!policies.empty()) doc["metric_policies"] = std::move(policies);
  if (!findings.empty()) doc["budget_findings"] = std::move(findings);
  doc["scenarios"] = std::move(scenarios);
  merged.document = std::make_shared<Json>(std::move(doc));
  return merged;
}

} // namespace hb::bench

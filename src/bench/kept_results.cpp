// Joining kept scenarios into a results document: the same shape
// merge_instances builds, without renaming.

#include "bench/kept_results.hpp"
#include "util/json.hpp"

#include <algorithm>

namespace hb::bench {

std::vector<std::string>
add_kept_scenarios(BenchResults& into, const BenchResults& kept)
{
  std::vector<std::string> added;
  Json doc = into.document ? *into.document : Json{{"component_id", into.component_id},
                                                   {"iterations", into.iterations},
                                                   {"scenarios", Json::array()}};
  if (!doc.contains("scenarios") || !doc["scenarios"].is_array()) doc["scenarios"] = Json::array();
  for (const auto& s : kept.scenarios) {
    if (into.find(s.id)) continue;
    into.scenarios.push_back(s);
    added.push_back(s.id);
    if (kept.document && kept.document->contains("scenarios") && (*kept.document)["scenarios"].is_array()) {
      for (const auto& entry : (*kept.document)["scenarios"]) {
        if (json_member_or(entry, "id", "") == s.id) doc["scenarios"].push_back(entry);
      }
    }
  }
  auto is_added = [&](const std::string& id) {
    return std::find(added.begin(), added.end(), id) != added.end();
  };
  for (const auto& g : kept.gate_results) {
    if (is_added(g.scenario_id)) into.gate_results.push_back(g);
  }
  for (const auto& f : kept.budget_findings) {
    if (is_added(f.scenario_id)) into.budget_findings.push_back(f);
  }
  for (const auto& [name, policy] : kept.policies) {
    if (!into.policy(name)) into.policies.emplace_back(name, policy);
  }
  if (kept.document && kept.document->contains("metric_policies")
      && (*kept.document)["metric_policies"].is_object()) {
    for (const auto& [name, value] : (*kept.document)["metric_policies"].items()) {
      if (!doc.contains("metric_policies")) doc["metric_policies"] = Json::object();
      if (!doc["metric_policies"].contains(name)) doc["metric_policies"][name] = value;
    }
  }
  into.document = std::make_shared<Json>(std::move(doc));
  return added;
}

} // namespace hb::bench

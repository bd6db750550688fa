// The new-run form's scope from the config (components, rig specs) and the
// store (each component's latest bench run): one indexed list query and one
// batched metrics/scenarios read per component.

#include "app/scope/scope_tree.hpp"
#include "model/component.hpp"
#include "rig/rig.hpp"
#include "util/json.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace hb::app {

Result<Json> scope_tree(const Paths& paths, Store& store)
{
  Json problems = Json::array();
  auto components = list_components(paths);
  if (!components) return Unexpected(components.error());

  // Rigs, and which rigs name each component (a rig's components, and its
  // bench default component).
  std::map<std::string, std::set<std::string>> rigs_of;
  Json rigs = Json::array();
  for (const auto& listed : rig::list(paths)) {
    if (listed.error) {
      problems.push_back(Json{{"rig", listed.id}, {"message", listed.error->message}});
      continue;
    }
    auto spec = rig::load(paths, listed.id);
    if (!spec) {
      problems.push_back(Json{{"rig", listed.id}, {"message", spec.error().message}});
      continue;
    }
    Json names = Json::array();
    std::set<std::string> named;
    for (const auto& c : spec->components) named.insert(c.id);
    if (!spec->bench.default_component.empty()) named.insert(spec->bench.default_component);
    for (const auto& id : spec->bench.components) named.insert(id);
    for (const auto& id : named) {
      names.push_back(id);
      rigs_of[id].insert(spec->id);
    }
    rigs.push_back(Json{{"id", spec->id}, {"description", spec->description}, {"components", names}});
  }

  Json out_components = Json::array();
  for (const auto& c : *components) {
    RunFilter filter;
    filter.kind = "bench";
    filter.component_id = c.id;
    // The latest bench that finished well: a running one has recorded
    // nothing yet, a failed one perhaps only part.
    filter.statuses = {RunStatus::succeeded};
    filter.limit = 1;
    auto page = store.list_runs(filter);
    if (!page) return Unexpected(page.error());
    Json scenarios = Json::array();
    Json metrics = Json::array();
    Json scenario_metrics = Json::object();
    Json latest = nullptr;
    if (!page->runs.empty()) {
      const std::string& id = page->runs.front().id;
      latest = id;
      auto rows = store.scenarios_for_runs({id});
      if (!rows) return Unexpected(rows.error());
      for (const auto& row : *rows) {
        scenarios.push_back(row.scenario_id);
        scenario_metrics[row.scenario_id] = Json::array();
      }
      auto values = store.metrics_for_runs({id});
      if (!values) return Unexpected(values.error());
      std::set<std::string> names;
      std::map<std::string, std::set<std::string>> per_scenario;
      for (const auto& row : *values) {
        names.insert(row.metric.name);
        per_scenario[row.metric.scenario_id].insert(row.metric.name);
      }
      for (const auto& name : names) metrics.push_back(name);
      for (const auto& [scenario, set] : per_scenario) {
        for (const auto& name : set) scenario_metrics[scenario].push_back(name);
      }
    }
    Json rig_ids = Json::array();
    for (const auto& id : rigs_of[c.id]) rig_ids.push_back(id);
    out_components.push_back(Json{{"id", c.id},
                                  {"path", c.local_path.string()},
                                  {"rigs", rig_ids},
                                  {"scenarios", scenarios},
                                  {"metrics", metrics},
                                  {"scenario_metrics", scenario_metrics},
                                  {"latest_run_id", latest}});
  }
  return Json{{"components", out_components}, {"rigs", rigs}, {"problems", problems}};
}

} // namespace hb::app

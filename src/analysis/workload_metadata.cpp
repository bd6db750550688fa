#include "analysis/workload_metadata.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <optional>
#include <set>

namespace hb::analysis {

namespace {

// Adds values key by key while they fit in the cap; what does not fit is
// named in `omitted`. Sizes are of the compact JSON text ("key":value,).
class Packer
{
public:
  explicit Packer(std::size_t cap) : m_cap(cap) {}

  /// Whether `key: value` (plus `overhead` bytes of its container, counted
  /// once by the caller) fits; if so it is counted as kept.
  bool take(const std::string& path, const std::string& key, const Json& value,
            std::size_t overhead = 0)
  {
    const std::size_t n = dump_json(value).size() + dump_json(Json(key)).size() + 2 + overhead;
    m_summary.reported_bytes += n;
    if (m_summary.kept_bytes + n > m_cap) {
      m_summary.omitted.push_back(path);
      return false;
    }
    m_summary.kept_bytes += n;
    return true;
  }

  /// Counts bytes that are stored whatever happens (small containers).
  void always(std::size_t n)
  {
    m_summary.reported_bytes += n;
    m_summary.kept_bytes += n;
  }

  WorkloadMetadataSummary summary() { return std::move(m_summary); }

private:
  std::size_t m_cap;
  WorkloadMetadataSummary m_summary;
};

const Json*
object_member(const Json& object, const char* key)
{
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || !it->is_object() || it->empty()) return nullptr;
  return &*it;
}

// Packs every key of `source` (except `skip`) into `into`.
void
pack_keys(Packer& packer, const std::string& prefix, const Json& source, Json& into,
          const char* skip = nullptr)
{
  for (const auto& [key, value] : source.items()) {
    if (skip && key == skip) continue;
    if (packer.take(prefix + "." + key, key, value)) into[key] = value;
  }
}

struct ScenarioEntry
{
  std::string id;
  const Json* source = nullptr; // the scenario in the results document
  Json metadata = Json::object();
  Json metric_groups = Json::object();
  bool counted = false; // its {"scenario_id": ...} is counted
};

std::optional<double>
number_of(const Json& value)
{
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

void
collect_numbers(const std::string& scenario, const std::string& prefix, const Json& object,
                std::vector<RecordedMetric>& out)
{
  if (!object.is_object()) return;
  for (const auto& [name, value] : object.items()) {
    if (auto v = number_of(value)) out.push_back({scenario, prefix + name, *v});
  }
}

void
collect_scenario(const Json& scenario, std::vector<RecordedMetric>& out)
{
  if (!scenario.is_object()) return;
  std::string id = json_member_or(scenario, "scenario_id", "");
  if (id.empty()) id = json_member_or(scenario, "id", "");
  if (id.empty()) return;
  if (auto it = scenario.find("metrics"); it != scenario.end()) collect_numbers(id, "", *it, out);
  if (auto it = scenario.find("metric_groups"); it != scenario.end() && it->is_object()) {
    for (const auto& [group, metrics] : it->items()) collect_numbers(id, group + ".", metrics, out);
  }
}

} // namespace

WorkloadMetadataSummary
add_workload_metadata(Json& run_metadata, const Json& results_document, std::size_t cap)
{
  Packer packer(cap);
  const Json* metadata = object_member(results_document, "metadata");
  const Json* run_meta = object_member(results_document, "run_metadata");
  const Json* groups = object_member(results_document, "metric_groups");

  // The ledger first: runs resume-plan needs it whole, and it is small.
  std::optional<Json> ledger;
  if (metadata) {
    if (auto it = metadata->find("validation_progress"); it != metadata->end() && !it->is_null()) {
      if (packer.take("validation_progress", "validation_progress", *it)) ledger = *it;
    }
  }

  Json kept_run_meta = Json::object();
  if (run_meta) pack_keys(packer, "results.run_metadata", *run_meta, kept_run_meta);
  Json kept_groups = Json::object();
  if (groups) pack_keys(packer, "results.metric_groups", *groups, kept_groups);

  // One entry per scenario id (the first, should a document repeat one)
  // that has metadata or metric groups.
  std::vector<ScenarioEntry> scenarios;
  if (auto it = results_document.is_object() ? results_document.find("scenarios")
                                             : results_document.end();
      it != results_document.end() && it->is_array()) {
    std::set<std::string> seen;
    for (const auto& s : *it) {
      std::string id = s.is_object() ? json_member_or(s, "id", "") : "";
      if (id.empty() || !seen.insert(id).second) continue;
      if (!object_member(s, "metadata") && !object_member(s, "metric_groups")) continue;
      scenarios.push_back({id, &s});
    }
  }
  auto pack_scenario = [&](ScenarioEntry& e, const char* key, Json& into) {
    const Json* source = object_member(*e.source, key);
    if (!source) return;
    std::string prefix = fmt::format("scenario_metrics[{}].{}", e.id, key);
    for (const auto& [name, value] : source->items()) {
      // The first key kept also pays for {"scenario_id":"<id>"} and its separators.
      std::size_t overhead = e.counted ? 0 : dump_json(Json(e.id)).size() + 18;
      if (packer.take(prefix + "." + name, name, value, overhead)) {
        e.counted = true;
        into[name] = value;
      }
    }
  };
  for (auto& e : scenarios) pack_scenario(e, "metric_groups", e.metric_groups);

  Json kept_metadata = Json::object();
  if (metadata) pack_keys(packer, "results.metadata", *metadata, kept_metadata, "validation_progress");
  for (auto& e : scenarios) pack_scenario(e, "metadata", e.metadata);

  // Assembled in reading order, empty parts left out.
  Json results = Json::object();
  if (!kept_metadata.empty()) results["metadata"] = std::move(kept_metadata);
  if (!kept_run_meta.empty()) results["run_metadata"] = std::move(kept_run_meta);
  if (!kept_groups.empty()) results["metric_groups"] = std::move(kept_groups);
  if (!results.empty()) {
    packer.always(13); // "results":{},
    run_metadata["results"] = std::move(results);
  }
  Json entries = Json::array();
  for (auto& e : scenarios) {
    if (e.metadata.empty() && e.metric_groups.empty()) continue;
    Json entry = {{"scenario_id", e.id}};
    if (!e.metadata.empty()) entry["metadata"] = std::move(e.metadata);
    if (!e.metric_groups.empty()) entry["metric_groups"] = std::move(e.metric_groups);
    entries.push_back(std::move(entry));
  }
  if (!entries.empty()) {
    packer.always(21); // "scenario_metrics":[],
    run_metadata["scenario_metrics"] = std::move(entries);
  }
  if (ledger) run_metadata["validation_progress"] = std::move(*ledger);
  return packer.summary();
}

std::vector<RecordedMetric>
recorded_scenario_metrics(const Json& run_metadata)
{
  std::vector<RecordedMetric> out;
  if (!run_metadata.is_object()) return out;
  if (auto it = run_metadata.find("scenario_metrics"); it != run_metadata.end() && it->is_array()) {
    for (const auto& s : *it) collect_scenario(s, out);
  }
  if (!out.empty()) return out;
  auto results = run_metadata.find("results");
  if (results == run_metadata.end() || !results->is_object()) return out;
  if (auto it = results->find("scenarios"); it != results->end() && it->is_array()) {
    for (const auto& s : *it) collect_scenario(s, out);
  }
  return out;
}

} // namespace hb::analysis

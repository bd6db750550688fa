// runs distribution (categorical counts of run metadata) and runs compare
// (metrics across recent runs, with the metric groups a bench recorded).

#include "analysis/categorical.hpp"
#include "analysis/jsonpath.hpp"
#include "analysis/workload_metadata.hpp"
#include "app/run_json.hpp"
#include "app/runs_readers.hpp"
#include "bench/units.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace hb::app {

namespace {

Json
echo(const Json* filters)
{
  return filters ? *filters : Json::object();
}

std::string
keys_hint(const std::set<std::string>& keys)
{
  if (keys.empty()) return "the inspected runs have no metadata";
  std::vector<std::string> first(keys.begin(), keys.end());
  if (first.size() > 20) first.resize(20);
  return fmt::format("top-level metadata keys seen: {}", fmt::join(first, ", "));
}

} // namespace

Result<Json>
runs_distribution(Store& store, const DistributionRequest& request)
{
  struct Field
  {
    std::string name;
    std::optional<analysis::JsonPath> path; // a JSONPath field; else a dotted path
    analysis::CategoricalCounts counts;
    std::size_t matched = 0;
    std::vector<std::string> hints; // results.<field>, scenario_metrics.<field> when some run has it
  };
  std::vector<Field> fields;
  for (const auto& name : request.fields) {
    Field field{name, std::nullopt, {}, 0, {}};
    if (!name.empty() && name[0] == '$') {
      auto path = analysis::JsonPath::parse(name);
      if (!path) {
        Error e = path.error();
        e.message = fmt::format("--field `{}`: {}", name, e.message);
        return Unexpected(e);
      }
      field.path = std::move(*path);
    }
    fields.push_back(std::move(field));
  }
  auto page = store.list_runs(request.filter);
  if (!page) return Unexpected(page.error());
  std::set<std::string> keys;
  for (const auto& run : page->runs) {
    Json meta = object_or_empty(run.metadata_json);
    for (const auto& [key, value] : meta.items()) keys.insert(key);
    for (auto& field : fields) {
      std::vector<std::string> labels;
      auto nodes = field.path ? field.path->select(meta) : analysis::select_dotted(meta, field.name);
      for (const Json* node : nodes) analysis::collect_labels(*node, labels);
      if (!labels.empty()) ++field.matched;
      for (const auto& label : labels) field.counts.add(label);
      // The workload's own keys live under results. and scenario_metrics.
      // (workload_metadata.hpp): a bare `metadata.site` most likely meant one.
      if (!field.path && field.matched == 0) {
        for (const char* prefix : {"results.", "scenario_metrics."}) {
          std::string candidate = prefix + field.name;
          if (std::find(field.hints.begin(), field.hints.end(), candidate) != field.hints.end()) continue;
          std::vector<std::string> found;
          for (const Json* node : analysis::select_dotted(meta, candidate)) {
            analysis::collect_labels(*node, found);
          }
          if (!found.empty()) field.hints.push_back(candidate);
        }
      }
    }
  }
  Json out_fields = Json::array();
  for (const auto& field : fields) {
    if (!page->runs.empty() && field.matched == 0) {
      return make_error("validation.unknown_field",
                        fmt::format("no inspected run has metadata field `{}` ({} run{} "
                                    "inspected); {}{}. Paths are dot-separated from the metadata "
                                    "root (runner.extension_id) or JSONPath ($.runner.extension_id)",
                                    field.name, page->runs.size(),
                                    page->runs.size() == 1 ? "" : "s",
                                    field.hints.empty()
                                      ? ""
                                      : fmt::format("did you mean `{}`? (a bench run keeps its "
                                                    "workload's metadata under results. and "
                                                    "scenario_metrics.); ",
                                                    fmt::join(field.hints, "` or `")),
                                    keys_hint(keys)));
    }
    Json values = Json::array();
    Json repeated = Json::array();
    for (const auto& v : field.counts.sorted()) {
      Json item = {{"value", v.value}, {"count", v.count},
                   {"percent", std::round(v.share * 10000.0) / 100.0}};
      if (v.count > 1) repeated.push_back({{"value", v.value}, {"count", v.count}});
      values.push_back(std::move(item));
    }
    out_fields.push_back({{"field", field.name},
                          {"path", field.path ? field.name : analysis::dotted_to_jsonpath(field.name)},
                          {"matched_runs", field.matched},
                          {"missing_runs", page->runs.size() - field.matched},
                          {"total_values", field.counts.total()},
                          {"unique_values", field.counts.unique()},
                          {"values", std::move(values)},
                          {"repeated_values", std::move(repeated)}});
  }
  return Json{{"command", "runs.distribution"},
              {"filters", echo(request.filters_echo)},
              {"inspected_runs", page->runs.size()},
              {"fields", std::move(out_fields)},
              {"next_cursor", page->next_cursor ? Json(*page->next_cursor) : Json(nullptr)}};
}

// --- compare -----------------------------------------------------------------

namespace {

std::optional<double>
number_at(const Json& meta, const std::string& dotted)
{
  const Json* node = &meta;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object()) return std::nullopt;
    auto it = node->find(key);
    if (it == node->end()) return std::nullopt;
    node = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (node->is_number()) return node->get<double>();
  return std::nullopt;
}

// Run-level value of a metric: a dotted metadata path, or under results.
std::optional<double>
run_level_metric(const Json& meta, const Run& run, const std::string& metric)
{
  if (auto v = number_at(meta, metric)) return v;
  if (auto v = number_at(meta, "results." + metric)) return v;
  if (metric == "total_elapsed_ms" && run.started_at && run.finished_at) {
    return static_cast<double>(*run.finished_at - *run.started_at);
  }
  return std::nullopt;
}

Json
number_json(std::optional<double> v)
{
  return v ? Json(*v) : Json(nullptr);
}

} // namespace

Result<Json>
runs_compare(Store& store, const CompareRequest& request)
{
  std::vector<std::string> metrics = request.metrics;
  if (metrics.empty()) metrics.push_back("total_elapsed_ms");
  auto page = store.list_runs(request.filter);
  if (!page) return Unexpected(page.error());
  std::vector<std::string> ids;
  for (const auto& run : page->runs) ids.push_back(run.id);
  auto metric_rows = store.metrics_for_runs(ids);
  if (!metric_rows) return Unexpected(metric_rows.error());
  auto artifacts = store.artifacts_for_runs(ids);
  if (!artifacts) return Unexpected(artifacts.error());
  std::map<std::string, std::size_t> artifact_counts;
  for (const auto& a : *artifacts) ++artifact_counts[a.run_id];
  // run id -> scenario -> metric -> value
  std::map<std::string, std::map<std::string, std::map<std::string, double>>> by_run;
  std::set<std::string> known;
  for (const auto& row : *metric_rows) {
    by_run[row.run_id][row.metric.scenario_id][row.metric.name] = row.metric.value;
    known.insert(row.metric.name);
  }
  std::vector<bool> found(metrics.size(), false);
  Json rows = Json::array();
  for (const auto& run : page->runs) {
    Json meta = object_or_empty(run.metadata_json);
    for (const auto& [key, value] : meta.items()) {
      if (value.is_number()) known.insert(key);
    }
    // Scenario metrics the metadata records: metric groups (`<group>.<metric>`)
    // and the scenario metrics of runs imported from the original; a
    // recorded metric row wins over them.
    for (const auto& m : analysis::recorded_scenario_metrics(meta)) {
      by_run[run.id][m.scenario_id].try_emplace(m.metric, m.value);
      known.insert(m.metric);
    }
    std::vector<std::string> scenarios;
    auto it = by_run.find(run.id);
    if (it != by_run.end()) {
      for (const auto& [scenario, values] : it->second) {
        if (!request.filter.scenario_id || *request.filter.scenario_id == scenario) {
          scenarios.push_back(scenario);
        }
      }
    }
    if (scenarios.empty()) scenarios.push_back("");
    for (const auto& scenario : scenarios) {
      Json values = Json::object();
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        std::optional<double> v;
        if (!scenario.empty()) {
          const auto& scenario_values = it->second.at(scenario);
          auto mv = scenario_values.find(metrics[m]);
          if (mv != scenario_values.end()) v = mv->second;
        }
        if (!v) v = run_level_metric(meta, run, metrics[m]);
        found[m] = found[m] || v.has_value();
        values[metrics[m]] = number_json(v);
      }
      rows.push_back({{"run_id", run.id},
                      {"status", to_string(run.status)},
                      {"started_at", time_json(run.started_at)},
                      {"git_sha", run.git_sha.empty() ? Json(nullptr) : Json(run.git_sha)},
                      {"rig_id", run.rig_id.empty() ? Json(nullptr) : Json(run.rig_id)},
                      {"component_id", run.component_id.empty() ? Json(nullptr) : Json(run.component_id)},
                      {"artifact_count", artifact_counts[run.id]},
                      {"scenario_id", scenario.empty() ? Json(nullptr) : Json(scenario)},
                      {"metrics", std::move(values)}});
    }
  }
  if (!page->runs.empty()) {
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      if (found[m]) continue;
      std::vector<std::string> names(known.begin(), known.end());
      if (names.size() > 30) names.resize(30);
      return make_error("validation.unknown_metric",
                        fmt::format("no matching run records metric `{}` ({} run{} inspected); "
                                    "metrics seen: {}",
                                    metrics[m], page->runs.size(), page->runs.size() == 1 ? "" : "s",
                                    names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "))));
    }
  }
  return Json{{"command", "runs.compare"},
              {"filters", echo(request.filters_echo)},
              {"metrics", metrics},
              {"run_count", page->runs.size()},
              {"row_count", rows.size()},
              {"rows", std::move(rows)},
              {"next_cursor", page->next_cursor ? Json(*page->next_cursor) : Json(nullptr)}};
}

std::string
compare_markdown(const Json& payload)
{
  std::vector<std::string> header = {"run", "status", "started", "git sha", "rig", "artifacts",
                                     "scenario"};
  for (const auto& m : payload["metrics"]) header.push_back(m.get<std::string>());
  auto cell = [](const Json& v) -> std::string {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return fmt::format("{:g}", v.get<double>());
    return dump_json(v);
  };
  std::string out = "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|";
  for (std::size_t i = 0; i < header.size(); ++i) out += i >= 5 && i != 6 ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : payload["rows"]) {
    std::vector<std::string> cells = {row["run_id"].get<std::string>().substr(0, 8),
                                      cell(row["status"]), cell(row["started_at"]),
                                      row["git_sha"].is_string() ? row["git_sha"].get<std::string>().substr(0, 12) : "-",
                                      cell(row["rig_id"]), cell(row["artifact_count"]),
                                      cell(row["scenario_id"])};
    for (const auto& m : payload["metrics"]) {
      const Json& v = row["metrics"][m.get<std::string>()];
      // A metric's value in its unit (bench/units.hpp): 114.5 ms, not 114.529.
      cells.push_back(v.is_number() ? bench::format_metric(m.get<std::string>(), v.get<double>())
                                    : cell(v));
    }
    for (auto& c : cells) {
      std::string escaped;
      for (char ch : c) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
      c = escaped;
    }
    out += "| " + fmt::format("{}", fmt::join(cells, " | ")) + " |\n";
  }
  return out;
}

} // namespace hb::app

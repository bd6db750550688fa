// runs bench-compare (and bench compare): two bench runs side by side, with
// homeboy bench's statistics when the runs carry samples.

#include "app/bench_context.hpp"
#include "app/bench_service.hpp"
#include "app/run_json.hpp"
#include "app/runs_readers.hpp"
#include "app/runs_service.hpp"
#include "bench/compare.hpp"
#include "bench/units.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace hb::app {

using namespace hb::bench;

namespace {

Error
refuse(std::string message, Json details)
{
  return Error{"validation.invalid_argument", std::move(message), dump_json(details)};
}

using Key = std::pair<std::string, std::string>; // scenario, metric

/// --metric: no names keeps every metric.
bool
selected(const std::vector<std::string>& only, const std::string& metric)
{
  return only.empty() || std::find(only.begin(), only.end(), metric) != only.end();
}

std::map<Key, const MetricRow*>
by_key(const std::vector<MetricRow>& rows, const std::vector<std::string>& only)
{
  std::map<Key, const MetricRow*> out;
  for (const auto& row : rows) {
    if (selected(only, row.name)) out[{row.scenario_id, row.name}] = &row;
  }
  return out;
}

/// A run's metrics as the scenarios of a baseline (the from-run) ...
Baseline
as_baseline(const std::map<Key, const MetricRow*>& rows)
{
  Baseline out;
  for (const auto& [key, row] : rows) {
    if (out.scenarios.empty() || out.scenarios.back().id != key.first) {
      out.scenarios.push_back({key.first, {}, {}});
    }
    out.scenarios.back().metrics.push_back({row->name, row->value});
    if (!row->samples.empty()) out.scenarios.back().distributions.emplace_back(row->name, row->samples);
  }
  return out;
}

/// ... and of a results document (the to-run).
BenchResults
as_results(const std::map<Key, const MetricRow*>& rows, MetricPolicies policies)
{
  BenchResults out;
  for (const auto& [key, row] : rows) {
    if (out.scenarios.empty() || out.scenarios.back().id != key.first) {
      out.scenarios.emplace_back();
      out.scenarios.back().id = key.first;
    }
    out.scenarios.back().metrics.push_back({row->name, row->value});
    if (!row->samples.empty()) out.scenarios.back().distributions.emplace_back(row->name, row->samples);
  }
  out.policies = std::move(policies);
  return out;
}

Json
side_json(const char* label, const Run& run)
{
  return Json{{"label", label},
              {"run", run_summary_json(run)},
              {"component_state", {{"component_id", text_or_null(run.component_id)},
                                   {"rig_id", text_or_null(run.rig_id)},
                                   {"git_sha", text_or_null(run.git_sha)},
                                   {"cwd", text_or_null(run.cwd)}}}};
}

std::string
cell(std::string text)
{
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

} // namespace

Result<Json>
runs_bench_compare(Store& store, const BenchCompareRequest& request)
{
  auto from = find_run(store, request.from_run);
  if (!from) return Unexpected(from.error());
  auto to = find_run(store, request.to_run);
  if (!to) return Unexpected(to.error());
  Json ids = {{"from_run", from->id}, {"to_run", to->id}};
  for (const Run* run : {&*from, &*to}) {
    if (run->kind != "bench") {
      return Unexpected(refuse(
        fmt::format("run {} is a `{}` run; bench-compare compares two bench runs (list them: "
                    "homeboy runs list --kind bench)",
                    run->id, run->kind),
        ids));
    }
  }
  Json from_meta = object_or_empty(from->metadata_json);
  Json to_meta = object_or_empty(to->metadata_json);
  Json from_context = bench_context(from_meta);
  Json to_context = bench_context(to_meta);
  auto differences = context_differences(from_context, to_context);
  if (!differences.empty()) {
    std::vector<std::string> parts, described;
    for (const auto& d : differences) {
      parts.push_back(d.part);
      described.push_back(d.description);
    }
    Json details = ids;
    details["mismatches"] = parts;
    return Unexpected(refuse(
      fmt::format("bench runs {} and {} are not comparable: they were measured differently: {}. "
                  "Compare runs with the same settings, scenarios, workload and iterations; "
                  "`homeboy bench history {}` lists the component's runs",
                  from->id, to->id, fmt::join(described, "; "),
                  to->component_id.empty() ? "<component>" : to->component_id),
      details));
  }

  auto from_rows = store.run_metrics(from->id);
  if (!from_rows) return Unexpected(from_rows.error());
  auto to_rows = store.run_metrics(to->id);
  if (!to_rows) return Unexpected(to_rows.error());
  for (const auto& [run, rows] : {std::pair{&*from, &*from_rows}, std::pair{&*to, &*to_rows}}) {
    if (rows->empty()) {
      std::string why = run->terminal_reason.empty() ? std::string(to_string(run->status))
                                                     : fmt::format("{}: {}", to_string(run->status),
                                                                   run->terminal_reason);
      return Unexpected(refuse(fmt::format("run {} recorded no metrics ({}); pick a run that "
                                           "measured something (homeboy runs show {} says what "
                                           "happened)",
                                           run->id, why, run->id),
                               ids));
    }
  }
  auto base = by_key(*from_rows, request.metrics);
  auto cur = by_key(*to_rows, request.metrics);
  if (!request.metrics.empty() && base.empty() && cur.empty()) {
    std::set<std::string> names;
    for (const auto& row : *from_rows) names.insert(row.name);
    for (const auto& row : *to_rows) names.insert(row.name);
    return Unexpected(Error{"validation.unknown_metric",
                            fmt::format("neither run recorded {} `{}`; pass --metric one of those recorded: {}",
                                        request.metrics.size() == 1 ? "metric" : "metrics",
                                        fmt::join(request.metrics, "`, `"), fmt::join(names, ", ")),
                            dump_json(ids)});
  }

  // homeboy bench's comparison, with the from-run as the baseline, under the
  // candidate's recorded policies and statistics settings.
  std::optional<BaselineComparison> comparison;
  std::string statistics_note;
  auto policies = policies_from_metadata(to_meta);
  if (!policies) {
    statistics_note = fmt::format("run {} did not record its metric policies (recorded by an "
                                  "older homeboy, or imported): deltas only, no verdicts",
                                  to->id);
  } else {
    const bool legacy = policies->empty();
    std::erase_if(*policies, [&](const auto& p) { return !selected(request.metrics, p.first); });
    const Json recorded = json_member_or(to_meta, "statistics", Json::object());
    CompareOptions options;
    // As `homeboy bench` does by default: the session rule needs a session
    // spread that two stored runs alone cannot give (bench --session-aware).
    options.session_aware = json_member_or(recorded, "session_aware", false);
    if (auto rules = parse_statistics(json_member_or(recorded, "rules", "sound"))) options.statistics = *rules;
    if (auto correction = parse_correction(json_member_or(recorded, "correction", "holm"))) options.correction = *correction;
    options.alpha = json_member_or(recorded, "alpha", 0.05);
    options.threshold_percent = json_member_or(recorded, "regression_threshold_percent", 5.0);
    if (legacy) {
      statistics_note = fmt::format("the runner declared no metric_policies, so only {} is judged, "
                                    "by the legacy point rule at {} %, as homeboy bench does",
                                    k_legacy_metric, format_value(options.threshold_percent));
    }
    // An empty policy list means the legacy rule, so a --metric that leaves
    // none of the declared policies judges nothing.
    if (legacy ? selected(request.metrics, std::string(k_legacy_metric)) : !policies->empty()) {
      comparison = compare_to_baseline(as_baseline(base), as_results(cur, *policies), options);
    }
  }

  std::map<Key, const MetricDelta*> judged;
  if (comparison) {
    for (const auto& s : comparison->scenarios) {
      for (const auto& d : s.metric_deltas) judged[{s.id, d.name}] = &d;
    }
  }
  Json comparisons = Json::array();
  Json missing = Json::array();
  std::set<Key> keys;
  for (const auto& [key, row] : base) keys.insert(key);
  for (const auto& [key, row] : cur) keys.insert(key);
  for (const auto& key : keys) {
    auto b = base.find(key);
    auto c = cur.find(key);
    if (b == base.end() || c == cur.end()) {
      missing.push_back({{"scenario_id", key.first},
                         {"metric", key.second},
                         {"missing_from", b == base.end() ? "from_run" : "to_run"}});
      continue;
    }
    const double fv = b->second->value;
    const double tv = c->second->value;
    Json row = {{"scenario_id", key.first},
                {"metric", key.second},
                {"from_value", fv},
                {"to_value", tv},
                {"delta", tv - fv},
                {"percent_change", fv == 0 ? Json(nullptr) : Json((tv - fv) / std::fabs(fv) * 100)},
                {"from_samples", b->second->samples.size()},
                {"to_samples", c->second->samples.size()}};
    auto d = judged.find(key);
    row["verdict"] = d == judged.end() ? Json(nullptr) : Json(to_string(d->second->verdict));
    row["statistics"] = d == judged.end() ? Json(nullptr) : metric_delta_json(*d->second);
    comparisons.push_back(std::move(row));
  }
  Json out = {{"command", "runs.bench-compare"},
              {"baseline", side_json("baseline", *from)},
              {"candidate", side_json("candidate", *to)},
              {"shared", to_context},
              {"metrics", request.metrics},
              {"comparisons", std::move(comparisons)},
              {"missing", std::move(missing)},
              {"verdict", comparison ? Json(comparison->regression         ? "regressed"
                                            : comparison->inconclusive     ? "inconclusive"
                                            : comparison->has_improvements ? "improved"
                                                                           : "unchanged")
                                     : Json(nullptr)},
              {"baseline_comparison", comparison ? baseline_comparison_json(*comparison) : Json(nullptr)},
              {"statistics_note", statistics_note.empty() ? Json(nullptr) : Json(statistics_note)}};
  out["reports"] = {{"markdown", bench_compare_markdown(out)}};
  return out;
}

std::string
bench_compare_markdown(const Json& p)
{
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : std::string("-"); };
  const Json& base_run = p["baseline"]["run"];
  const Json& cand_run = p["candidate"]["run"];
  std::string out = "# Bench Compare\n\n";
  out += fmt::format("- **Baseline run:** `{}` ({}, git {})\n", text(base_run["id"]),
                     text(base_run["started_at"]), text(base_run["git_sha"]));
  out += fmt::format("- **Candidate run:** `{}` ({}, git {})\n", text(cand_run["id"]),
                     text(cand_run["started_at"]), text(cand_run["git_sha"]));
  if (base_run["component_id"].is_string()) {
    out += fmt::format("- **Component:** `{}`\n", text(base_run["component_id"]));
  }
  if (base_run["rig_id"].is_string()) out += fmt::format("- **Rig:** `{}`\n", text(base_run["rig_id"]));
  const Json& shared = p["shared"];
  if (!shared["selected_scenarios"].empty()) {
    std::vector<std::string> ids = shared["selected_scenarios"].get<std::vector<std::string>>();
    out += fmt::format("- **Scenarios:** `{}`\n", fmt::join(ids, ", "));
  }
  if (shared["iterations"].is_number()) {
    out += fmt::format("- **Iterations:** {}\n", shared["iterations"].get<std::uint64_t>());
  }
  const Json& cmp = p["baseline_comparison"];
  if (cmp.is_object() && cmp["tests"].get<std::size_t>() > 0) {
    const std::size_t tests = cmp["tests"].get<std::size_t>();
    out += fmt::format("- **Statistics:** {} test{}, {} correction, alpha {}; p is one-sided in "
                       "the direction of the change, after correction\n",
                       tests, tests == 1 ? "" : "s", text(cmp["correction"]),
                       format_value(cmp["alpha"].get<double>()));
  }
  if (p["statistics_note"].is_string()) out += fmt::format("- **Note:** {}\n", text(p["statistics_note"]));

  out += "\n| Scenario | Metric | Baseline | Candidate | Delta | Change | 95% CI | p | n | Verdict |\n";
  out += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& row : p["comparisons"]) {
    std::string change = row["percent_change"].is_number()
                           ? fmt::format("{:+.1f}%", row["percent_change"].get<double>())
                           : "n/a";
    std::string ci = "-", pv = "-", verdict = "-";
    const Json& s = row["statistics"];
    if (s.is_object()) {
      verdict = text(s["verdict"]);
      const Json& interval = s["interval"];
      const Json& shift = s["shift"];
      if (interval.is_object()) {
        ci = fmt::format("[{:+.1f}, {:+.1f}]%", interval["lower"].get<double>(), interval["upper"].get<double>());
      } else if (shift.is_object()) {
        const std::string metric = text(row["metric"]);
        ci = fmt::format("[{}, {}]", format_metric_delta(metric, shift["lower"].get<double>()),
                         format_metric_delta(metric, shift["upper"].get<double>()));
      }
      const bool lower_better = s["direction"] == "lower_is_better";
      const bool worse = lower_better == (s["delta"].get<double>() > 0);
      const Json& adjusted = worse ? s["p_value_adjusted"] : s["improvement_p_value_adjusted"];
      if (adjusted.is_number()) {
        double v = adjusted.get<double>();
        pv = v < 0.001 ? "<0.001" : fmt::format("{:.3f}", v);
      }
    }
    std::string n = row["from_samples"].get<std::size_t>() || row["to_samples"].get<std::size_t>()
                      ? fmt::format("{}/{}", row["from_samples"].get<std::size_t>(), row["to_samples"].get<std::size_t>())
                      : "-";
    const std::string metric = text(row["metric"]);
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                       cell(text(row["scenario_id"])), cell(metric),
                       format_metric(metric, row["from_value"].get<double>()),
                       format_metric(metric, row["to_value"].get<double>()),
                       format_metric_delta(metric, row["delta"].get<double>()), change, ci, pv, n,
                       verdict);
  }
  if (p["comparisons"].empty()) out += "| n/a | n/a | n/a | n/a | n/a | n/a | - | - | - | - |\n";
  if (!p["missing"].empty()) {
    out += "\n## Missing Metrics\n\n| Scenario | Metric | Missing From |\n| --- | --- | --- |\n";
    for (const auto& row : p["missing"]) {
      out += fmt::format("| {} | {} | {} |\n", cell(text(row["scenario_id"])), cell(text(row["metric"])),
                         text(row["missing_from"]));
    }
  }
  if (p["verdict"].is_string()) {
    out += fmt::format("\n**Verdict:** {}", text(p["verdict"]));
    if (cmp.is_object() && !cmp["reasons"].empty()) {
      out += fmt::format(" ({})", fmt::join(cmp["reasons"].get<std::vector<std::string>>(), "; "));
    }
    out += "\n";
  }
  return out;
}

} // namespace hb::app

// The comparison envelope (bench.md "Output shape (cross-rig)"): rigs[] as
// the original lists them, diff.by_scenario with each cell's verdict added
// (ours), the measurement mode, and reports.side_by_side in JSON and as a
// Markdown table for a pull-request comment.

#include "app/bench/compare_arms.hpp"

#include "bench/units.hpp"
#include "model/run.hpp"
#include "app/run_json.hpp"
#include "app/bench_service.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

namespace hb::app {

using namespace hb::bench;

namespace {

/// A scenario's comparable values as the original flattens them: its
/// metrics, then each metric group's as `<group>.<metric>`, sorted by name.
std::map<std::string, double>
comparison_metrics(const BenchResults& results, std::size_t index)
{
  std::map<std::string, double> out;
  const Scenario& s = results.scenarios[index];
  for (const auto& m : s.metrics) out[m.name] = m.value;
  if (!results.document || !results.document->is_object()) return out;
  auto scenarios = results.document->find("scenarios");
  if (scenarios == results.document->end() || !scenarios->is_array()
      || index >= scenarios->size() || !(*scenarios)[index].is_object()) {
    return out;
  }
  auto groups = (*scenarios)[index].find("metric_groups");
  if (groups == (*scenarios)[index].end() || !groups->is_object()) return out;
  for (const auto& [group, values] : groups->items()) {
    if (!values.is_object()) continue;
    for (const auto& [name, value] : values.items()) {
      if (value.is_number()) out[group + "." + name] = value.get<double>();
    }
  }
  return out;
}

/// delta_percent as JSON: a signed infinity is written as the string
/// "Infinity" / "-Infinity" (JSON has no infinity, and the original's
/// serializer turns it into null).
Json
delta_percent_json(double reference, double current)
{
  const double d = delta_percent(reference, current);
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

const MetricDelta*
find_delta(const std::optional<BaselineComparison>& verdicts, const std::string& scenario,
           const std::string& metric)
{
  if (!verdicts) return nullptr;
  const ScenarioComparison* sc = verdicts->find(scenario);
  if (!sc) return nullptr;
  for (const auto& d : sc->metric_deltas) {
    if (d.name == metric) return &d;
  }
  return nullptr;
}

const BenchResults*
results_of(const ArmResult& arm)
{
  return arm.report && arm.report->results ? &*arm.report->results : nullptr;
}

Json
diff_json(const ComparisonReport& r)
{
  Json by_scenario = Json::object();
  for (const auto& row : comparison_rows(r)) {
    Json per_arm = Json::object();
    for (std::size_t i = 0; i < row.current.size(); ++i) {
      if (!row.current[i]) continue; // missing: skipped, never a synthetic zero
      Json cell = {{"reference", row.reference},
                   {"current", *row.current[i]},
                   {"delta_percent", delta_percent_json(row.reference, *row.current[i])}};
      // Ours: the verdict of the metric, tested on its samples when both
      // sides have them (p_value), else against its thresholds (`test`:
      // point, e.g. instruction counts, which do not vary).
      if (const MetricDelta* d = row.verdicts[i]) {
        cell["verdict"] = to_string(d->verdict);
        cell["decided"] = d->verdict != Verdict::inconclusive;
        if (d->p_value_adjusted) {
          cell["p_value"] = *d->p_value_adjusted;
        } else {
          cell["test"] = "point";
        }
        if (Json change = change_percent_json(*d); !change.is_null()) cell["change_percent"] = change;
        if (!d->reason.empty()) cell["reason"] = d->reason;
      }
      per_arm[r.arms[i + 1].arm.id] = std::move(cell);
    }
    if (per_arm.empty()) continue;
    by_scenario[row.scenario_id][row.metric] = std::move(per_arm);
  }
  return Json{{"by_scenario", std::move(by_scenario)}};
}

/// The arm's artifacts as the original's index lists them: those a
/// workload pointed at (scenario_id, name, run_index when tied to one).
Json
artifact_index(const ArmResult& arm)
{
  Json out = Json::array();
  if (!arm.report) return out;
  for (const auto& a : arm.report->artifacts) {
    Json meta = parse_json_or_discard(a.metadata_json);
    if (!meta.is_object() || !meta.contains("scenario_id")) continue;
    Json entry = {{"scenario_id", meta["scenario_id"]}};
    if (meta.contains("run_index")) entry["run_index"] = meta["run_index"];
    entry["name"] = meta.value("name", a.label);
    entry["path"] = a.path;
    entry["kind"] = a.kind;
    if (!a.label.empty()) entry["label"] = a.label;
    out.push_back(std::move(entry));
  }
  return out;
}

std::string
failure_reason(const ArmResult& arm)
{
  if (arm.error) return arm.error->message;
  if (!arm.report) return "";
  if (arm.report->failure) return arm.report->failure->message;
  if (arm.report->results && !arm.report->passed) {
    for (const auto& s : arm.report->results->scenarios) {
      if (!s.failure_reasons.empty()) {
        return fmt::format("scenario {}: {}", s.id, s.failure_reasons.front());
      }
    }
    return "a gate failed";
  }
  return "";
}

Json
rig_entry(const ArmResult& arm)
{
  Json entry = {{"rig_id", arm.arm.id},
                {"passed", arm.passed()},
                {"status", arm.passed() ? "passed" : "failed"},
                {"exit_code", arm.exit_code()}};
  Json artifacts = artifact_index(arm);
  if (!artifacts.empty()) entry["artifacts"] = std::move(artifacts);
  if (const BenchResults* r = results_of(arm)) entry["results"] = *r->document;
  auto state = parse_json(arm.arm.pin.state_json, "rig_state");
  if (state && !state->empty()) entry["rig_state"] = *state;
  if (std::string reason = failure_reason(arm); !reason.empty()) {
    entry["failure"] = {{"code", arm.error                              ? arm.error->code
                                 : arm.report && arm.report->failure ? arm.report->failure->code
                                                                     : "bench.gate_failed"},
                        {"message", reason}};
  }
  if (arm.report && !arm.report->run_id.empty()) {
    entry["run_id"] = arm.report->run_id;
    entry["run_status"] = arm.report->cancelled ? "cancelled"
                          : arm.report->exit_code == 0 ? "succeeded"
                                                       : "failed";
  }
  return entry;
}

Json
side_by_side_json(const ComparisonReport& r)
{
  Json rigs = Json::array();
  for (const auto& arm : r.arms) {
    Json entry = {{"rig_id", arm.arm.id},
                  {"passed", arm.passed()},
                  {"status", arm.passed() ? "passed" : "failed"},
                  {"exit_code", arm.exit_code()}};
    if (const BenchResults* res = results_of(arm)) {
      double elapsed = 0;
      bool found = false;
      Json key = Json::array();
      for (std::size_t i = 0; i < res->scenarios.size(); ++i) {
        const Scenario& s = res->scenarios[i];
        const double* e = s.metric("elapsed_ms");
        if (!e) e = s.metric("duration_ms");
        if (e) {
          elapsed += *e;
          found = true;
        }
        for (const auto& [name, value] : comparison_metrics(*res, i)) {
          key.push_back({{"scenario_id", s.id}, {"name", name}, {"value", value}});
        }
      }
      if (found) entry["elapsed_ms"] = elapsed;
      if (!key.empty()) entry["key_metrics"] = std::move(key);
    }
    Json artifacts = artifact_index(arm);
    if (!artifacts.empty()) entry["artifacts"] = std::move(artifacts);
    if (std::string reason = failure_reason(arm); !reason.empty()) entry["failure_reason"] = reason;
    rigs.push_back(std::move(entry));
  }
  return Json{{"report", "side_by_side"},
              {"component", r.component_id},
              {"iterations", r.iterations},
              {"rigs", std::move(rigs)},
              {"markdown", side_by_side_markdown(r)}};
}

std::string
md_escape(std::string text)
{
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

} // namespace

Json
comparison_payload(const ComparisonReport& r)
{
  Json rigs = Json::array();
  for (const auto& arm : r.arms) rigs.push_back(rig_entry(arm));
  Json verdicts = Json::array();
  for (std::size_t i = 1; i < r.arms.size(); ++i) {
    const auto& v = r.verdicts[i - 1];
    verdicts.push_back({{"rig_id", r.arms[i].arm.id},
                        {"reference", r.arms.front().arm.id},
                        {"comparison", v ? baseline_comparison_json(*v) : Json(nullptr)}});
  }
  Json out = {{"comparison", r.comparison},
              {"passed", r.passed},
              {"component", r.component_id},
              {"exit_code", r.exit_code},
              {"iterations", r.iterations},
              {"rigs", std::move(rigs)},
              {"diff", diff_json(r)},
              {"measurement", {{"mode", r.interleaved ? "interleaved" : "sequential"},
                               {"rounds", r.rounds},
                               {"order_seed", r.order_seed},
                               {"round_orders", r.round_orders}}},
              {"verdicts", std::move(verdicts)},
              {"regression", r.regression},
              {"reports", {{"side_by_side", side_by_side_json(r)}}},
              {"hints", r.hints}};
  if (!r.notes.empty()) out["notes"] = r.notes;
  if (!r.run_id.empty()) {
    out["persisted_run"] = {{"run_id", r.run_id},
                            {"ref", run_ref(r.run_id)},
                            {"show_command", "homeboy runs show " + r.run_id}};
  }
  return out;
}

std::string
side_by_side_markdown(const ComparisonReport& r)
{
  std::string out = fmt::format("**{}** · {} · {} iterations · {}\n\n", md_escape(r.component_id),
                                r.comparison == "against" ? "against a git revision" : "cross-rig",
                                r.iterations,
                                r.interleaved ? fmt::format("interleaved in {} rounds", r.rounds)
                                              : std::string("sides measured one after another"));
  out += "| scenario | metric |";
  for (std::size_t i = 0; i < r.arms.size(); ++i) {
    out += fmt::format(" {}{} |", md_escape(r.arms[i].arm.id), i == 0 ? " (reference)" : "");
  }
  out += "\n|---|---|";
  for (std::size_t i = 0; i < r.arms.size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& row : comparison_rows(r)) {
    out += fmt::format("| {} | {} | {} |", md_escape(row.scenario_id), md_escape(row.metric),
                       format_metric(row.metric, row.reference));
    for (std::size_t i = 0; i < row.current.size(); ++i) {
      std::string cell = "–";
      if (row.current[i]) {
        cell = fmt::format("{} ({})", format_metric(row.metric, *row.current[i]),
                           delta_percent_text(row.reference, *row.current[i]));
        // Decided cells are bold; the verdict word follows.
        if (const MetricDelta* d = row.verdicts[i]) {
          cell = d->verdict != Verdict::inconclusive
                   ? fmt::format("**{}** {}", cell, to_string(d->verdict))
                   : fmt::format("{} {}", cell, to_string(d->verdict));
        }
      }
      out += " " + md_escape(cell) + " |";
    }
    out += "\n";
  }
  out += "\n";
  for (const auto& arm : r.arms) {
    std::string reason = failure_reason(arm);
    out += fmt::format("- {}: {}{}\n", md_escape(arm.arm.id), arm.passed() ? "passed" : "failed",
                       reason.empty() ? "" : " (" + md_escape(reason) + ")");
  }
  return out;
}

double
delta_percent(double reference, double current)
{
  if (reference == 0) {
    if (current == 0) return 0;
    return current > 0 ? std::numeric_limits<double>::infinity()
                       : -std::numeric_limits<double>::infinity();
  }
  return (current - reference) / reference * 100;
}

std::string
delta_percent_text(double reference, double current)
{
  const double d = delta_percent(reference, current);
  if (std::isinf(d)) return d > 0 ? "+∞" : "-∞";
  return fmt::format("{:+.1f}%", d);
}

std::vector<ComparisonRow>
comparison_rows(const ComparisonReport& r)
{
  std::vector<ComparisonRow> rows;
  const BenchResults* ref = r.arms.empty() ? nullptr : results_of(r.arms.front());
  if (!ref) return rows;
  for (std::size_t si = 0; si < ref->scenarios.size(); ++si) {
    const std::string& id = ref->scenarios[si].id;
    for (const auto& [metric, ref_value] : comparison_metrics(*ref, si)) {
      ComparisonRow row{id, metric, ref_value, {}, {}};
      for (std::size_t i = 1; i < r.arms.size(); ++i) {
        std::optional<double> value;
        const BenchResults* cur = results_of(r.arms[i]);
        const Scenario* s = cur ? cur->find(id) : nullptr;
        if (s) {
          auto values = comparison_metrics(*cur, static_cast<std::size_t>(s - cur->scenarios.data()));
          if (auto it = values.find(metric); it != values.end()) value = it->second;
        }
        const MetricDelta* d = i - 1 < r.verdicts.size() ? find_delta(r.verdicts[i - 1], id, metric)
                                                         : nullptr;
        row.current.push_back(value);
        row.verdicts.push_back(value && d ? d : nullptr);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

} // namespace hb::app

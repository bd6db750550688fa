#include "app/bench_service.hpp"
#include "app/run_json.hpp"
#include "bench/verdict_summary.hpp"
#include "util/json.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace hb::app {

using namespace hb::bench;

namespace {

Json
gate_result_json(const GateResult& g)
{
  Json out = {{"scenario_id", g.scenario_id},
              {"metric", g.metric},
              {"op", to_string(g.op)},
              {"expected", g.expected},
              {"actual", g.actual ? Json(*g.actual) : Json(nullptr)},
              {"passed", g.passed},
              {"source", g.source}};
  if (!g.passed) out["reason"] = g.reason; // the original's key, only on a failed gate
  return out;
}

Json
budget_finding_json(const BudgetFinding& f)
{
  Json meta = parse_json_or_discard(f.metadata_json);
  Json out = {{"tool", f.tool}, {"message", f.message}, {"rule", f.rule},
              {"category", f.category}, {"severity", f.severity},
              {"fails_run", f.fails_run}};
  if (!f.file.empty()) out["file"] = f.file;
  if (f.line) out["line"] = *f.line;
  if (f.column) out["column"] = *f.column;
  if (!f.fingerprint.empty()) out["fingerprint"] = f.fingerprint;
  if (!f.scenario_id.empty()) out["scenario_id"] = f.scenario_id;
  out["metadata"] = meta.is_object() ? meta : Json::object();
  return out;
}

Json
optional_json(const std::optional<double>& value)
{
  return value ? Json(*value) : Json(nullptr);
}

Json
interval_json(const std::optional<Interval>& i)
{
  if (!i) {
    return nullptr;
  }
  return Json{{"estimate", i->estimate}, {"lower", i->lower},   {"upper", i->upper},
              {"confidence", i->confidence}, {"unit", i->unit}, {"method", i->method}};
}

Json
diagnostics_json(const std::vector<SampleDiagnostics>& all)
{
  Json out = Json::array();
  for (const auto& entry : all) {
    const auto& d = entry.diagnostics;
    out.push_back({{"scenario_id", entry.scenario_id},
                   {"invocation", entry.invocation ? Json(entry.invocation) : Json(nullptr)},
                   {"metric", entry.metric},
                   {"warnings", d.warnings()},
                   {"outliers", {{"indices", d.outliers.indices},
                                 {"median", d.outliers.median},
                                 {"mad", d.outliers.mad},
                                 {"method", d.outliers.method}}},
                   {"trend", {{"flagged", d.trend.flagged},
                              {"p_value", d.trend.p_value},
                              {"slope", d.trend.slope},
                              {"relative_drift", d.trend.relative_drift},
                              {"method", d.trend.method}}},
                   {"bimodality", {{"flagged", d.bimodality.flagged},
                                   {"coefficient", d.bimodality.coefficient},
                                   {"method", d.bimodality.method}}}});
  }
  return out;
}

Json
persisted_json(const BenchReport& r)
{
  if (r.run_id.empty()) {
    return nullptr;
  }
  return Json{{"run_id", r.run_id},
              {"ref", run_ref(r.run_id)},
              {"show_command", "homeboy runs show " + r.run_id},
              {"artifacts_command", "homeboy runs artifacts " + r.run_id}};
}

/// A stored artifact as the bench output lists it: our record, plus the
/// original's artifact-index keys (`scenario_id`, `run_index`, `name`) for
/// the artifacts a workload pointed at (bench.md, "Output shape").
Json
artifact_index_entry(const Artifact& a)
{
  Json entry = artifact_json(a);
  const Json& meta = entry["metadata_json"];
  for (const char* key : {"scenario_id", "run_index", "name"}) {
    if (meta.is_object() && meta.contains(key)) entry[key] = meta[key];
  }
  return entry;
}

} // namespace

Json
metric_delta_json(const MetricDelta& d)
{
  Json row = {{"name", d.name},
              {"baseline_value", d.baseline_value},
              {"current_value", d.current_value},
              {"delta", d.delta},
              {"delta_pct", d.delta_pct ? Json(*d.delta_pct) : Json(nullptr)},
              {"direction", to_string(d.direction)},
              {"regression_test", to_string(d.regression_test)},
              {"baseline_samples", d.baseline_samples},
              {"current_samples", d.current_samples},
              {"statistic", optional_json(d.statistic)},
              {"regression", d.regression},
              {"improvement", d.improvement},
              {"verdict", to_string(d.verdict)},
              {"method", d.method},
              {"p_value", optional_json(d.p_value)},
              {"p_value_adjusted", optional_json(d.p_value_adjusted)},
              {"improvement_p_value", optional_json(d.improvement_p_value)},
              {"improvement_p_value_adjusted", optional_json(d.improvement_p_value_adjusted)},
              {"z", optional_json(d.z)},
              {"interval", interval_json(d.interval)},
              {"shift", interval_json(d.shift)},
              {"equivalence", interval_json(d.equivalence)}};
  if (d.speed_adjusted_pct) row["speed_adjusted_pct"] = *d.speed_adjusted_pct;
  if (d.sessions) {
    // The session comparison (docs/bench.md, Sessions); df is null when the
    // session spread was assumed (a normal reference).
    const auto& c = *d.sessions;
    row["sessions"] = {{"baseline_sessions", c.baseline_sessions},
                       {"current_sessions", c.current_sessions},
                       {"estimate_pct", c.estimate_pct},
                       {"lower_pct", c.lower_pct},
                       {"upper_pct", c.upper_pct},
                       {"equivalence_lower_pct", c.equivalence_lower_pct},
                       {"equivalence_upper_pct", c.equivalence_upper_pct},
                       {"p_greater", c.p_greater},
                       {"p_less", c.p_less},
                       {"df", std::isfinite(c.df) ? Json(c.df) : Json(nullptr)},
                       {"session_log_sd", c.session_log_sd},
                       {"within_log_sd", c.within_log_sd},
                       {"noise_estimated", c.noise_estimated},
                       {"source", c.source},
                       {"baseline_within_log_sd", c.baseline_within_log_sd},
                       {"current_within_log_sd", c.current_within_log_sd},
                       {"conditions_differ", c.conditions_differ}};
    if (std::string_view(c.source) == "paired") row["sessions"]["trimmed_rounds"] = c.trimmed_rounds;
  }
  if (!d.note.empty()) row["note"] = d.note;
  if (!d.reason.empty()) row["reason"] = d.reason;
  if (!d.remedy.empty()) row["remedy"] = d.remedy;
  if (d.undecided != Undecided::none) row["undecided"] = to_string(d.undecided);
  return row;
}

Json
change_percent_json(const MetricDelta& d)
{
  if (d.sessions && d.sessions->applicable) {
    return Json{{"estimate", d.sessions->estimate_pct}, {"lower", d.sessions->lower_pct},
                {"upper", d.sessions->upper_pct}, {"confidence", 0.95},
                {"method", d.sessions->source}};
  }
  if (d.interval) {
    return Json{{"estimate", d.interval->estimate}, {"lower", d.interval->lower},
                {"upper", d.interval->upper}, {"confidence", d.interval->confidence},
                {"method", d.interval->method}};
  }
  return nullptr;
}

Json
baseline_comparison_json(const BaselineComparison& c)
{
  Json scenarios = Json::array();
  for (const auto& s : c.scenarios) {
    Json deltas = Json::array();
    for (const auto& d : s.metric_deltas) {
      deltas.push_back(metric_delta_json(d));
    }
    scenarios.push_back({{"id", s.id}, {"metric_deltas", std::move(deltas)},
                         {"regression", s.regression}, {"improvement", s.improvement},
                         {"verdict", to_string(s.verdict)}});
  }
  const VerdictCounts counts = count_verdicts(c);
  Json undecided = Json::object();
  for (const auto& [kind, n] : counts.undecided) {
    undecided[to_string(kind)] = n;
  }
  return Json{{"threshold_percent", c.threshold_percent},
              {"scenarios", std::move(scenarios)},
              {"summary", {{"compared", counts.compared},
                           {"decided", counts.decided()},
                           {"unchanged", counts.unchanged},
                           {"improved", counts.improved},
                           {"regressed", counts.regressed},
                           {"inconclusive", counts.inconclusive},
                           {"undecided", std::move(undecided)},
                           {"text", summarize(counts)}}},
              {"new_scenario_ids", c.new_scenario_ids},
              {"removed_scenario_ids", c.removed_scenario_ids},
              {"regression", c.regression},
              {"has_improvements", c.has_improvements},
              {"inconclusive", c.inconclusive},
              {"reasons", c.reasons},
              {"statistics", c.statistics == Statistics::sound ? "sound" : "documented"},
              {"correction", to_string(c.correction)},
              {"alpha", c.alpha},
              {"tests", c.tests},
              {"host_differences", c.host_differences},
              {"machine_speed", c.machine_speed ? Json{{"baseline_index", c.machine_speed->baseline_index},
                                                       {"current_index", c.machine_speed->current_index},
                                                       {"slowdown", c.machine_speed->slowdown()},
                                                       {"differs", c.machine_speed->differs()}}
                                                 : Json(nullptr)}};
}

Json
bench_payload(const BenchReport& r)
{
  Json gate_results = Json::array();
  // gate_failures keeps the original's shape (one sentence per failed gate);
  // the structured entries are gate_failure_details.
  Json gate_failures = Json::array();
  Json gate_failure_details = Json::array();
  Json budget = Json::array();
  if (r.results) {
    for (const auto& g : r.results->gate_results) {
      gate_results.push_back(gate_result_json(g));
      if (!g.passed) {
        gate_failures.push_back(g.reason);
        gate_failure_details.push_back(gate_result_json(g));
      }
    }
    for (const auto& f : r.results->budget_findings) {
      budget.push_back(budget_finding_json(f));
    }
  }
  Json artifacts = Json::array();
  for (const auto& a : r.artifacts) {
    artifacts.push_back(artifact_index_entry(a));
  }
  // Failure details come before comparison data (bench.md "Semantic Gates").
  Json out = {{"component", r.component_id},
              {"exit_code", r.exit_code},
              {"iterations", r.iterations},
              {"passed", r.passed},
              {"status", r.status()},
              {"gate_results", std::move(gate_results)},
              {"gate_failures", std::move(gate_failures)},
              {"gate_failure_details", std::move(gate_failure_details)},
              {"budget_findings", std::move(budget)},
              {"results", r.results ? *r.results->document : Json(nullptr)},
              {"baseline_comparison", r.comparison ? baseline_comparison_json(*r.comparison) : Json(nullptr)},
              {"baseline", {{"key", r.baseline_key}, {"found", r.baseline_found},
                            {"saved", r.baseline_saved}, {"ratcheted", r.ratcheted},
                            {"ratcheted_metrics", r.ratcheted_metrics},
                            {"notes", r.notes}}},
              {"warnings", bench_warnings(r)},
              {"diagnostics", diagnostics_json(r.diagnostics)},
              {"host", host_to_json(r.host)},
              {"machine_speed", r.machine_speed ? machine_speed_to_json(*r.machine_speed) : Json(nullptr)},
              {"measured_by", r.measured_by},
              {"artifacts", std::move(artifacts)},
              {"persisted_run", persisted_json(r)},
              {"hints", r.hints}};
  if (!r.rig_id.empty()) {
    // --rig: the pinned rig and its components' git state when measured.
    out["rig_id"] = r.rig_id;
    out["rig_state"] = parse_json_or_discard(r.rig_state_json);
  }
  if (r.exec_seed) {
    out["exec"] = {{"seed", *r.exec_seed}, {"failures", r.command_failures}};
  }
  out["measure"] = r.counter ? Json{{"kind", "instructions"}, {"counter", *r.counter}}
                             : Json{{"kind", "time"}};
  if (r.looks > 1) {
    Json rounds = Json::array();
    for (const auto& round : r.decisive_rounds) {
      rounds.push_back({{"round", round.round}, {"iterations", round.iterations},
                        {"scenarios", round.scenario_ids}});
    }
    out["until_decisive"] = {{"looks", r.looks}, {"rounds", std::move(rounds)}};
  }
  if (r.failure) {
    out["failure"] = {{"code", r.failure->code}, {"message", r.failure->message}};
  }
  return out;
}

std::vector<std::string>
bench_warnings(const BenchReport& r)
{
  std::vector<std::string> out = r.command_failures;
  if (r.comparison && !r.resources_state.empty() && !r.baseline_resources_state.empty()
      && r.resources_state != r.baseline_resources_state) {
    out.push_back(fmt::format("the baseline was measured while the machine was {} and this run "
                              "while it was {} (homeboy doctor resources): a difference may be "
                              "the load's, not the code's",
                              r.baseline_resources_state, r.resources_state));
  }
  if (r.comparison && !r.comparison->host_differences.empty()) {
    out.push_back(fmt::format("the baseline was measured on another machine, so differences may "
                              "not be the code's: {}",
                              fmt::join(r.comparison->host_differences, "; ")));
  }
  // Instruction counts do not follow the machine's speed: nothing to warn of.
  if (r.comparison && r.comparison->machine_speed && r.comparison->machine_speed->differs()
      && !r.counter) {
    out.push_back(fmt::format("the machine {}: a regression or improvement of a time or rate that "
                              "this explains is reported inconclusive, not as the code's",
                              r.comparison->machine_speed->describe()));
  }
  if (r.machine_speed && r.machine_speed->sessions.size() > 1) {
    // --runs N: sessions far apart in speed widen the session comparison;
    // say which one ran slow.
    const auto& v = r.machine_speed->sessions;
    const double fastest = *std::max_element(v.begin(), v.end());
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (fastest / v[k] - 1 > k_speed_tolerance) {
        out.push_back(fmt::format("invocation {} of {} ran {:.0f}% slower than the fastest "
                                  "(machine speed index {:.0f} against {:.0f}): the machine was "
                                  "busier or clocked down",
                                  k + 1, v.size(), (fastest / v[k] - 1) * 100, v[k], fastest));
      }
    }
  }
  if (r.decisive_max && r.comparison && r.comparison->inconclusive) {
    // More rounds add samples to this run only: the baseline's own
    // uncertainty bounds how narrow an interval can get.
    std::size_t fewest = 0;
    for (const auto& s : r.comparison->scenarios) {
      if (s.verdict != Verdict::inconclusive) continue;
      for (const auto& d : s.metric_deltas) {
        if (d.baseline_samples > 0 && (fewest == 0 || d.baseline_samples < fewest)) {
          fewest = d.baseline_samples;
        }
      }
    }
    if (fewest > 0 && fewest < *r.decisive_max) {
      out.push_back(fmt::format(
        "--until-decisive measures this run again, never the baseline, and the baseline holds "
        "only {} samples of an inconclusive metric: its own uncertainty can keep a scenario "
        "inconclusive however many samples this run gets. Save the baseline with --iterations "
        "{} (and --baseline) to let more rounds decide",
        fewest, *r.decisive_max));
    }
  }
  for (const auto& entry : r.diagnostics) {
    for (const auto& w : entry.diagnostics.warnings()) {
      out.push_back(fmt::format("{} {}{}: {}", entry.scenario_id, entry.metric,
                                entry.invocation ? fmt::format(" (invocation {})", entry.invocation)
                                                 : "",
                                w));
    }
  }
  return out;
}

Json
bench_summary_payload(const BenchReport& r)
{
  Json scenarios = Json::array();
  if (r.results) {
    for (const auto& s : r.results->scenarios) {
      Json entry = {{"id", s.id}, {"passed", s.passed}};
      const ScenarioComparison* cmp = r.comparison ? r.comparison->find(s.id) : nullptr;
      entry["regression"] = cmp && cmp->regression;
      entry["improvement"] = cmp && cmp->improvement;
      if (cmp) entry["verdict"] = to_string(cmp->verdict);
      Json metrics = Json::object();
      for (const auto& m : s.metrics) metrics[m.name] = m.value;
      entry["metrics"] = std::move(metrics);
      scenarios.push_back(std::move(entry));
    }
  }
  Json out = {{"component", r.component_id},
              {"exit_code", r.exit_code},
              {"passed", r.passed},
              {"status", r.status()},
              {"regression", r.comparison && r.comparison->regression},
              {"has_improvements", r.comparison && r.comparison->has_improvements},
              {"inconclusive", r.comparison && r.comparison->inconclusive},
              {"reasons", r.comparison ? Json(r.comparison->reasons) : Json::array()},
              {"scenarios", std::move(scenarios)},
              {"persisted_run", persisted_json(r)}};
  if (r.counter) {
    // Added key, only for counted runs: a CI wrapper sees what was compared.
    out["measure"] = {{"kind", "instructions"}, {"counter", *r.counter}};
  }
  if (r.failure) {
    out["failure"] = {{"code", r.failure->code}, {"message", r.failure->message}};
  }
  return out;
}

Json
scenario_list_payload(const ScenarioList& list)
{
  Json scenarios = Json::array();
  for (const auto& s : list.inventory.scenarios) {
    Json entry = {{"id", s.id}};
    if (!s.file.empty()) entry["file"] = s.file;
    if (!s.source.empty()) entry["source"] = s.source;
    if (s.default_iterations) entry["default_iterations"] = *s.default_iterations;
    if (!s.tags.empty()) entry["tags"] = s.tags;
    scenarios.push_back(std::move(entry));
  }
  Json out = {{"component", list.component_id},
              {"component_id", list.component_id},
              {"count", list.inventory.scenarios.size()},
              {"scenarios", std::move(scenarios)}};
  if (!list.rig_id.empty()) out["rig"] = list.rig_id;
  return out;
}

} // namespace hb::app

// The rig stage of `homeboy bench` (rig_bench.hpp): from rig ids to pinned
// bench requests, checks first.

#include "app/bench/rig_bench.hpp"

#include "app/bench/pipeline.hpp"
#include "app/rig/rig_service.hpp"
#include "model/paths.hpp"
#include "rig/rig.hpp"
#include "store/store.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace hb::app {

namespace {

Result<bench::GateOp>
gate_op(const hb::rig::Gate& g, const std::string& rig_id)
{
  if (g.op == "equals") return bench::GateOp::eq;
  if (g.op == "gte") return bench::GateOp::gte;
  if (g.op == "lte") return bench::GateOp::lte;
  return make_error("rig.invalid_spec",
                    fmt::format("rig `{}`: bench.metric_gates.{}.{} uses `{}`; the operators are "
                                "equals, gte and lte",
                                rig_id, g.scenario_id, g.metric, g.op));
}

/// What the rig adds to a bench pinned to it.
Result<BenchRequest::RigPin>
pin_of(const hb::rig::Spec& spec, const hb::rig::State& state)
{
  BenchRequest::RigPin pin;
  pin.id = spec.id;
  pin.state_json = hb::rig::state_json(state);
  for (const auto& g : spec.metric_gates) {
    auto op = gate_op(g, spec.id);
    if (!op) return Unexpected(op.error());
    pin.gates.emplace_back(g.scenario_id, bench::Gate{g.metric, *op, g.value});
  }
  for (const auto& [extension, workloads] : spec.bench_workloads) {
    pin.workloads.emplace_back(extension, hb::rig::workload_paths(spec, extension));
    for (const auto& w : workloads) {
      if (w.port_range_size || !w.named_leases.empty()) {
        pin.isolation.push_back({extension, w.port_range_size, w.named_leases});
      }
    }
  }
  return pin;
}

/// The rig's checkout of `component`, when it declares one.
std::optional<std::filesystem::path>
component_path(const hb::rig::Spec& spec, const std::optional<std::string>& component)
{
  if (!component) return std::nullopt;
  if (const hb::rig::Component* c = spec.find_component(*component)) {
    if (!c->path.empty()) return c->path;
  }
  return std::nullopt;
}

std::string
failed_steps(const hb::rig::CheckReport& report)
{
  std::vector<std::string> failed;
  for (const auto& step : report.steps) {
    if (!step.passed) failed.push_back(fmt::format("{} ({})", step.label, step.message));
  }
  return fmt::format("{}", fmt::join(failed, "; "));
}

std::string
rename(const std::string& scenario, const std::string& component)
{
  return scenario + ":c" + component;
}

} // namespace

BenchReport
merge_component_reports(const std::vector<BenchReport>& reports,
                        const std::vector<std::string>& component_ids)
{
  BenchReport out = reports.front();
  out.passed = true;
  out.exit_code = 0;
  Json document = out.results && out.results->document ? *out.results->document : Json::object();
  Json scenarios = Json::array();
  bench::BenchResults merged;
  std::optional<bench::BaselineComparison> comparison;
  out.artifacts.clear();
  out.hints.clear();
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const BenchReport& r = reports[i];
    const std::string& c = component_ids[i];
    out.passed = out.passed && r.passed;
    if (out.exit_code == 0) out.exit_code = r.exit_code;
    if (!out.failure && r.failure) out.failure = r.failure;
    out.artifacts.insert(out.artifacts.end(), r.artifacts.begin(), r.artifacts.end());
    if (!r.run_id.empty()) {
      out.hints.push_back(fmt::format("component {}: homeboy runs show {}", c, r.run_id));
    }
    if (r.results) {
      merged.component_id = out.component_id;
      merged.iterations = r.results->iterations;
      for (auto s : r.results->scenarios) {
        s.id = rename(s.id, c);
        merged.scenarios.push_back(std::move(s));
      }
      for (auto g : r.results->gate_results) {
        g.scenario_id = rename(g.scenario_id, c);
        merged.gate_results.push_back(std::move(g));
      }
      for (auto f : r.results->budget_findings) {
        if (!f.scenario_id.empty()) f.scenario_id = rename(f.scenario_id, c);
        merged.budget_findings.push_back(std::move(f));
      }
      for (const auto& p : r.results->policies) {
        if (!merged.policy(p.first)) merged.policies.push_back(p);
      }
      if (r.results->document && r.results->document->contains("scenarios")) {
        for (Json s : (*r.results->document)["scenarios"]) {
          if (s.is_object() && s.contains("id") && s["id"].is_string()) {
            s["id"] = rename(s["id"].get<std::string>(), c);
          }
          scenarios.push_back(std::move(s));
        }
      }
    }
    if (r.comparison) {
      if (!comparison) {
        comparison = *r.comparison;
        comparison->scenarios.clear();
        comparison->reasons.clear();
        comparison->new_scenario_ids.clear();
        comparison->removed_scenario_ids.clear();
      }
      for (auto sc : r.comparison->scenarios) {
        sc.id = rename(sc.id, c);
        comparison->scenarios.push_back(std::move(sc));
      }
      for (const auto& id : r.comparison->new_scenario_ids) {
        comparison->new_scenario_ids.push_back(rename(id, c));
      }
      for (const auto& id : r.comparison->removed_scenario_ids) {
        comparison->removed_scenario_ids.push_back(rename(id, c));
      }
      for (const auto& reason : r.comparison->reasons) {
        comparison->reasons.push_back(c + ": " + reason);
      }
      comparison->tests += r.comparison->tests;
      comparison->regression = comparison->regression || r.comparison->regression;
      comparison->has_improvements = comparison->has_improvements || r.comparison->has_improvements;
      comparison->inconclusive = comparison->inconclusive || r.comparison->inconclusive;
    }
  }
  if (!reports.front().results) {
    out.results.reset();
  } else {
    document["scenarios"] = std::move(scenarios);
    merged.document = std::make_shared<const Json>(std::move(document));
    out.results = std::move(merged);
  }
  out.comparison = std::move(comparison);
  return out;
}

Result<RigBenchOutcome>
run_rig_bench(const RigBenchRequest& request)
{
  std::vector<std::string> ids = request.rig_ids;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (id.empty()) {
      return make_error("validation.invalid_argument",
                        "--rig has an empty rig id; give ids separated by commas, e.g. "
                        "--rig trunk,branch");
    }
    if (!seen.insert(id).second) {
      return make_error("validation.invalid_argument",
                        fmt::format("rig `{}` is named twice in --rig; a comparison needs "
                                    "different rigs (to measure one rig's noise, run "
                                    "`homeboy bench --rig {} --runs 3`)",
                                    id, id));
    }
  }
  auto paths = resolve_paths(request.bench.artifact_root);
  if (!paths) return Unexpected(paths.error());

  RigBenchOutcome outcome;
  std::vector<hb::rig::Spec> specs;
  for (const auto& id : ids) {
    auto spec = hb::rig::load(*paths, id);
    if (!spec) return Unexpected(spec.error());
    specs.push_back(std::move(*spec));
  }
  // bench.default_baseline_rig: `--rig candidate` becomes `--rig
  // baseline,candidate` unless told otherwise (bench.md).
  if (specs.size() == 1) {
    const hb::rig::Spec& candidate = specs.front();
    const std::string& base = candidate.bench.default_baseline_rig;
    if (!base.empty() && base != candidate.id && !request.ignore_default_baseline
        && !request.bench.save_baseline && !request.bench.ratchet
        && candidate.bench.components.size() <= 1) {
      auto spec = hb::rig::load(*paths, base);
      if (!spec) return Unexpected(spec.error());
      outcome.notes.push_back(fmt::format(
        "rig `{}` declares bench.default_baseline_rig `{}`, so this is the comparison --rig {},{} "
        "(pass --ignore-default-baseline to bench `{}` alone)",
        candidate.id, base, base, candidate.id, candidate.id));
      specs.insert(specs.begin(), std::move(*spec));
    }
  }

  // The component: given, or every rig's bench.default_component.
  BenchRequest bench = request.bench;
  const bool fan_out = specs.size() == 1 && !bench.component_id
                       && specs.front().bench.components.size() > 1;
  if (!bench.component_id && !fan_out) {
    std::string agreed;
    for (const auto& spec : specs) {
      const std::string& c = spec.bench.default_component;
      if (c.empty()) continue;
      if (!agreed.empty() && c != agreed) {
        std::vector<std::string> each;
        for (const auto& s : specs) {
          each.push_back(fmt::format("{}: {}", s.id,
                                     s.bench.default_component.empty() ? "(none)"
                                                                       : s.bench.default_component));
        }
        return make_error("validation.invalid_argument",
                          fmt::format("the rigs disagree on bench.default_component ({}); name "
                                      "the component: homeboy bench <component> --rig {}",
                                      fmt::join(each, ", "), fmt::join(ids, ",")));
      }
      agreed = c;
    }
    if (!agreed.empty()) bench.component_id = agreed;
  }
  if (!bench.warmup) {
    for (const auto& spec : specs) {
      if (spec.bench.warmup_iterations) {
        bench.warmup = spec.bench.warmup_iterations;
        break;
      }
    }
  }

  // Every rig's check before anything is measured; each check is a run.
  auto store = open_store(*paths);
  if (!store) return Unexpected(store.error());
  std::vector<hb::rig::State> states;
  for (const auto& spec : specs) {
    auto checked = app::rig::run_check(**store, spec,
                                  {bench.command_line, bench.cwd.string(), bench.homeboy_version});
    if (!checked) return Unexpected(checked.error());
    if (!checked->report.passed) {
      return make_error(
        "rig.check_failed",
        fmt::format("rig `{}` is not ready, so nothing was measured (comparing against an "
                    "unhealthy rig gives meaningless numbers): {}. The check is recorded as run "
                    "{}; re-run it with `homeboy rig check {}`",
                    spec.id, failed_steps(checked->report), run_ref(checked->run_id), spec.id),
        dump_json(Json{{"rig_id", spec.id}, {"check_run_id", checked->run_id}}));
    }
    states.push_back(checked->state);
  }
  store->reset();

  if (specs.size() == 1) {
    const hb::rig::Spec& spec = specs.front();
    auto pin = pin_of(spec, states.front());
    if (!pin) return Unexpected(pin.error());
    bench.rig = std::move(*pin);
    if (!fan_out) {
      if (!bench.path_override) bench.path_override = component_path(spec, bench.component_id);
      auto report = run_bench(bench);
      if (!report) return Unexpected(report.error());
      outcome.single = std::move(*report);
      return outcome;
    }
    // bench.components: each component under the one snapshot.
    for (const auto& c : spec.bench.components) {
      BenchRequest each = bench;
      each.component_id = c;
      each.path_override = component_path(spec, c);
      // bench.md: with --shared-state, each component gets <dir>/<component>.
      if (each.shared_state) each.shared_state = *each.shared_state / c;
      auto report = run_bench(each);
      if (!report) {
        return make_error(report.error().code,
                          fmt::format("component `{}` of rig `{}`: {}", c, spec.id,
                                      report.error().message),
                          report.error().details);
      }
      outcome.components.push_back(std::move(*report));
      if (pipeline::interrupted()) break;
    }
    return outcome;
  }

  ComparisonRequest compare;
  compare.bench = bench;
  compare.interleave = request.interleave;
  compare.rounds = request.rounds;
  compare.concurrency = request.rig_concurrency;
  compare.comparison = "cross_rig";
  compare.notes = outcome.notes;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Arm arm;
    arm.id = specs[i].id;
    arm.component_path = bench.path_override ? bench.path_override
                                             : component_path(specs[i], bench.component_id);
    auto pin = pin_of(specs[i], states[i]);
    if (!pin) return Unexpected(pin.error());
    arm.pin = std::move(*pin);
    compare.arms.push_back(std::move(arm));
  }
  auto compared = run_comparison(compare);
  if (!compared) return Unexpected(compared.error());
  outcome.comparison = std::move(*compared);
  return outcome;
}

Result<ScenarioList>
list_rig_scenarios(const BenchRequest& request, const std::string& rig_id)
{
  if (rig_id.empty() || rig_id.find(',') != std::string::npos) {
    return make_error("validation.invalid_argument",
                      fmt::format("`bench list --rig` takes one rig id, not `{}`; list each "
                                  "rig's scenarios on its own",
                                  rig_id));
  }
  auto paths = resolve_paths(request.artifact_root);
  if (!paths) return Unexpected(paths.error());
  auto spec = hb::rig::load(*paths, rig_id);
  if (!spec) return Unexpected(spec.error());
  auto pin = pin_of(*spec, hb::rig::snapshot(*spec));
  if (!pin) return Unexpected(pin.error());

  BenchRequest bench = request;
  bench.rig = std::move(*pin);
  std::vector<std::string> components;
  if (bench.component_id) {
    components.push_back(*bench.component_id);
  } else if (spec->bench.components.size() > 1) {
    components = spec->bench.components;
  } else if (!spec->bench.default_component.empty()) {
    components.push_back(spec->bench.default_component);
  } else if (spec->bench.components.size() == 1) {
    components.push_back(spec->bench.components.front());
  }
  if (components.empty()) {
    return make_error("validation.invalid_argument",
                      fmt::format("rig `{}` declares no bench.default_component; name the "
                                  "component: homeboy bench list <component> --rig {}",
                                  rig_id, rig_id));
  }
  const bool fan_out = components.size() > 1;
  ScenarioList out;
  for (const auto& c : components) {
    BenchRequest each = bench;
    each.component_id = c;
    if (!request.path_override) each.path_override = component_path(*spec, c);
    auto listed = list_scenarios(each);
    if (!listed) {
      if (!fan_out) return Unexpected(listed.error());
      return make_error(listed.error().code,
                        fmt::format("component `{}` of rig `{}`: {}", c, rig_id,
                                    listed.error().message),
                        listed.error().details);
    }
    listed->rig_id = rig_id;
    if (!fan_out) return listed;
    std::vector<bench::Scenario> renamed = std::move(listed->inventory.scenarios);
    for (auto& s : renamed) s.id = rename(s.id, c);
    if (out.component_id.empty()) {
      out = std::move(*listed);
      out.component_id = fmt::format("{}", fmt::join(components, ","));
    }
    out.inventory.scenarios.insert(out.inventory.scenarios.end(),
                                   std::make_move_iterator(renamed.begin()),
                                   std::make_move_iterator(renamed.end()));
  }
  return out;
}

} // namespace hb::app

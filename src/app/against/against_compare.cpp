// bench --against as a two-arm interleaved comparison (against_compare.hpp).

#include "app/against/against_compare.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include "app/bench/compare_arms.hpp"

namespace hb::app::against {

namespace {

Json
against_json(const Setup& setup)
{
  auto tree_json = [](const Tree& t) {
    Json j = parse_json_or_discard(t.state_json());
    j["id"] = t.arm_id;
    j["prepare"] = t.prepare;
    if (t.role == "reference") j["worktree_created"] = t.created;
    return j;
  };
  return {{"ref", setup.ref},
          {"sha", setup.ref_sha},
          {"repository", setup.repository.string()},
          {"reference", tree_json(setup.reference)},
          {"current", tree_json(setup.current)}};
}

} // namespace

Result<AgainstOutcome>
run_against(const AgainstRequest& request)
{
  if (request.bench.save_baseline || request.bench.ratchet) {
    return make_error("validation.invalid_argument",
                      fmt::format("--against compares the working tree with {} and saves no "
                                  "baseline; drop {} (or run `homeboy bench --baseline` "
                                  "separately)",
                                  request.ref, request.bench.save_baseline ? "--baseline"
                                                                           : "--ratchet"));
  }
  if (request.bench.until_decisive) {
    return make_error("validation.invalid_argument",
                      "--against measures interleaved rounds and cannot add samples afterwards; "
                      "drop --until-decisive and raise --iterations instead");
  }
  if (request.bench.runs > 1) {
    return make_error("validation.invalid_argument",
                      "--against already splits the iterations into interleaved rounds, each "
                      "its own session; drop --runs and raise --iterations instead");
  }
  auto setup = set_up(request);
  if (!setup) return Unexpected(setup.error());
  if (auto prepared = run_prepare(*setup, request.bench.on_runner_output); !prepared) {
    return Unexpected(prepared.error());
  }
  ComparisonRequest comparison;
  comparison.bench = request.bench;
  comparison.bench.path_override.reset();
  comparison.interleave = true;
  comparison.rounds = request.rounds;
  comparison.comparison = "against";
  comparison.fail_on_regression = true; // gates on `regressed`, as `homeboy bench` does
  for (const Tree* tree : {&setup->reference, &setup->current}) {
    Arm arm;
    arm.id = tree->arm_id;
    arm.component_path = tree->component_path;
    arm.pin.state_json = tree->state_json(); // pin.id empty: a git tree is no rig
    comparison.arms.push_back(std::move(arm));
  }
  auto report = run_comparison(comparison);
  if (!report) return Unexpected(report.error());
  AgainstOutcome outcome;
  outcome.payload = comparison_payload(*report);
  outcome.payload["against"] = against_json(*setup);
  outcome.exit_code = report->exit_code;
  return outcome;
}

} // namespace hb::app::against

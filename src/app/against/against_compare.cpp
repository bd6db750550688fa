// bench --against as a two-arm interleaved comparison (against_compare.hpp).

#include "app/against/against_compare.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::app::against {

namespace {

/// What a reader of the comparison should know about the two trees.
std::vector<std::string>
tree_notes(const Setup& setup)
{
  const Tree& ref = setup.reference;
  const Tree& cur = setup.current;
  std::vector<std::string> notes;
  notes.push_back(fmt::format("against {}: commit {} measured in the {} worktree {}", setup.ref,
                              ref.sha, ref.created ? "new" : "cached", ref.component_path.string()));
  notes.push_back(fmt::format("working tree {} at {}{}{}", cur.component_path.string(),
                              cur.sha.substr(0, 7), cur.branch.empty() ? "" : " (" + cur.branch + ")",
                              cur.dirty ? ", with uncommitted changes" : ""));
  if (!ref.prepare.empty() || !cur.prepare.empty()) {
    notes.push_back(fmt::format("prepared: reference `{}`; working tree `{}`",
                                fmt::join(ref.prepare, " && "), fmt::join(cur.prepare, " && ")));
  }
  return notes;
}

} // namespace

Result<ComparisonReport>
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
                      "its own session; drop --runs and raise --iterations (or --rounds) instead");
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
  comparison.notes = tree_notes(*setup);
  for (const Tree* tree : {&setup->reference, &setup->current}) {
    Arm arm;
    arm.id = tree->arm_id;
    arm.component_path = tree->component_path;
    arm.pin.state_json = tree->state_json(); // pin.id empty: a git tree is no rig
    comparison.arms.push_back(std::move(arm));
  }
  return run_comparison(comparison);
}

} // namespace hb::app::against

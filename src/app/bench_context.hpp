#pragma once
// What a bench run records about how it measured, so that runs can later be
// compared (runs bench-compare) or a change in a history explained (bench
// history): the settings' fingerprint, the selected scenarios, the workload
// (runner or timed commands), the iterations, and the effective metric
// policies. `homeboy bench` writes these into the run's metadata; the
// readers take them back out.

#include "bench/results/policy.hpp"
#include "util/json_fwd.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hb::app {

using MetricPolicies = std::vector<std::pair<std::string, bench::MetricPolicy>>;

/// SHA-256 of the settings JSON with its object keys sorted: equal settings
/// give equal fingerprints whatever their order, and no value is stored.
std::string settings_fingerprint(const std::string& settings_json);

/// The effective policies as run metadata stores them ({name: {direction,
/// regression_test, variance_aware, regression_threshold_percent?,
/// regression_threshold_absolute?}}); an empty object when the runner
/// declared none.
Json policies_json(const MetricPolicies& policies);
/// Back from metadata; nullopt when the run recorded no `metric_policies`
/// (recorded by an older homeboy, or imported).
std::optional<MetricPolicies> policies_from_metadata(const Json& metadata);

/// The shared context of a bench run from its metadata: {settings: {sha256,
/// overrides}, selected_scenarios, workload: {measured_by, runner,
/// runner_args, commands, shell, prepare}, iterations, warmup_iterations}.
/// What a run did not record is null.
Json bench_context(const Json& metadata);

struct ContextDifference
{
  std::string part;        // settings, selected_scenarios, workload, iterations, warmup_iterations
  std::string description; // "iterations (10 vs 20)"
};

/// The parts of two contexts (bench_context) that differ, in that order.
std::vector<ContextDifference> context_differences(const Json& a, const Json& b);

} // namespace hb::app

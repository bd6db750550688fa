#pragma once
// Metric policies and presets of the results contract (compat.md, "Results
// file"): how a metric is compared against its baseline.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::bench {

enum class Direction { lower_is_better, higher_is_better };
enum class RegressionTest { point_delta, mann_whitney_u, kolmogorov_smirnov, welch_t };

const char* to_string(Direction direction);        // "lower_is_better" | "higher_is_better"
const char* to_string(RegressionTest test);        // "point_delta" | ...
std::optional<Direction> parse_direction(std::string_view text);       // accepts lower/higher too
std::optional<RegressionTest> parse_regression_test(std::string_view text);

struct MetricPolicy
{
  Direction direction = Direction::lower_is_better;
  std::optional<double> threshold_percent;
  std::optional<double> threshold_absolute;
  bool variance_aware = false;
  std::optional<std::uint64_t> min_iterations_for_variance;
  std::optional<RegressionTest> regression_test;
  std::optional<std::string> phase; // cold | warm | amortized

  /// The test actually used: the declared one, else Mann-Whitney U for
  /// variance-aware policies, else the point delta.
  RegressionTest effective_test() const;
};

/// The policy used when a runner declares no metric_policies: p95_ms, lower is
/// better, with the CLI's --regression-threshold (default 5 %).
inline constexpr std::string_view k_legacy_metric = "p95_ms";
MetricPolicy legacy_policy(double threshold_percent);

/// "cold" | "warm" | "amortized": the phases a policy may name.
bool is_metric_phase(std::string_view text);

/// A named preset of `metric_policy_presets`: the policy it implies and the
/// gate bound its entry must declare.
struct MetricPolicyPreset
{
  enum class Bound
  {
    none,       // no gate; `max`/`min` are refused
    max,        // `lte max`
    min,        // `gte min`
    max_or_min, // `lte max` and/or `gte min`, at least one
  };

  std::string_view name;
  /// Absent for the gate-only absolute_budget.
  std::optional<MetricPolicy> policy;
  Bound bound = Bound::none;
};

/// Every preset, in the order compat.md lists them.
const std::vector<MetricPolicyPreset>& metric_policy_presets();
const MetricPolicyPreset* find_metric_policy_preset(std::string_view name);

} // namespace hb::bench

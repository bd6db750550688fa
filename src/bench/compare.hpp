#pragma once
// Baseline comparison: one entry point, compare_to_baseline(), so the
// statistics can improve without touching its callers. Today it implements
// compat.md "Comparison, as documented".

#include "bench/baseline.hpp"
#include "bench/results/results.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hb::bench {

struct MetricDelta
{
  std::string name;
  double baseline_value = 0; // the summary value, or the median for sample tests
  double current_value = 0;
  double delta = 0;          // current - baseline
  std::optional<double> delta_pct;
  Direction direction = Direction::lower_is_better;
  RegressionTest regression_test = RegressionTest::point_delta;
  std::size_t baseline_samples = 0;
  std::size_t current_samples = 0;
  std::optional<double> statistic; // U or D+ for sample tests
  bool regression = false;
  bool improvement = false;
  std::string note; // why a sample test fell back to the point delta, ...
};

struct ScenarioComparison
{
  std::string id;
  std::vector<MetricDelta> metric_deltas;
  bool regression = false;
  bool improvement = false;
};

struct BaselineComparison
{
  double threshold_percent = 5.0;
  std::vector<ScenarioComparison> scenarios;
  std::vector<std::string> new_scenario_ids;
  std::vector<std::string> removed_scenario_ids;
  bool regression = false;
  bool has_improvements = false;
  std::vector<std::string> reasons; // "<scenario>: <metric> <b> → <c> (+x.x%)"

  const ScenarioComparison* find(const std::string& scenario_id) const;
};

struct CompareOptions
{
  /// --regression-threshold: the legacy p95_ms tolerance in percent.
  double threshold_percent = 5.0;
};

BaselineComparison compare_to_baseline(const Baseline& baseline, const BenchResults& current,
                                       const CompareOptions& options);

/// Formats a metric value for reports: up to 4 significant decimals, no
/// trailing zeros.
std::string format_value(double value);

} // namespace hb::bench

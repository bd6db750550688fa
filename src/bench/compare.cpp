#include "bench/compare.hpp"

#include "stats/descriptive.hpp"
#include "stats/documented_tests.hpp"

#include <fmt/core.h>

#include <cmath>

namespace hb::bench {

const ScenarioComparison*
BaselineComparison::find(const std::string& scenario_id) const
{
  for (const auto& s : scenarios) {
    if (s.id == scenario_id) {
      return &s;
    }
  }
  return nullptr;
}

std::string
format_value(double value)
{
  if (std::fabs(value) >= 1e15 || (value != 0 && std::fabs(value) < 1e-4)) {
    return fmt::format("{:.4g}", value);
  }
  std::string text = fmt::format("{:.4f}", value);
  while (text.back() == '0') {
    text.pop_back();
  }
  if (text.back() == '.') {
    text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

namespace {

// The point test of compat.md: `bad` is how much worse current is; both
// thresholds, when set, must be exceeded.
bool
point_regression(double bad, double baseline, const MetricPolicy& policy, bool legacy)
{
  if (bad <= 0) {
    return false;
  }
  if (legacy && baseline == 0) {
    return false; // a zero baseline never regresses
  }
  if (bad <= policy.threshold_absolute.value_or(0)) {
    return false;
  }
  if (policy.threshold_percent) {
    // Any rise from zero is infinitely large relative to it.
    if (baseline != 0 && bad / std::fabs(baseline) * 100 <= *policy.threshold_percent) {
      return false;
    }
  }
  return true;
}

MetricDelta
compare_metric(const std::string& name, const MetricPolicy& policy, double base_value,
               double cur_value, const std::vector<double>* base_samples,
               const std::vector<double>* cur_samples, bool legacy)
{
  MetricDelta d;
  d.name = name;
  d.direction = policy.direction;
  d.regression_test = policy.effective_test();
  d.baseline_samples = base_samples ? base_samples->size() : 0;
  d.current_samples = cur_samples ? cur_samples->size() : 0;
  const bool lower_better = policy.direction == Direction::lower_is_better;

  bool sample_test = d.regression_test != RegressionTest::point_delta;
  if (sample_test && (d.baseline_samples == 0 || d.current_samples == 0)) {
    d.note = d.baseline_samples == 0 ? "baseline has no samples; compared summary values"
                                     : "run has no samples; compared summary values";
    d.regression_test = RegressionTest::point_delta;
    sample_test = false;
  }
  if (sample_test) {
    base_value = stats::median(*base_samples);
    cur_value = stats::median(*cur_samples);
  }
  d.baseline_value = base_value;
  d.current_value = cur_value;
  d.delta = cur_value - base_value;
  if (base_value != 0) {
    d.delta_pct = d.delta / std::fabs(base_value) * 100;
  }
  double bad = lower_better ? d.delta : -d.delta;
  bool worse_beyond_thresholds = point_regression(bad, base_value, policy, legacy);

  if (sample_test) {
    auto test = d.regression_test == RegressionTest::mann_whitney_u
                  ? stats::documented_mann_whitney(*base_samples, *cur_samples, lower_better)
                  : stats::documented_kolmogorov_smirnov(*base_samples, *cur_samples, lower_better);
    d.statistic = test.statistic;
    // Regressed: the test finds the current samples worse and the medians
    // moved beyond the policy's tolerances.
    d.regression = test.significant && worse_beyond_thresholds;
  } else {
    d.regression = worse_beyond_thresholds;
  }
  d.improvement = !d.regression && bad < 0;
  return d;
}

std::string
reason_text(const std::string& scenario, const MetricDelta& d)
{
  std::string pct = d.delta_pct ? fmt::format(" ({:+.1f}%)", *d.delta_pct) : "";
  return fmt::format("{}: {} {} → {}{}", scenario, d.name, format_value(d.baseline_value),
                     format_value(d.current_value), pct);
}

} // namespace

BaselineComparison
compare_to_baseline(const Baseline& baseline, const BenchResults& current,
                    const CompareOptions& options)
{
  BaselineComparison out;
  out.threshold_percent = options.threshold_percent;
  const bool legacy = current.policies.empty();
  const MetricPolicy legacy_rule = legacy_policy(options.threshold_percent);

  for (const auto& scenario : current.scenarios) {
    const BaselineScenario* base = baseline.find(scenario.id);
    if (!base) {
      out.new_scenario_ids.push_back(scenario.id);
      continue;
    }
    ScenarioComparison sc;
    sc.id = scenario.id;
    auto consider = [&](const std::string& name, const MetricPolicy& policy) {
      const double* cur = scenario.metric(name);
      const double* old = base->metric(name);
      if (!cur || !old) {
        return;
      }
      auto d = compare_metric(name, policy, *old, *cur, base->samples(name),
                              scenario.samples(name), legacy);
      if (d.regression) {
        out.reasons.push_back(reason_text(scenario.id, d));
      }
      sc.regression |= d.regression;
      sc.improvement |= d.improvement;
      sc.metric_deltas.push_back(std::move(d));
    };
    if (legacy) {
      consider(std::string(k_legacy_metric), legacy_rule);
    } else {
      for (const auto& [name, policy] : current.policies) {
        consider(name, policy);
      }
    }
    out.regression |= sc.regression;
    out.has_improvements |= sc.improvement;
    out.scenarios.push_back(std::move(sc));
  }
  for (const auto& base : baseline.scenarios) {
    bool present = false;
    for (const auto& s : current.scenarios) {
      present |= s.id == base.id;
    }
    if (!present) {
      out.removed_scenario_ids.push_back(base.id);
    }
  }
  return out;
}

} // namespace hb::bench

// A timing run as an ordinary results file (compat.md "Results file"):
// timing_results_json's metrics, distributions, gates and metadata
// (bench/command_timing.hpp).

#include "bench/command_timing.hpp"

#include "stats/descriptive.hpp"
#include "util/json.hpp"

#include <algorithm>
#include <optional>
#include <cmath>
#include <utility>

namespace hb::bench {

namespace {

double
sample_stddev(const std::vector<double>& values)
{
  if (values.size() < 2) {
    return 0;
  }
  double mean = stats::mean(values);
  double sum = 0;
  for (double value : values) {
    sum += (value - mean) * (value - mean);
  }
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

Json
policy_json(const MetricPolicy& policy)
{
  Json out = {{"direction", to_string(policy.direction)},
              {"variance_aware", policy.variance_aware},
              {"regression_test", to_string(policy.effective_test())}};
  if (policy.threshold_percent) out["regression_threshold_percent"] = *policy.threshold_percent;
  return out;
}

/// --measure instructions: the counts' medians and their samples.
void
add_counts(Json& metrics, const CommandTiming& timing)
{
  if (timing.instructions.empty()) return;
  metrics["instructions"] = stats::median(timing.instructions);
  metrics["distributions"] = {{"instructions", timing.instructions}};
  // Only when every iteration had one: a median of some would mislead.
  if (!timing.cache_misses.empty() && timing.cache_misses.size() == timing.instructions.size()) {
    metrics["cache_misses"] = stats::median(timing.cache_misses);
    metrics["distributions"]["cache_misses"] = timing.cache_misses;
  }
}

} // namespace

std::optional<MetricPolicy>
counted_metric_policy(std::string_view metric)
{
  if (metric != "instructions" && metric != "cache_misses") return std::nullopt;
  MetricPolicy policy;
  policy.direction = Direction::lower_is_better;
  policy.variance_aware = false;
  policy.regression_test = RegressionTest::point_delta;
  policy.threshold_percent = metric == "instructions" ? 1.0 : 10.0;
  return policy;
}

namespace {

/// Each iteration's user + system time, in ms.
std::vector<double>
cpu_ms(const CommandTiming& timing)
{
  std::vector<double> out;
  for (std::size_t i = 0; i < timing.user_ms.size() && i < timing.sys_ms.size(); ++i) {
    out.push_back(timing.user_ms[i] + timing.sys_ms[i]);
  }
  return out;
}

} // namespace

std::string
timing_results_json(const TimingRun& run, const TimingOptions& options, double threshold_percent,
                    std::string_view component_id)
{
  Json scenarios = Json::array();
  for (const auto& timing : run.commands) {
    Json metrics = Json::object();
    if (!timing.wall_ms.empty()) {
      auto sorted = stats::sorted_copy(timing.wall_ms);
      double median = stats::percentile_sorted(sorted, 0.5);
      metrics["wall_ms"] = median;
      metrics["mean_ms"] = stats::mean(timing.wall_ms);
      metrics["median_ms"] = median;
      metrics["p95_ms"] = stats::percentile_sorted(sorted, 0.95);
      metrics["min_ms"] = sorted.front();
      metrics["max_ms"] = sorted.back();
      metrics["stddev_ms"] = sample_stddev(timing.wall_ms);
      metrics["user_ms"] = stats::mean(timing.user_ms);
      metrics["sys_ms"] = stats::mean(timing.sys_ms);
      if (auto cpu = cpu_ms(timing); !cpu.empty()) metrics["cpu_ms"] = stats::median(cpu);
      metrics["max_rss_kb"] = *std::max_element(timing.max_rss_kb.begin(),
                                                timing.max_rss_kb.end());
    }
    add_counts(metrics, timing);
    metrics["failed_iterations"] = timing.failures.size();
    if (!timing.wall_ms.empty()) {
      metrics["distributions"] = {{"wall_ms", timing.wall_ms},
                                  {"user_ms", timing.user_ms},
                                  {"sys_ms", timing.sys_ms},
                                  {"cpu_ms", cpu_ms(timing)},
                                  {"max_rss_kb", timing.max_rss_kb}};
    }
    Json failures = Json::array();
    for (const auto& failure : timing.failures) {
      Json entry = {{"iteration", failure.iteration}, {"warmup", failure.warmup}};
      if (failure.exit_code) {
        entry["exit_code"] = *failure.exit_code;
      }
      if (failure.signal) {
        entry["signal"] = *failure.signal;
      }
      entry["description"] = failure.describe();
      entry["stderr_tail"] = failure.stderr_tail;
      failures.push_back(std::move(entry));
    }
    Json scenario = {
      {"id", timing.name},
      {"iterations", options.iterations},
      {"source", "exec"},
      {"metadata",
       {{"command", timing.command},
        {"argv", timing.argv},
        {"shell", timing.shell},
        {"successful_iterations", timing.successful()},
        {"failures", std::move(failures)}}},
      {"metrics", std::move(metrics)},
      // Failed iterations fail the bench like any gate.
      {"gates", Json::array({{{"metric", "failed_iterations"}, {"op", "lte"}, {"value", 0}}})},
    };
    scenarios.push_back(std::move(scenario));
  }
  Json order = Json::array();
  for (const auto& name : run.order_sample) {
    order.push_back(name);
  }
  Json run_metadata = {
    {"source", "homeboy bench --exec"},
    {"seed", run.seed},
    {"warmup_iterations", options.warmup},
    {"order_sample", std::move(order)},
    {"shell", options.force_shell},
    {"prepare", options.prepare ? Json(*options.prepare) : Json(nullptr)},
    {"cancelled", run.cancelled},
  };
  // wall_ms is what the user waits for; cpu_ms (user + system time of the
  // command and its children) is what the code costs, and a machine busy
  // with other jobs time-slices the command without inflating it: on a
  // loaded CI machine it decides where wall time cannot (bench/RESULTS.md,
  // issue 14).
  const Json time_policy = {{"direction", "lower_is_better"},
                            {"variance_aware", true},
                            {"regression_test", "mann_whitney_u"},
                            {"regression_threshold_percent", threshold_percent}};
  Json policies = {{"wall_ms", time_policy}, {"cpu_ms", time_policy}};
  if (options.counter) {
    run_metadata["measure"] = {{"kind", "instructions"},
                               {"counter", measure::counter_name(*options.counter)}};
    policies = {{"instructions", policy_json(*counted_metric_policy("instructions"))}};
    for (const auto& timing : run.commands) {
      if (!timing.cache_misses.empty()) {
        policies["cache_misses"] = policy_json(*counted_metric_policy("cache_misses"));
      }
    }
  }
  Json document = {
    {"component_id", std::string(component_id)},
    {"iterations", options.iterations},
    {"run_metadata", std::move(run_metadata)},
    {"metric_policies", std::move(policies)},
    {"scenarios", std::move(scenarios)},
  };
  return dump_json(document, 2);
}

} // namespace hb::bench

#include "bench/results/policy.hpp"

#include "bench/results/results_detail.hpp"

#include <fmt/format.h>

#include <array>
#include <set>

namespace hb::bench {

const char*
to_string(Direction direction)
{
  switch (direction) {
  case Direction::lower_is_better: return "lower_is_better";
  case Direction::higher_is_better: return "higher_is_better";
  }
  return "lower_is_better";
}

const char*
to_string(RegressionTest test)
{
  switch (test) {
  case RegressionTest::point_delta: return "point_delta";
  case RegressionTest::mann_whitney_u: return "mann_whitney_u";
  case RegressionTest::kolmogorov_smirnov: return "kolmogorov_smirnov";
  case RegressionTest::welch_t: return "welch_t";
  }
  return "point_delta";
}

std::optional<Direction>
parse_direction(std::string_view text)
{
  if (text == "lower_is_better" || text == "lower") {
    return Direction::lower_is_better;
  }
  if (text == "higher_is_better" || text == "higher") {
    return Direction::higher_is_better;
  }
  return std::nullopt;
}

std::optional<RegressionTest>
parse_regression_test(std::string_view text)
{
  if (text == "point_delta") {
    return RegressionTest::point_delta;
  }
  if (text == "mann_whitney_u") {
    return RegressionTest::mann_whitney_u;
  }
  if (text == "kolmogorov_smirnov") {
    return RegressionTest::kolmogorov_smirnov;
  }
  if (text == "welch_t") {
    return RegressionTest::welch_t;
  }
  return std::nullopt;
}

RegressionTest
MetricPolicy::effective_test() const
{
  if (regression_test) {
    return *regression_test;
  }
  return variance_aware ? RegressionTest::mann_whitney_u : RegressionTest::point_delta;
}

MetricPolicy
legacy_policy(double threshold_percent)
{
  MetricPolicy policy;
  policy.direction = Direction::lower_is_better;
  policy.threshold_percent = threshold_percent;
  return policy;
}

bool
is_metric_phase(std::string_view text)
{
  return text == "cold" || text == "warm" || text == "amortized";
}

namespace {

MetricPolicy
preset_policy(Direction direction, double threshold_percent)
{
  MetricPolicy policy;
  policy.direction = direction;
  policy.threshold_percent = threshold_percent;
  return policy;
}

} // namespace

const std::vector<MetricPolicyPreset>&
metric_policy_presets()
{
  using Bound = MetricPolicyPreset::Bound;
  constexpr auto lower = Direction::lower_is_better;
  constexpr auto higher = Direction::higher_is_better;
  // compat.md names latency_regression and cold_warm_delta without numbers;
  // 10 % matches memory_regression: a timing delta smaller than that is
  // usually noise on shared CI machines. flake_noise_threshold is 5 % by
  // definition. The rate/count presets tolerate no increase at all (0 %).
  static const std::vector<MetricPolicyPreset> presets = {
    {"latency_regression", preset_policy(lower, 10.0), Bound::none},
    {"cold_warm_delta", preset_policy(lower, 10.0), Bound::none},
    {"flake_noise_threshold", preset_policy(lower, 5.0), Bound::none},
    {"memory_regression", preset_policy(lower, 10.0), Bound::none},
    {"absolute_budget", std::nullopt, Bound::max_or_min},
    {"min_coverage", preset_policy(higher, 0.0), Bound::min},
    {"max_failure_rate", preset_policy(lower, 0.0), Bound::max},
    {"max_blocked_rate", preset_policy(lower, 0.0), Bound::max},
    {"max_critical_findings", preset_policy(lower, 0.0), Bound::max},
  };
  return presets;
}

const MetricPolicyPreset*
find_metric_policy_preset(std::string_view name)
{
  for (const auto& preset : metric_policy_presets()) {
    if (preset.name == name) {
      return &preset;
    }
  }
  return nullptr;
}

} // namespace hb::bench

namespace hb::bench::detail {

namespace {

constexpr std::array<std::string_view, 7> k_policy_keys = {
  "direction",
  "regression_threshold_percent",
  "regression_threshold_absolute",
  "variance_aware",
  "min_iterations_for_variance",
  "regression_test",
  "phase",
};

bool
is_policy_key(std::string_view key)
{
  return contains(k_policy_keys, key);
}

std::vector<std::string_view>
allowed_keys(bool preset_entry)
{
  std::vector<std::string_view> keys;
  if (preset_entry) {
    keys = {"preset", "max", "min"};
  }
  keys.insert(keys.end(), k_policy_keys.begin(), k_policy_keys.end());
  return keys;
}

/// Where a policy error is: `metric_policies "p95_ms"` and its details.
struct Site
{
  const std::string& file;
  std::string_view section; // metric_policies | metric_policy_presets
  const std::string& metric;

  std::string label() const { return fmt::format("{} {}", section, quote(metric)); }

  Unexpected<Error> fail(std::string_view field, std::string_view message) const
  {
    Json details = {{"key", section}, {"metric", metric}};
    if (!field.empty()) {
      details["field"] = field;
    }
    return invalid(file, fmt::format("{}: {}", label(), message), details);
  }
};

/// Applies one policy key of an entry onto `policy`.
Status
apply_policy_key(const Site& site, const std::string& key, const Json& value,
                 MetricPolicy& policy)
{
  auto must_be = [&](std::string_view expected) {
    return site.fail(key, fmt::format("{} must be {}, got {}", quote(key), expected,
                                      describe(value)));
  };
  if (key == "direction") {
    auto direction = value.is_string() ? parse_direction(value.get<std::string>())
                                       : std::nullopt;
    if (!direction) {
      return must_be("one of lower_is_better, lower, higher_is_better, higher");
    }
    policy.direction = *direction;
  } else if (key == "regression_threshold_percent" || key == "regression_threshold_absolute") {
    // A regression already needs a move in the worse direction, so a
    // negative tolerance means nothing: refuse it as the typo it likely is.
    auto number = as_finite(value);
    if (!number || *number < 0) {
      return must_be("a finite number >= 0");
    }
    (key == "regression_threshold_percent" ? policy.threshold_percent
                                           : policy.threshold_absolute) = *number;
  } else if (key == "variance_aware") {
    if (!value.is_boolean()) {
      return must_be("a boolean");
    }
    policy.variance_aware = value.get<bool>();
  } else if (key == "min_iterations_for_variance") {
    auto count = as_uint(value);
    if (!count) {
      return must_be("an unsigned integer");
    }
    policy.min_iterations_for_variance = *count;
  } else if (key == "regression_test") {
    auto test = value.is_string() ? parse_regression_test(value.get<std::string>())
                                  : std::nullopt;
    if (!test) {
      return must_be("one of point_delta, mann_whitney_u, kolmogorov_smirnov, welch_t");
    }
    policy.regression_test = *test;
  } else if (key == "phase") {
    if (!value.is_string() || !is_metric_phase(value.get<std::string>())) {
      return must_be("one of cold, warm, amortized");
    }
    policy.phase = value.get<std::string>();
  }
  return {};
}

Status
check_entry_keys(const Site& site, const Json& entry, bool preset_entry)
{
  for (const auto& [key, value] : entry.items()) {
    bool known = is_policy_key(key)
                 || (preset_entry && (key == "preset" || key == "max" || key == "min"));
    if (!known) {
      return site.fail(key, fmt::format("unknown key {}; allowed keys: {}", quote(key),
                                        join(allowed_keys(preset_entry))));
    }
  }
  return {};
}

Result<MetricPolicy>
parse_explicit_policy(const Site& site, const Json& entry)
{
  if (!entry.is_object()) {
    return site.fail("", fmt::format("must be an object, got {}", describe(entry)));
  }
  if (auto checked = check_entry_keys(site, entry, false); !checked) {
    return Unexpected<Error>(std::move(checked).error());
  }
  // compat.md gives a default only for variance_aware; a policy that does not
  // say which way is better cannot be compared, so direction is required.
  if (!find_value(entry, "direction")) {
    return site.fail("direction",
                     "missing required key \"direction\" (lower_is_better or higher_is_better)");
  }
  MetricPolicy policy;
  for (const auto& [key, value] : entry.items()) {
    if (value.is_null()) {
      continue;
    }
    if (auto applied = apply_policy_key(site, key, value, policy); !applied) {
      return Unexpected<Error>(std::move(applied).error());
    }
  }
  return policy;
}

struct PresetEntry
{
  std::string preset;
  std::optional<MetricPolicy> policy;
  std::vector<Gate> gates;
};

Result<std::optional<double>>
parse_bound(const Site& site, const Json& entry, std::string_view key)
{
  const Json* value = find_value(entry, key);
  if (!value) {
    return std::optional<double>();
  }
  auto number = as_finite(*value);
  if (!number) {
    return site.fail(key, fmt::format("{} must be a finite number, got {}", quote(key),
                                      describe(*value)));
  }
  return std::optional<double>(*number);
}

Result<PresetEntry>
parse_preset_entry(const Site& site, const Json& entry)
{
  if (!entry.is_object()) {
    return site.fail("", fmt::format("must be an object with a \"preset\" name, got {}",
                                     describe(entry)));
  }
  if (auto checked = check_entry_keys(site, entry, true); !checked) {
    return Unexpected<Error>(std::move(checked).error());
  }
  std::vector<std::string_view> known;
  for (const auto& preset : metric_policy_presets()) {
    known.push_back(preset.name);
  }
  const Json* name = find_value(entry, "preset");
  if (!name || !name->is_string()) {
    return site.fail("preset", fmt::format("\"preset\" must be one of {}, got {}", join(known),
                                           name ? describe(*name) : "nothing"));
  }
  const MetricPolicyPreset* preset = find_metric_policy_preset(name->get<std::string>());
  if (!preset) {
    return site.fail("preset", fmt::format("unknown preset {}; known presets: {}",
                                           quote(name->get<std::string>()), join(known)));
  }

  PresetEntry result{std::string(preset->name), preset->policy, {}};
  for (const auto& [key, value] : entry.items()) {
    if (value.is_null() || !is_policy_key(key)) {
      continue;
    }
    if (!result.policy) {
      // Silently ignoring these would leave the user believing the metric is
      // compared against its baseline.
      return site.fail(key, fmt::format("preset {} is gate-only and takes no policy keys such as "
                                        "{}; declare the policy under metric_policies",
                                        preset->name, quote(key)));
    }
    if (auto applied = apply_policy_key(site, key, value, *result.policy); !applied) {
      return Unexpected<Error>(std::move(applied).error());
    }
  }

  auto max = parse_bound(site, entry, "max");
  if (!max) {
    return Unexpected<Error>(std::move(max).error());
  }
  auto min = parse_bound(site, entry, "min");
  if (!min) {
    return Unexpected<Error>(std::move(min).error());
  }
  using Bound = MetricPolicyPreset::Bound;
  const bool takes_max = preset->bound == Bound::max || preset->bound == Bound::max_or_min;
  const bool takes_min = preset->bound == Bound::min || preset->bound == Bound::max_or_min;
  if (*max && !takes_max) {
    return site.fail("max", fmt::format("preset {} takes no \"max\"", preset->name));
  }
  if (*min && !takes_min) {
    return site.fail("min", fmt::format("preset {} takes no \"min\"", preset->name));
  }
  if (preset->bound == Bound::max && !*max) {
    return site.fail("max", fmt::format("preset {} requires \"max\" (a number)", preset->name));
  }
  if (preset->bound == Bound::min && !*min) {
    return site.fail("min", fmt::format("preset {} requires \"min\" (a number)", preset->name));
  }
  if (preset->bound == Bound::max_or_min && !*max && !*min) {
    return site.fail("max", fmt::format("preset {} requires \"max\" or \"min\" (a number)",
                                        preset->name));
  }
  if (*max && *min && **min > **max) {
    return site.fail("min", fmt::format("\"min\" {} is greater than \"max\" {}",
                                        format_number(**min), format_number(**max)));
  }
  if (*max) {
    result.gates.push_back(Gate{site.metric, GateOp::lte, **max});
  }
  if (*min) {
    result.gates.push_back(Gate{site.metric, GateOp::gte, **min});
  }
  return result;
}

} // namespace

Result<DeclaredPolicies>
parse_policies(const std::string& file, const Json* policies, const Json* presets)
{
  DeclaredPolicies declared;
  std::set<std::string, std::less<>> explicit_metrics;
  if (policies) {
    if (!is_map(*policies)) {
      return invalid(file,
                     fmt::format("\"metric_policies\" must be an object mapping metric names to "
                                 "policies, got {}",
                                 describe(*policies)),
                     {{"key", "metric_policies"}});
    }
    for (const auto& [metric, entry] : policies->items()) {
      Site site{file, "metric_policies", metric};
      auto policy = parse_explicit_policy(site, entry);
      if (!policy) {
        return Unexpected<Error>(std::move(policy).error());
      }
      declared.policies.emplace_back(metric, *policy);
      explicit_metrics.insert(metric);
    }
  }
  if (presets) {
    if (!is_map(*presets)) {
      return invalid(file,
                     fmt::format("\"metric_policy_presets\" must be an object mapping metric "
                                 "names to presets, got {}",
                                 describe(*presets)),
                     {{"key", "metric_policy_presets"}});
    }
    for (const auto& [metric, entry] : presets->items()) {
      Site site{file, "metric_policy_presets", metric};
      auto parsed = parse_preset_entry(site, entry);
      if (!parsed) {
        return Unexpected<Error>(std::move(parsed).error());
      }
      if (parsed->policy && !explicit_metrics.contains(metric)) {
        declared.policies.emplace_back(metric, *parsed->policy);
      }
      for (auto& gate : parsed->gates) {
        declared.gates.push_back(PresetGate{parsed->preset, std::move(gate)});
      }
    }
  }
  return declared;
}

Json
policy_json(const MetricPolicy& policy)
{
  // The original's shape: absent options are left out, variance_aware only
  // when true.
  Json out = {{"direction", to_string(policy.direction)}};
  if (policy.threshold_percent) out["regression_threshold_percent"] = *policy.threshold_percent;
  if (policy.threshold_absolute) out["regression_threshold_absolute"] = *policy.threshold_absolute;
  if (policy.variance_aware) out["variance_aware"] = true;
  if (policy.min_iterations_for_variance) {
    out["min_iterations_for_variance"] = *policy.min_iterations_for_variance;
  }
  if (policy.regression_test) out["regression_test"] = to_string(*policy.regression_test);
  if (policy.phase) out["phase"] = *policy.phase;
  return out;
}

} // namespace hb::bench::detail

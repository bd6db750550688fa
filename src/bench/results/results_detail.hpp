#pragma once
// Internals shared by results.cpp, scenario.cpp, policy.cpp and gates.cpp:
// how errors name the file, the JSON type checks every part of the contract
// uses, and the steps parse_results delegates. Includes nlohmann: include only
// from this folder's .cpp files.

#include "bench/results/results.hpp"
#include "util/json.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::bench::detail {

using Status = Result<void>;

/// A `results.invalid` error: message "<file>: <message>", details
/// {"file": file} followed by the members of `extra` (an object).
Unexpected<Error> invalid(const std::string& file, std::string_view message,
                          const Json& extra = Json::object());

/// `text` as a JSON string literal, so odd ids stay readable in messages.
std::string quote(std::string_view text);

/// A value's type for "got ..." messages, with short scalars shown:
/// `string "abc"`, `number -3`, `boolean true`, `object`.
std::string describe(const Json& value);

/// Shortest text that reads back as `value`: 250, 262.4, 1e+20.
std::string format_number(double value);

/// "a, b, c".
std::string join(const std::vector<std::string_view>& items);

/// The member `key` of an object, or nullptr when it is absent or null: an
/// optional key written as null means "not given".
const Json* find_value(const Json& object, std::string_view key);

/// The member `key` even when it is null, for required keys, whose null is
/// reported as "got null" rather than as missing.
const Json* member(const Json& object, std::string_view key);

template <std::size_t N>
bool
contains(const std::array<std::string_view, N>& keys, std::string_view key)
{
  for (auto known : keys) {
    if (known == key) {
      return true;
    }
  }
  return false;
}

template <std::size_t N>
std::string
join_keys(const std::array<std::string_view, N>& keys)
{
  return join(std::vector<std::string_view>(keys.begin(), keys.end()));
}

/// An object, or an empty array: PHP's json_encode writes an empty map as
/// `[]`, and the PHP bench helper does so for `metrics`.
bool is_map(const Json& value);
/// Empty, or only spaces, tabs and line breaks.
inline bool is_blank(std::string_view text)
{
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::optional<std::uint64_t> as_uint(const Json& value);
std::optional<double> as_finite(const Json& value);

/// Validates `scenarios[index]` into `out`, normalising `doc` in place: id
/// suffix, folded samples, dropped pointerless artifacts.
Status read_scenario(const std::string& file, std::size_t index, Json& doc, Scenario& out);

/// `metric_groups` must be {group: {metric: finite number}}; `where` prefixes
/// the message ("scenario \"x\": " or ""), `details` the error's details.
Status check_metric_groups(const std::string& file, const Json& groups, const std::string& where,
                           const Json& details);

/// Validates `budget_findings[index]`, either shape of compat.md/bench.md.
Result<BudgetFinding> read_finding(const std::string& file, std::size_t index, const Json& entry);

/// A gate a preset adds to every scenario that has `metric` and no gate on it.
struct PresetGate
{
  std::string preset;
  Gate gate;
};

struct DeclaredPolicies
{
  std::vector<std::pair<std::string, MetricPolicy>> policies;
  std::vector<PresetGate> gates;
};

/// Parses `metric_policies` and `metric_policy_presets` (either may be null)
/// and resolves presets, an explicit policy winning for the same metric.
Result<DeclaredPolicies> parse_policies(const std::string& file, const Json* policies,
                                        const Json* presets);

/// Sets `span_results` on every scenario with non-empty `span_definitions`,
/// from its `timeline` (the original's rule, spans.cpp); errors name the
/// scenario when the definitions or the timeline are malformed.
Status derive_span_results(const std::string& file, Json& scenarios);

/// A policy as the results document writes it (metric_policies entry).
Json policy_json(const MetricPolicy& policy);

/// Parses a scenario's `gates` array; `label` is `scenario "<id>"`.
Result<std::vector<Gate>> parse_gates(const std::string& file, const std::string& label,
                                      const std::string& scenario_id, const Json& gates);

/// Every variance-aware policy needs enough samples on every scenario that
/// reports its metric.
Status check_variance(const std::string& file, const BenchResults& results);

/// Adds the preset gates that apply, evaluates every gate and the implicit
/// failure rules, and sets `passed` and `failure_reasons`. Appends to
/// `gate_results` and, per failed gate, to `findings`. Returns the scenario's
/// `gate_results` array for the normalised document.
/// `rig_gates` (ParseOptions::extra_gates) join the scenario's gates after
/// the preset gates, with source "rig".
Json settle_scenario(Scenario& scenario, const std::vector<PresetGate>& preset_gates,
                     const std::vector<std::pair<std::string, Gate>>& rig_gates,
                     std::vector<GateResult>& gate_results,
                     std::vector<BudgetFinding>& findings);

} // namespace hb::bench::detail

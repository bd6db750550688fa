// Semantic gates, budget findings, variance checks and the implicit failure
// rules of the results contract (compat.md "Results file", bench.md
// "Semantic Gates" and "Budget Findings").

#include "bench/results/results_detail.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <limits>

namespace hb::bench {

const char*
to_string(GateOp op)
{
  switch (op) {
  case GateOp::eq: return "eq";
  case GateOp::gte: return "gte";
  case GateOp::lte: return "lte";
  }
  return "eq";
}

} // namespace hb::bench

namespace hb::bench::detail {

namespace {

// Budget finding keys whose value, when given, must be a string.
constexpr std::array<std::string_view, 13> k_finding_string_keys = {
  "tool",   "message", "rule", "category", "severity", "file",         "fingerprint",
  "producer", "source", "code", "unit",     "subject",  "context_label"};

// The fields of bench.md's flat finding shape; they go to the metadata.
constexpr std::array<std::string_view, 7> k_flat_keys = {
  "code", "actual", "expected", "unit", "subject", "context_label", "passed"};

std::optional<GateOp>
parse_gate_op(const Json& value)
{
  if (!value.is_string()) {
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text == "eq") {
    return GateOp::eq;
  }
  if (text == "gte") {
    return GateOp::gte;
  }
  if (text == "lte") {
    return GateOp::lte;
  }
  return std::nullopt;
}

Result<Gate>
parse_gate(const std::string& file, const std::string& where, const Json& details,
           const Json& entry)
{
  auto fail = [&](std::string_view message) {
    return invalid(file, fmt::format("{}: {}", where, message), details);
  };
  if (!entry.is_object()) {
    return fail(fmt::format("must be an object {{metric, op, value}}, got {}", describe(entry)));
  }
  for (const auto& [key, value] : entry.items()) {
    if (key != "metric" && key != "op" && key != "value") {
      return fail(fmt::format("unknown key {}; allowed keys: metric, op, value", quote(key)));
    }
  }
  Gate gate;
  const Json* metric = find_value(entry, "metric");
  if (!metric || !metric->is_string() || metric->get_ref<const std::string&>().empty()) {
    return fail(fmt::format("\"metric\" must be a non-empty string, got {}",
                            metric ? describe(*metric) : "nothing"));
  }
  gate.metric = metric->get<std::string>();
  const Json* op = find_value(entry, "op");
  auto parsed_op = op ? parse_gate_op(*op) : std::nullopt;
  if (!parsed_op) {
    return fail(fmt::format("\"op\" must be one of eq, gte, lte, got {}",
                            op ? describe(*op) : "nothing"));
  }
  gate.op = *parsed_op;
  const Json* value = find_value(entry, "value");
  auto number = value ? as_finite(*value) : std::nullopt;
  if (!number) {
    return fail(fmt::format("\"value\" must be a finite number, got {}",
                            value ? describe(*value) : "nothing"));
  }
  gate.value = *number;
  return gate;
}

bool
gate_holds(GateOp op, double actual, double expected)
{
  // eq is exact: gates compare counts and rates the runner computed, and a
  // hidden tolerance would make `eq 1` pass at 0.9999999.
  switch (op) {
  case GateOp::eq: return actual == expected;
  case GateOp::gte: return actual >= expected;
  case GateOp::lte: return actual <= expected;
  }
  return false;
}

std::string
gate_outcome(const Gate& gate, const std::optional<double>& actual)
{
  return fmt::format("{} {} {} ({})", gate.metric, to_string(gate.op), format_number(gate.value),
                     actual ? "actual " + format_number(*actual) : std::string("metric missing"));
}

std::string
gate_failure_text(const Scenario& scenario, const Gate& gate, const std::optional<double>& actual)
{
  // The original's words, which scripts match on.
  if (!actual) {
    return fmt::format("scenario `{}` gate failed: metric `{}` is missing", scenario.id,
                       gate.metric);
  }
  return fmt::format("scenario `{}` gate failed: {}", scenario.id, gate_outcome(gate, actual));
}

BudgetFinding
gate_finding(const Scenario& scenario, const Gate& gate, const std::optional<double>& actual)
{
  const std::string rule = "bench.gate." + gate.metric;
  BudgetFinding finding;
  finding.tool = "budget";
  finding.message = gate_failure_text(scenario, gate, actual);
  finding.rule = rule;
  finding.category = "budget";
  finding.severity = "error";
  finding.fingerprint = rule + ":" + gate.metric;
  finding.scenario_id = scenario.id;
  finding.fails_run = true;
  Json metadata = {
    {"actual", actual ? Json(*actual) : Json(nullptr)},
    {"code", rule},
    {"context_label", "bench:" + scenario.id},
    {"expected", gate.value},
    {"passed", false},
    {"subject", gate.metric},
    {"unit", "value"},
  };
  finding.metadata_json = dump_json(metadata);
  return finding;
}

void
add_implicit_failures(Scenario& scenario)
{
  for (std::string_view count : {"failed_count", "unsupported_count", "warning_count"}) {
    const double* value = scenario.metric(count);
    if (value && *value > 0) {
      scenario.failure_reasons.push_back(
        fmt::format("metric {} is {} (must be 0)", count, format_number(*value)));
    }
  }
  const double* passed = scenario.metric("passed_count");
  const double* adapters = scenario.metric("adapter_count");
  if (passed && adapters && *passed == 0 && *adapters > 0) {
    scenario.failure_reasons.push_back(fmt::format(
      "metric passed_count is 0 while adapter_count is {}", format_number(*adapters)));
  }
}

bool
has_gate_on(const std::vector<Gate>& gates, std::size_t count, const std::string& metric)
{
  for (std::size_t i = 0; i < count; ++i) {
    if (gates[i].metric == metric) {
      return true;
    }
  }
  return false;
}

} // namespace

Result<std::vector<Gate>>
parse_gates(const std::string& file, const std::string& label, const std::string& scenario_id,
            const Json& gates)
{
  if (!gates.is_array()) {
    return invalid(file,
                   fmt::format("{}: \"gates\" must be an array of {{metric, op, value}}, got {}",
                               label, describe(gates)),
                   {{"scenario", scenario_id}, {"key", "gates"}});
  }
  std::vector<Gate> parsed;
  for (std::size_t i = 0; i < gates.size(); ++i) {
    Json details = {{"scenario", scenario_id}, {"key", "gates"}, {"index", i}};
    auto gate = parse_gate(file, fmt::format("{}: gates[{}]", label, i), details, gates[i]);
    if (!gate) {
      return Unexpected<Error>(std::move(gate).error());
    }
    parsed.push_back(std::move(*gate));
  }
  return parsed;
}

Status
check_variance(const std::string& file, const BenchResults& results)
{
  for (const auto& [metric, policy] : results.policies) {
    if (!policy.variance_aware) {
      continue;
    }
    // Without a declared minimum one sample is the least a distribution
    // test can start from.
    const std::uint64_t needed = policy.min_iterations_for_variance.value_or(1);
    for (const auto& scenario : results.scenarios) {
      if (!scenario.metric(metric)) {
        continue;
      }
      const auto* samples = scenario.samples(metric);
      const std::size_t have = samples ? samples->size() : 0;
      if (have >= needed) {
        continue;
      }
      std::string problem =
        samples ? fmt::format("has {} sample{}", have, have == 1 ? "" : "s")
                : std::string("is missing");
      return invalid(file,
                     fmt::format("scenario {}: metric {} has a variance_aware policy, so "
                                 "metrics.distributions.{} needs at least {} finite sample{}, "
                                 "but it {} (runners give one sample per iteration: run "
                                 "with --iterations {} or more)",
                                 quote(scenario.id), quote(metric), metric, needed,
                                 needed == 1 ? "" : "s", problem, needed),
                     {{"scenario", scenario.id},
                      {"metric", metric},
                      {"key", "metrics"},
                      {"samples", have},
                      {"min_iterations_for_variance", needed}});
    }
  }
  return {};
}

Json
settle_scenario(Scenario& scenario, const std::vector<PresetGate>& preset_gates,
                const std::vector<std::pair<std::string, Gate>>& rig_gates,
                std::vector<GateResult>& gate_results, std::vector<BudgetFinding>& findings)
{
  if (!scenario.passed) {
    scenario.failure_reasons.push_back("the runner reported \"passed\": false");
  }
  add_implicit_failures(scenario);

  const std::size_t workload_gates = scenario.gates.size();
  std::vector<std::string> sources(workload_gates, "workload");
  for (const auto& preset_gate : preset_gates) {
    const std::string& metric = preset_gate.gate.metric;
    if (scenario.metric(metric) && !has_gate_on(scenario.gates, workload_gates, metric)) {
      scenario.gates.push_back(preset_gate.gate);
      sources.push_back("preset:" + preset_gate.preset);
    }
  }
  for (const auto& [scenario_id, gate] : rig_gates) {
    if (scenario_id == scenario.id) {
      scenario.gates.push_back(gate);
      sources.push_back("rig");
    }
  }

  Json document_results = Json::array();
  for (std::size_t i = 0; i < scenario.gates.size(); ++i) {
    const Gate& gate = scenario.gates[i];
    std::optional<double> actual;
    if (const double* value = scenario.metric(gate.metric)) {
      actual = *value;
    }
    const bool passed = actual && gate_holds(gate.op, *actual, gate.value);
    std::string reason = passed ? std::string() : gate_failure_text(scenario, gate, actual);
    gate_results.push_back(GateResult{scenario.id, gate.metric, gate.op, gate.value, actual,
                                      passed, sources[i], reason});
    Json entry = {
      {"metric", gate.metric},
      {"op", to_string(gate.op)},
      {"expected", gate.value},
      {"actual", actual ? Json(*actual) : Json(nullptr)},
      {"passed", passed},
      {"source", sources[i]},
    };
    if (!passed) entry["reason"] = reason; // as the original: only on a failed gate
    document_results.push_back(std::move(entry));
    if (!passed) {
      scenario.failure_reasons.push_back("gate failed: " + gate_outcome(gate, actual));
      findings.push_back(gate_finding(scenario, gate, actual));
    }
  }
  scenario.passed = scenario.failure_reasons.empty();
  return document_results;
}

Result<BudgetFinding>
read_finding(const std::string& file, std::size_t index, const Json& entry)
{
  auto fail = [&](std::string_view field, std::string_view message) {
    Json details = {{"key", "budget_findings"}, {"index", index}};
    if (!field.empty()) {
      details["field"] = field;
    }
    return invalid(file, fmt::format("budget_findings[{}]: {}", index, message), details);
  };
  auto wrong_type = [&](std::string_view key, std::string_view expected, const Json& got) {
    return fail(key, fmt::format("{} must be {}, got {}", quote(key), expected, describe(got)));
  };
  if (!entry.is_object()) {
    return fail("", fmt::format("must be an object, got {}", describe(entry)));
  }
  // Budget findings are not strict in compat.md: unknown keys stay as data.
  for (const auto& [key, value] : entry.items()) {
    if (value.is_null()) {
      continue;
    }
    if (contains(k_finding_string_keys, key) && !value.is_string()) {
      return wrong_type(key, "a string", value);
    }
    const bool fits_int64 =
      value.is_number_integer()
      && !(value.is_number_unsigned()
           && value.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()));
    if ((key == "line" || key == "column") && !fits_int64) {
      return wrong_type(key, "an integer", value);
    }
    if ((key == "fixable" || key == "passed") && !value.is_boolean()) {
      return wrong_type(key, "a boolean", value);
    }
    if (key == "metadata" && !is_map(value)) {
      return wrong_type(key, "an object", value);
    }
  }
  BudgetFinding finding;
  auto text = [&](std::string_view key) {
    const Json* value = find_value(entry, key);
    return value ? value->get<std::string>() : std::string();
  };
  // The flat shape of bench.md names its rule `code` and may omit `tool`.
  const bool flat = find_value(entry, "code") != nullptr;
  if (!find_value(entry, "tool") && !flat) {
    return fail("tool", "missing required key \"tool\" (a string; or give \"code\" for the "
                        "flat finding shape)");
  }
  if (!find_value(entry, "message")) {
    return fail("message", "missing required key \"message\" (a string)");
  }
  finding.tool = flat && !find_value(entry, "tool") ? "budget" : text("tool");
  finding.message = text("message");
  finding.rule = find_value(entry, "rule") ? text("rule") : text("code");
  finding.category = text("category");
  finding.severity = text("severity");
  finding.file = text("file");
  finding.fingerprint = text("fingerprint");
  if (const Json* line = find_value(entry, "line")) {
    finding.line = line->get<std::int64_t>();
  }
  if (const Json* column = find_value(entry, "column")) {
    finding.column = column->get<std::int64_t>();
  }
  Json metadata = Json::object();
  bool metadata_failed = false;
  if (const Json* declared = find_value(entry, "metadata"); declared && declared->is_object()) {
    metadata = *declared;
    const Json* passed = find_value(*declared, "passed");
    metadata_failed = passed && passed->is_boolean() && !passed->get<bool>();
  }
  for (auto key : k_flat_keys) {
    if (auto it = entry.find(key); it != entry.end()) {
      metadata[std::string(key)] = *it;
    }
  }
  const Json* flat_passed = find_value(entry, "passed");
  finding.fails_run = finding.severity == "error" || metadata_failed
                      || (flat_passed && !flat_passed->get<bool>());
  finding.metadata_json = dump_json(metadata);
  return finding;
}

} // namespace hb::bench::detail

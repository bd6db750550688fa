// One scenario of the results contract (compat.md "Results file"): required
// and optional keys, metrics with folded samples, memory and artifacts. The
// scenario's JSON is normalised in place as it is read.

#include "bench/results/results_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace hb::bench::detail {

namespace {

// In the order an artifact's pointer is chosen when it has several.
constexpr std::array<std::string_view, 5> k_pointer_keys = {"path", "url", "preview_url",
                                                            "public_url", "local_url"};

// Keys that make an artifact worth keeping although no file or URL is
// given: the original keeps those, and drops every other pointerless one
// before its strict key check.
constexpr std::array<std::string_view, 2> k_reference_keys = {"viewer_url",
                                                              "observation_artifact_id"};

constexpr std::array<std::string_view, 9> k_artifact_string_keys = {
  "type",   "kind",       "label",      "role",          "status", "observation_artifact_id",
  "viewer_url", "expires_at", "cleanup_status"};

constexpr std::string_view k_workload_suffix = ".workload";

/// Validates one scenario in place: `doc` becomes its normalised form.
class ScenarioReader
{
public:
  ScenarioReader(const std::string& file, std::size_t index, Json& doc, Scenario& out)
    : m_file(file), m_index(index), m_doc(doc), m_out(out),
      m_label(fmt::format("scenarios[{}]", index))
  {
  }

  Status read()
  {
    if (!m_doc.is_object()) {
      return fail("", fmt::format("must be an object, got {}", describe(m_doc)));
    }
    if (auto status = read_id(); !status) {
      return status;
    }
    for (auto step : {&ScenarioReader::read_iterations, &ScenarioReader::read_metrics,
                      &ScenarioReader::read_discovery, &ScenarioReader::read_maps,
                      &ScenarioReader::read_gates, &ScenarioReader::read_passed,
                      &ScenarioReader::read_memory, &ScenarioReader::read_artifacts,
                      &ScenarioReader::read_runs}) {
      if (auto status = (this->*step)(); !status) {
        return status;
      }
    }
    return {};
  }

private:
  Unexpected<Error> fail(std::string_view key, std::string_view message,
                         const Json& extra = Json::object())
  {
    Json details = Json::object();
    if (m_out.id.empty()) {
      details["scenario_index"] = m_index;
    } else {
      details["scenario"] = m_out.id;
    }
    if (!key.empty()) {
      details["key"] = key;
    }
    for (const auto& [name, value] : extra.items()) {
      details[name] = value;
    }
    return invalid(m_file, fmt::format("{}: {}", m_label, message), details);
  }

  Unexpected<Error> wrong_type(std::string_view key, std::string_view expected, const Json& got)
  {
    return fail(key, fmt::format("{} must be {}, got {}", quote(key), expected, describe(got)));
  }

  Status read_id()
  {
    const Json* id = member(m_doc, "id");
    if (!id) {
      return fail("id", "missing required key \"id\" (a non-empty string)");
    }
    if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
      return wrong_type("id", "a non-empty string", *id);
    }
    std::string value = id->get<std::string>();
    // Runners that name scenarios after `*.workload.json` files report
    // `X.workload`; the scenario is X.
    if (value.size() > k_workload_suffix.size() && value.ends_with(k_workload_suffix)) {
      value.resize(value.size() - k_workload_suffix.size());
      m_doc["id"] = value;
    }
    m_out.id = value;
    m_label = "scenario " + quote(value);
    return {};
  }

  Status read_iterations()
  {
    const Json* iterations = member(m_doc, "iterations");
    if (!iterations) {
      return fail("iterations", "missing required key \"iterations\" (an unsigned integer)");
    }
    auto count = as_uint(*iterations);
    if (!count) {
      return wrong_type("iterations", "an unsigned integer", *iterations);
    }
    m_out.iterations = *count;
    return {};
  }

  Status read_metrics();
  Status read_distributions(const Json& value, Json& normalised);

  Status read_discovery()
  {
    for (std::string_view key : {"file", "source"}) {
      if (const Json* value = find_value(m_doc, key)) {
        if (!value->is_string()) {
          return wrong_type(key, "a string", *value);
        }
        (key == "file" ? m_out.file : m_out.source) = value->get<std::string>();
      }
    }
    if (const Json* value = find_value(m_doc, "default_iterations")) {
      auto count = as_uint(*value);
      if (!count) {
        return wrong_type("default_iterations", "an unsigned integer", *value);
      }
      m_out.default_iterations = *count;
    }
    if (const Json* tags = find_value(m_doc, "tags")) {
      if (!tags->is_array()) {
        return wrong_type("tags", "an array of strings", *tags);
      }
      for (std::size_t i = 0; i < tags->size(); ++i) {
        if (!(*tags)[i].is_string()) {
          return fail("tags", fmt::format("\"tags\"[{}] must be a string, got {}", i,
                                          describe((*tags)[i])));
        }
        m_out.tags.push_back((*tags)[i].get<std::string>());
      }
    }
    return {};
  }

  Status read_maps()
  {
    for (std::string_view key : {"metadata", "runs_summary"}) {
      const Json* value = find_value(m_doc, key);
      if (value && !is_map(*value)) {
        return wrong_type(key, "an object", *value);
      }
    }
    const Json* groups = find_value(m_doc, "metric_groups");
    if (!groups) {
      return {};
    }
    Json details = Json::object();
    details["scenario"] = m_out.id;
    return check_metric_groups(m_file, *groups, m_label + ": ", details);
  }

  Status read_gates()
  {
    const Json* gates = find_value(m_doc, "gates");
    if (!gates) {
      return {};
    }
    auto parsed = parse_gates(m_file, m_label, m_out.id, *gates);
    if (!parsed) {
      return Unexpected<Error>(std::move(parsed).error());
    }
    m_out.gates = std::move(*parsed);
    return {};
  }

  Status read_passed()
  {
    // Unlike other optional keys, null is refused: reading a null verdict as
    // the default `true` could hide a failure.
    const Json* passed = member(m_doc, "passed");
    if (passed && !passed->is_boolean()) {
      return wrong_type("passed", "a boolean", *passed);
    }
    m_out.passed = passed ? passed->get<bool>() : true;
    return {};
  }

  Status read_memory()
  {
    const Json* memory = find_value(m_doc, "memory");
    if (!memory) {
      return {};
    }
    if (!is_map(*memory)) {
      return wrong_type("memory", "an object {peak_bytes}", *memory);
    }
    for (const auto& [key, value] : memory->items()) {
      if (key != "peak_bytes") {
        return fail("memory",
                    fmt::format("\"memory\" has unknown key {}; its only key is peak_bytes",
                                quote(key)));
      }
    }
    const Json* peak = member(*memory, "peak_bytes");
    auto bytes = peak ? as_uint(*peak) : std::nullopt;
    if (!bytes) {
      return fail("memory", fmt::format("memory.peak_bytes must be an unsigned integer, got {}",
                                        peak ? describe(*peak) : "nothing"));
    }
    m_out.peak_bytes = *bytes;
    return {};
  }

  Status read_artifacts();
  Status read_artifact(const std::string& name, const Json& artifact);

  // runs[] (--runs N) is kept as data, but a blank artifact path is an
  // error there too, as in the scenario's own artifacts. Its artifacts that
  // point somewhere are indexed with their run (the output's artifact
  // index); anything else in them is left as data.
  Status read_runs()
  {
    const Json* runs = find_value(m_doc, "runs");
    if (runs && !runs->is_array()) {
      return wrong_type("runs", "an array", *runs);
    }
    for (std::size_t i = 0; runs && i < runs->size(); ++i) {
      const Json* artifacts = (*runs)[i].is_object() ? find_value((*runs)[i], "artifacts") : nullptr;
      if (!artifacts || !is_map(*artifacts)) continue;
      for (const auto& [name, artifact] : artifacts->items()) {
        if (has_blank_path(artifact)) {
          return fail("runs", fmt::format("runs[{}]: artifact {} has a blank \"path\"; give the "
                                          "file's path or omit the artifact",
                                          i, quote(name)),
                      {{"artifact", name}, {"run", i}});
        }
        index_run_artifact(name, artifact, i);
      }
    }
    return {};
  }

  void index_run_artifact(const std::string& name, const Json& artifact, std::size_t run)
  {
    if (!artifact.is_object()) return;
    ArtifactRef ref{name, "", "", "", "", run};
    for (auto key : k_pointer_keys) {
      const Json* value = find_value(artifact, key);
      if (value && value->is_string() && !is_blank(value->get_ref<const std::string&>())) {
        ref.pointer_key = key;
        ref.pointer = value->get<std::string>();
        break;
      }
    }
    if (ref.pointer_key.empty()) return;
    for (auto [key, field] : {std::pair{"kind", &ref.kind}, std::pair{"label", &ref.label}}) {
      if (const Json* value = find_value(artifact, key); value && value->is_string()) {
        *field = value->get<std::string>();
      }
    }
    m_out.artifacts.push_back(std::move(ref));
  }

  static bool has_blank_path(const Json& artifact)
  {
    const Json* path = artifact.is_object() ? find_value(artifact, "path") : nullptr;
    return path && path->is_string() && is_blank(path->get_ref<const std::string&>());
  }

  const std::string& m_file;
  std::size_t m_index;
  Json& m_doc;
  Scenario& m_out;
  std::string m_label;
};

Status
ScenarioReader::read_metrics()
{
  const Json* metrics = member(m_doc, "metrics");
  if (!metrics) {
    return fail("metrics", "missing required key \"metrics\" (an object of metric numbers)");
  }
  if (!is_map(*metrics)) {
    return wrong_type("metrics", "an object mapping metric names to numbers", *metrics);
  }
  // Rebuilt rather than edited so folded samples keep the metric's place and
  // an empty `[]` becomes `{}`.
  Json normalised = Json::object();
  Json distributions = Json::object();
  for (auto it = metrics->begin(); it != metrics->end(); ++it) {
    const std::string& name = it.key();
    const Json& value = it.value();
    auto metric_error = [&](std::string_view message) {
      return fail("metrics", fmt::format("metric {} {}", quote(name), message),
                  {{"metric", name}});
    };
    if (name == "distributions") {
      if (auto status = read_distributions(value, distributions); !status) {
        return status;
      }
      normalised[name] = nullptr; // holds the key's place; filled below
      continue;
    }
    if (auto number = as_finite(value)) {
      m_out.metrics.push_back(Metric{name, *number});
      normalised[name] = value;
      continue;
    }
    // As the original: `samples` is folded and keys beside it (a `unit`,
    // say) are ignored.
    const Json* samples = value.is_object() ? find_value(value, "samples") : nullptr;
    if (!samples) {
      return metric_error(fmt::format(
        "must be a number, got {} (a metric is a finite number, or {{\"samples\": {{\"mean\": "
        "number, \"values\": [numbers]}}}})",
        describe(value)));
    }
    if (!samples->is_object()) {
      return metric_error(fmt::format("samples must be an object {{mean, values}}, got {}",
                                      describe(*samples)));
    }
    const Json* mean = member(*samples, "mean");
    const Json* values = member(*samples, "values");
    if (!mean || !as_finite(*mean)) {
      return metric_error(fmt::format("samples.mean must be a finite number, got {}",
                                      mean ? describe(*mean) : "nothing"));
    }
    if (!values || !values->is_array()) {
      return metric_error(fmt::format("samples.values must be an array of finite numbers, got {}",
                                      values ? describe(*values) : "nothing"));
    }
    if (distributions.contains(name)) {
      return metric_error("has both samples and metrics.distributions entries; give one");
    }
    m_out.metrics.push_back(Metric{name, *as_finite(*mean)});
    normalised[name] = *mean;
    distributions[name] = *values;
  }
  for (const auto& [name, values] : distributions.items()) {
    std::vector<double> samples;
    for (std::size_t i = 0; i < values.size(); ++i) {
      auto number = as_finite(values[i]);
      if (!number) {
        return fail("metrics",
                    fmt::format("metric {}: sample [{}] must be a finite number, got {}",
                                quote(name), i, describe(values[i])),
                    {{"metric", name}});
      }
      samples.push_back(*number);
    }
    m_out.distributions.emplace_back(name, std::move(samples));
  }
  if (!distributions.empty()) {
    normalised["distributions"] = std::move(distributions);
  } else if (normalised.contains("distributions")) {
    normalised["distributions"] = Json::object();
  }
  m_doc["metrics"] = std::move(normalised);
  return {};
}

Status
ScenarioReader::read_distributions(const Json& value, Json& distributions)
{
  if (!is_map(value)) {
    return fail("metrics", fmt::format("metrics.distributions must be an object mapping metric "
                                       "names to arrays of numbers, got {}",
                                       describe(value)));
  }
  for (const auto& [name, samples] : value.items()) {
    if (distributions.contains(name)) {
      return fail("metrics",
                  fmt::format("metric {} has both samples and metrics.distributions entries; "
                              "give one",
                              quote(name)),
                  {{"metric", name}});
    }
    if (!samples.is_array()) {
      return fail("metrics",
                  fmt::format("metrics.distributions {} must be an array of finite numbers, "
                              "got {}",
                              quote(name), describe(samples)),
                  {{"metric", name}});
    }
    distributions[name] = samples;
  }
  return {};
}

Status
ScenarioReader::read_artifacts()
{
  const Json* artifacts = find_value(m_doc, "artifacts");
  if (!artifacts) {
    return {};
  }
  if (!is_map(*artifacts)) {
    return wrong_type("artifacts", "an object mapping names to artifacts", *artifacts);
  }
  Json kept = Json::object();
  for (const auto& [name, artifact] : artifacts->items()) {
    const std::size_t before = m_out.artifacts.size();
    if (auto status = read_artifact(name, artifact); !status) {
      return status;
    }
    // An artifact without a pointer points at nothing: drop it.
    if (m_out.artifacts.size() > before) {
      kept[name] = artifact;
    }
  }
  m_doc["artifacts"] = std::move(kept);
  return {};
}

Status
ScenarioReader::read_artifact(const std::string& name, const Json& artifact)
{
  auto artifact_error = [&](std::string_view message) {
    return fail("artifacts", fmt::format("artifact {} {}", quote(name), message),
                {{"artifact", name}});
  };
  if (!artifact.is_object()) {
    return artifact_error(fmt::format("must be an object, got {}", describe(artifact)));
  }
  if (has_blank_path(artifact)) {
    return artifact_error("has a blank \"path\"; give the file's path or omit the artifact");
  }
  // No pointer at all: dropped before the strict key check, as the
  // original does (an empty or blank URL counts as none).
  auto points = [&](std::string_view key) {
    const Json* value = find_value(artifact, key);
    return value && !value->is_null()
           && !(value->is_string() && is_blank(value->get_ref<const std::string&>()));
  };
  if (std::none_of(k_pointer_keys.begin(), k_pointer_keys.end(), points)
      && std::none_of(k_reference_keys.begin(), k_reference_keys.end(), points)) {
    return {};
  }
  ArtifactRef ref{name, "", "", "", ""};
  for (const auto& [key, value] : artifact.items()) {
    const bool pointer = contains(k_pointer_keys, key);
    if (!pointer && !contains(k_artifact_string_keys, key) && key != "required_durable"
        && key != "viewer" && key != "viewer_links") {
      return artifact_error(fmt::format(
        "has unknown key {}; allowed keys: {}, {}, required_durable, viewer, viewer_links",
        quote(key), join_keys(k_pointer_keys), join_keys(k_artifact_string_keys)));
    }
    if (value.is_null()) {
      continue;
    }
    if ((pointer || contains(k_artifact_string_keys, key)) && !value.is_string()) {
      return artifact_error(fmt::format("{} must be a string, got {}", quote(key),
                                        describe(value)));
    }
    if (key == "required_durable" && !value.is_boolean()) {
      return artifact_error(fmt::format("\"required_durable\" must be a boolean, got {}",
                                        describe(value)));
    }
    if (key == "viewer" && !value.is_string() && !value.is_object()) {
      return artifact_error(fmt::format("\"viewer\" must be a string or an object, got {}",
                                        describe(value)));
    }
    if (key == "viewer_links" && !value.is_array()) {
      return artifact_error(fmt::format("\"viewer_links\" must be an array, got {}",
                                        describe(value)));
    }
  }
  for (auto key : k_pointer_keys) {
    const Json* value = find_value(artifact, key);
    if (!value) {
      continue;
    }
    const auto& text = value->get_ref<const std::string&>();
    // compat.md only forbids an empty path; an empty URL is read as absent.
    if (!is_blank(text) && ref.pointer_key.empty()) {
      ref.pointer_key = key;
      ref.pointer = text;
    }
  }
  for (auto key : k_reference_keys) {
    const Json* value = find_value(artifact, key);
    if (value && value->is_string() && !is_blank(value->get_ref<const std::string&>())
        && ref.pointer_key.empty()) {
      ref.pointer_key = key;
      ref.pointer = value->get<std::string>();
    }
  }
  for (auto [key, field] : {std::pair{"kind", &ref.kind}, std::pair{"label", &ref.label}}) {
    if (const Json* value = find_value(artifact, key)) {
      *field = value->get<std::string>();
    }
  }
  m_out.artifacts.push_back(std::move(ref));
  return {};
}

} // namespace

Status
read_scenario(const std::string& file, std::size_t index, Json& doc, Scenario& out)
{
  return ScenarioReader(file, index, doc, out).read();
}

Status
check_metric_groups(const std::string& file, const Json& groups, const std::string& where,
                    const Json& details)
{
  auto fail = [&](std::string_view message, const Json& extra) {
    Json merged = details;
    merged["key"] = "metric_groups";
    for (const auto& [name, value] : extra.items()) merged[name] = value;
    return invalid(file, where + std::string(message), merged);
  };
  if (!is_map(groups)) {
    return fail(fmt::format("\"metric_groups\" must be an object {{group: {{metric: number}}}}, "
                            "got {}",
                            describe(groups)),
                Json::object());
  }
  for (const auto& [group, metrics] : groups.items()) {
    if (!is_map(metrics)) {
      return fail(fmt::format("metric_groups {} must be an object {{metric: number}}, got {}",
                              quote(group), describe(metrics)),
                  {{"group", group}});
    }
    for (const auto& [name, value] : metrics.items()) {
      if (!as_finite(value)) {
        return fail(fmt::format("metric_groups {}: metric {} must be a finite number, got {}",
                                quote(group), quote(name), describe(value)),
                    {{"group", group}, {"metric", name}});
      }
    }
  }
  return {};
}

} // namespace hb::bench::detail

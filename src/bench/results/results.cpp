// The results contract (compat.md "Results file (BenchResults)"): reading the
// runner's file, the top-level checks and the normalised document. Scenarios
// are read in scenario.cpp, policies and presets in policy.cpp, gates, budget
// findings and implicit failures in gates.cpp.

#include "bench/results/results.hpp"

#include "bench/results/results_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <utility>

namespace hb::bench {

const double*
find_metric(const std::vector<Metric>& metrics, std::string_view name)
{
  for (const auto& metric : metrics) {
    if (metric.name == name) {
      return &metric.value;
    }
  }
  return nullptr;
}

const std::vector<double>*
find_samples(const Distributions& distributions, std::string_view name)
{
  for (const auto& [metric, values] : distributions) {
    if (metric == name) {
      return &values;
    }
  }
  return nullptr;
}

const std::vector<std::size_t>*
find_session_sizes(const SessionSizes& sessions, std::string_view name)
{
  for (const auto& [metric, sizes] : sessions) {
    if (metric == name) {
      return &sizes;
    }
  }
  return nullptr;
}

std::optional<std::vector<std::vector<double>>>
split_sessions(const std::vector<double>& samples, const std::vector<std::size_t>* sizes)
{
  if (!sizes || sizes->empty()) {
    return std::vector<std::vector<double>>{samples};
  }
  std::vector<std::vector<double>> out;
  std::size_t at = 0;
  for (std::size_t size : *sizes) {
    if (size == 0 || size > samples.size() - at) {
      return std::nullopt;
    }
    out.emplace_back(samples.begin() + static_cast<std::ptrdiff_t>(at),
                     samples.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
  }
  if (at != samples.size()) {
    return std::nullopt;
  }
  return out;
}

bool
BenchResults::passed() const
{
  for (const auto& scenario : scenarios) {
    if (!scenario.passed) {
      return false;
    }
  }
  for (const auto& finding : budget_findings) {
    if (finding.fails_run) {
      return false;
    }
  }
  return true;
}

const MetricPolicy*
BenchResults::policy(std::string_view metric) const
{
  for (const auto& [name, policy] : policies) {
    if (name == metric) {
      return &policy;
    }
  }
  return nullptr;
}

const Scenario*
BenchResults::find(std::string_view scenario_id) const
{
  for (const auto& s : scenarios) {
    if (s.id == scenario_id) {
      return &s;
    }
  }
  return nullptr;
}

Scenario*
BenchResults::find(std::string_view scenario_id)
{
  return const_cast<Scenario*>(std::as_const(*this).find(scenario_id));
}

bool
measured_nothing(const BenchResults& results)
{
  bool any_metric = false;
  bool any_iterations = results.iterations > 0;
  for (const auto& s : results.scenarios) {
    any_metric = any_metric || !s.metrics.empty() || !s.distributions.empty();
    any_iterations = any_iterations || s.iterations > 0;
  }
  return !any_metric || !any_iterations;
}

} // namespace hb::bench

namespace hb::bench::detail {

Unexpected<Error>
invalid(const std::string& file, std::string_view message, const Json& extra)
{
  Json details = {{"file", file}};
  for (const auto& [key, value] : extra.items()) {
    details[key] = value;
  }
  return make_error("results.invalid", fmt::format("{}: {}", file, message), dump_json(details));
}

std::string
quote(std::string_view text)
{
  return dump_json(Json(std::string(text)));
}

std::string
describe(const Json& value)
{
  constexpr std::size_t k_shown = 40;
  switch (value.type()) {
  case Json::value_t::string: {
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > k_shown) {
      return "string " + quote(text.substr(0, k_shown)) + "...";
    }
    return "string " + quote(text);
  }
  case Json::value_t::boolean: return value.get<bool>() ? "boolean true" : "boolean false";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
  case Json::value_t::number_float: return "number " + dump_json(value);
  default: return json_type_name(value);
  }
}

std::string
format_number(double value)
{
  // 32 bytes hold any double's shortest form (at most 24 characters).
  std::array<char, 32> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

std::string
join(const std::vector<std::string_view>& items)
{
  return fmt::format("{}", fmt::join(items, ", "));
}

const Json*
member(const Json& object, std::string_view key)
{
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json*
find_value(const Json& object, std::string_view key)
{
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

bool
is_map(const Json& value)
{
  return value.is_object() || (value.is_array() && value.empty());
}

std::optional<std::uint64_t>
as_uint(const Json& value)
{
  if (value.is_number_unsigned()) {
    return value.get<std::uint64_t>();
  }
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  return std::nullopt;
}

std::optional<double>
as_finite(const Json& value)
{
  if (!value.is_number()) {
    return std::nullopt;
  }
  double number = value.get<double>();
  return std::isfinite(number) ? std::optional<double>(number) : std::nullopt;
}

} // namespace hb::bench::detail

namespace hb::bench {

namespace {

using namespace detail;

constexpr std::array<std::string_view, 4> k_stripped_keys = {
  "schema", "lifecycle", "reset_policy", "warmup_iterations"};

constexpr std::array<std::string_view, 18> k_top_level_keys = {
  "component_id",       "iterations",      "scenarios",        "provenance",
  "run_metadata",       "diagnostics",     "child_command_failures",
  "metadata",           "metric_groups",   "timeline",         "span_definitions",
  "phase_events",       "phase_summaries", "failure_classification",
  "responsiveness",     "budget_findings", "metric_policies",  "metric_policy_presets"};

// ---- Reading the JSON text ----


/// The first token outside string literals (a run of letters, digits, sign
/// and dot characters) that `matches`, as a view into `text`.
template <class Predicate>
std::optional<std::string_view>
find_bare_token(std::string_view text, Predicate matches)
{
  auto is_token_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        i += text[i] == '\\' ? 1 : 0;
      }
      ++i;
    } else if (is_token_char(text[i])) {
      std::size_t end = i;
      while (end < text.size() && is_token_char(text[end])) {
        ++end;
      }
      if (auto token = text.substr(i, end - i); matches(token)) {
        return token;
      }
      i = end;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

bool
is_non_finite_literal(std::string_view token)
{
  if (!token.empty() && (token.front() == '-' || token.front() == '+')) {
    token.remove_prefix(1);
  }
  std::string lower;
  for (char c : token) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower == "nan" || lower == "infinity" || lower == "inf";
}

std::string
position(std::string_view text, std::size_t offset)
{
  auto before = text.substr(0, offset);
  auto line = 1 + std::count(before.begin(), before.end(), '\n');
  auto last_newline = before.rfind('\n');
  auto column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return fmt::format("line {}, column {}", line, column);
}

Result<Json>
read_json(std::string_view text, const std::string& file)
{
  if (is_blank(text)) {
    return invalid(file, "the document is empty; a results file must hold a JSON object "
                         "{component_id, iterations, scenarios}");
  }
  Result<Json> parsed = parse_json(text, file);
  if (parsed) {
    return std::move(*parsed);
  }
  // nlohmann refuses numbers such as 1e999 that overflow a double; say where
  // the number is and why it matters.
  const std::string& reason = parsed.error().message;
  if (auto at = reason.find("number overflow parsing '"); at != std::string::npos) {
    auto first = reason.find('\'', at);
    auto last = reason.rfind('\'');
    std::string token = first < last ? reason.substr(first + 1, last - first - 1) : "";
    auto found = find_bare_token(text, [&](std::string_view t) { return t == token; });
    return make_error("results.invalid",
                      fmt::format("{} is not valid JSON: the number {}{} overflows a double; "
                                  "every number must be finite",
                                  file, token,
                                  found ? " at " + position(text, found->data() - text.data())
                                        : ""),
                      dump_json(Json{{"file", file}}));
  }
  Json details = details_json(parsed.error());
  details["file"] = file;
  const std::size_t byte = details.value("byte", std::size_t{0});
  std::string message = parsed.error().message;
  auto literal = find_bare_token(text, is_non_finite_literal);
  const std::size_t literal_offset = literal ? literal->data() - text.data() : 0;
  if (literal && literal_offset < byte) {
    // A null metric is refused too, so the advice is to omit the value.
    message = fmt::format("{} is not valid JSON: found {} at {}; NaN and Infinity are not valid "
                          "JSON numbers; omit the metric or write a finite number",
                          file, *literal, position(text, literal_offset));
  } else if (byte > text.size()) {
    message += "; the document ended early (was the file truncated, or still being written?)";
  }
  return make_error("results.invalid", std::move(message), dump_json(details));
}

// ---- The document ----

// The workload's own top-level maps, which the run record keeps
// (analysis/workload_metadata.hpp), so their shape is checked here rather
// than when a reader trips on them: objects, and metric groups of numbers.
Status
check_workload_maps(const Json& doc, const std::string& file)
{
  for (std::string_view key : {"metadata", "run_metadata"}) {
    if (const Json* value = find_value(doc, key); value && !is_map(*value)) {
      return invalid(file, fmt::format("top-level {} must be an object, got {}", quote(key),
                                       describe(*value)),
                     {{"key", std::string(key)}});
    }
  }
  if (const Json* groups = find_value(doc, "metric_groups")) {
    return check_metric_groups(file, *groups, "top-level ", Json::object());
  }
  return {};
}

Status
check_top_level(Json& doc, const std::string& file)
{
  if (!doc.is_object()) {
    return invalid(file, fmt::format("must contain a JSON object {{component_id, iterations, "
                                     "scenarios}}, got {}",
                                     describe(doc)));
  }
  // Keys other versions of the contract write; they carry nothing we use.
  for (auto key : k_stripped_keys) {
    doc.erase(std::string(key));
  }
  if (auto it = doc.find("provenance"); it != doc.end()
      && !(it->is_object() && (it->contains("links") || it->contains("labels")))) {
    doc.erase(it);
  }
  for (const auto& [key, value] : doc.items()) {
    if (!contains(k_top_level_keys, key)) {
      return invalid(file,
                     fmt::format("unknown top-level key {}; allowed keys: {}", quote(key),
                                 join_keys(k_top_level_keys)),
                     {{"key", key}});
    }
  }
  const Json* component = member(doc, "component_id");
  if (!component) {
    return invalid(file, "missing required key \"component_id\" (a non-empty string)",
                   {{"key", "component_id"}});
  }
  if (!component->is_string() || component->get_ref<const std::string&>().empty()) {
    return invalid(file,
                   fmt::format("\"component_id\" must be a non-empty string, got {}",
                               describe(*component)),
                   {{"key", "component_id"}});
  }
  const Json* iterations = member(doc, "iterations");
  if (!iterations || !as_uint(*iterations)) {
    return invalid(file,
                   iterations ? fmt::format("\"iterations\" must be an unsigned integer, got {}",
                                            describe(*iterations))
                              : "missing required key \"iterations\" (an unsigned integer)",
                   {{"key", "iterations"}});
  }
  const Json* scenarios = member(doc, "scenarios");
  if (!scenarios || !scenarios->is_array()) {
    return invalid(file,
                   scenarios ? fmt::format("\"scenarios\" must be an array, got {}",
                                           describe(*scenarios))
                             : "missing required key \"scenarios\" (an array)",
                   {{"key", "scenarios"}});
  }
  const Json* findings = find_value(doc, "budget_findings");
  if (findings && !findings->is_array()) {
    return invalid(file,
                   fmt::format("\"budget_findings\" must be an array, got {}",
                               describe(*findings)),
                   {{"key", "budget_findings"}});
  }
  return check_workload_maps(doc, file);
}

/// The file a scenario came from, made absolute against the workspace (or
/// the current directory), without following symlinks.
std::filesystem::path
scenario_path(const std::string& written, const std::filesystem::path& workspace)
{
  std::filesystem::path path(written);
  std::error_code ec;
  if (path.is_relative()) {
    path = workspace.empty() ? std::filesystem::absolute(path, ec) : workspace / path;
  }
  return path.lexically_normal();
}

/// Whether two scenario files are one file: the same path once symlinks are
/// resolved (weakly_canonical keeps a missing tail as written).
bool
same_file(const std::filesystem::path& a, const std::filesystem::path& b)
{
  std::error_code ec_a, ec_b;
  auto ca = std::filesystem::weakly_canonical(a, ec_a);
  auto cb = std::filesystem::weakly_canonical(b, ec_b);
  if (ec_a || ec_b) return a == b;
  return ca == cb;
}

/// Whether `path` lies lexically inside `dir` (false when `dir` is empty).
bool
inside(const std::filesystem::path& path, const std::filesystem::path& dir)
{
  if (dir.empty()) return false;
  auto rel = path.lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

/// Reads every scenario into `results`, resolving duplicates of one source
/// file and refusing other duplicate ids.
Status
read_scenarios(Json& doc, const std::string& file, const ParseOptions& options,
               BenchResults& results)
{
  // id -> (position in results.scenarios, index, id as written) of the kept scenario.
  struct Seen
  {
    std::size_t position;
    std::size_t index;
    std::string written;
  };
  std::map<std::string, Seen, std::less<>> seen;
  std::vector<std::size_t> kept; // doc index of each results.scenarios entry
  Json& scenarios = doc["scenarios"];
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    std::string written;
    if (const Json* id = scenarios[i].is_object() ? member(scenarios[i], "id") : nullptr;
        id && id->is_string()) {
      written = id->get<std::string>();
    }
    Scenario scenario;
    if (auto status = read_scenario(file, i, scenarios[i], scenario); !status) {
      return status;
    }
    auto it = seen.find(scenario.id);
    if (it == seen.end()) {
      seen.emplace(scenario.id, Seen{results.scenarios.size(), i, written});
      kept.push_back(i);
      results.scenarios.push_back(std::move(scenario));
      continue;
    }
    Scenario& first = results.scenarios[it->second.position];
    if (!first.file.empty() && !scenario.file.empty()) {
      // One workload reached twice (a symlink into the component, or the
      // same path listed twice): keep one, the workspace copy if there is one.
      auto first_path = scenario_path(first.file, options.workspace);
      auto this_path = scenario_path(scenario.file, options.workspace);
      if (same_file(first_path, this_path)) {
        if (inside(this_path, options.workspace) && !inside(first_path, options.workspace)) {
          first = std::move(scenario);
          kept[it->second.position] = i;
          it->second.index = i;
          it->second.written = written;
        }
        continue;
      }
    }
    auto note = [&](const std::string& raw) {
      return raw == scenario.id ? std::string() : fmt::format(" (written {})", quote(raw));
    };
    std::string files;
    if (!first.file.empty() && !scenario.file.empty()) {
      files = fmt::format("; they come from different files, {} and {}", quote(first.file),
                          quote(scenario.file));
    }
    return invalid(
      file,
      fmt::format("duplicate scenario id {}: scenarios[{}]{} and scenarios[{}]{}; scenario "
                  "ids must be unique{}",
                  quote(scenario.id), it->second.index, note(it->second.written), i,
                  note(written), files),
      {{"scenario", scenario.id}, {"key", "scenarios"}, {"index", i}});
  }
  if (kept.size() != scenarios.size()) {
    Json rebuilt = Json::array();
    for (std::size_t index : kept) rebuilt.push_back(std::move(scenarios[index]));
    scenarios = std::move(rebuilt);
  }
  return {};
}

// --scenario: drops the scenarios not selected (`X.workload` is X).
void
keep_selected(Json& doc, const std::vector<std::string>& selected)
{
  if (selected.empty()) return;
  Json& scenarios = doc["scenarios"];
  Json kept = Json::array();
  for (auto& entry : scenarios) {
    const Json* id = entry.is_object() ? member(entry, "id") : nullptr;
    if (id && id->is_string()) {
      std::string_view value = id->get_ref<const std::string&>();
      if (value.ends_with(".workload") && value.size() > 9) value.remove_suffix(9);
      if (std::find(selected.begin(), selected.end(), value) == selected.end()) continue;
    }
    kept.push_back(std::move(entry));
  }
  scenarios = std::move(kept);
}

Result<BenchResults>
read_document(std::string_view text, const ParseOptions& options)
{
  const std::string& file = options.source_name;
  auto parsed = read_json(text, file);
  if (!parsed) {
    return Unexpected<Error>(std::move(parsed).error());
  }
  Json doc = std::move(*parsed);
  if (auto status = check_top_level(doc, file); !status) {
    return Unexpected<Error>(std::move(status).error());
  }
  keep_selected(doc, options.scenarios);
  if (options.inventory) {
    // An inventory names scenarios; a runner that writes its own (the
    // original's Node.js runner does) may leave their metrics out.
    for (auto& scenario : doc["scenarios"]) {
      if (scenario.is_object() && !scenario.contains("metrics")) scenario["metrics"] = Json::object();
    }
  }
  BenchResults results;
  results.component_id = doc["component_id"].get<std::string>();
  results.iterations = *as_uint(doc["iterations"]);
  if (auto status = read_scenarios(doc, file, options, results); !status) {
    return Unexpected<Error>(std::move(status).error());
  }
  if (const Json* findings = find_value(doc, "budget_findings")) {
    for (std::size_t i = 0; i < findings->size(); ++i) {
      auto finding = read_finding(file, i, (*findings)[i]);
      if (!finding) {
        return Unexpected<Error>(std::move(finding).error());
      }
      results.budget_findings.push_back(std::move(*finding));
    }
  }
  auto declared = parse_policies(file, find_value(doc, "metric_policies"),
                                 find_value(doc, "metric_policy_presets"));
  if (!declared) {
    return Unexpected<Error>(std::move(declared).error());
  }
  results.policies = std::move(declared->policies);
  if (auto status = options.inventory ? Status{} : check_variance(file, results); !status) {
    return Unexpected<Error>(std::move(status).error());
  }
  if (find_value(doc, "metric_policy_presets")) {
    // As the original: a preset shows in the output as the policy it stands
    // for (an explicit policy for the same metric wins).
    Json expanded = Json::object();
    for (const auto& [metric, policy] : results.policies) expanded[metric] = policy_json(policy);
    doc["metric_policies"] = std::move(expanded);
  }
  Json& scenarios = doc["scenarios"];
  for (std::size_t i = 0; i < results.scenarios.size(); ++i) {
    const std::size_t written_gates = results.scenarios[i].gates.size();
    Json gate_results = settle_scenario(results.scenarios[i], declared->gates,
                                        options.extra_gates, results.gate_results, results.budget_findings);
    scenarios[i]["passed"] = results.scenarios[i].passed;
    scenarios[i]["gate_results"] = std::move(gate_results);
    if (results.scenarios[i].gates.size() != written_gates) {
      // Preset and rig gates join the scenario's gates, as the original lists them.
      Json gates = Json::array();
      for (const auto& g : results.scenarios[i].gates) {
        gates.push_back({{"metric", g.metric}, {"op", to_string(g.op)}, {"value", g.value}});
      }
      scenarios[i]["gates"] = std::move(gates);
    }
  }
  if (auto status = derive_span_results(file, scenarios); !status) {
    return Unexpected<Error>(std::move(status).error());
  }
  results.document = std::make_shared<const Json>(std::move(doc));
  return results;
}

} // namespace

Result<BenchResults>
parse_results(std::string_view text, const ParseOptions& options)
{
  // Every check above tests types before reading values; this only keeps a
  // missed case from escaping as an exception, as the API promises.
  try {
    return read_document(text, options);
  } catch (const Json::exception& e) {
    return invalid(options.source_name, fmt::format("could not be validated: {}", e.what()));
  }
}

Result<BenchResults>
parse_results_file(const std::filesystem::path& path, const ParseOptions& options)
{
  ParseOptions named = options;
  if (named.source_name == ParseOptions{}.source_name) {
    named.source_name = "results file " + path.string();
  }
  const std::string& file = named.source_name;
  auto details = [&](Json extra = Json::object()) {
    Json object = {{"file", file}, {"path", path.string()}};
    for (const auto& [key, value] : extra.items()) {
      object[key] = value;
    }
    return dump_json(object);
  };

  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return make_error("results.missing",
                      file + " does not exist: the runner exited without writing its results "
                             "to $HOMEBOY_BENCH_RESULTS_FILE",
                      details());
  }
  if (ec) {
    return make_error("results.invalid", fmt::format("{} cannot be read: {}", file, ec.message()),
                      details());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error("results.invalid", file + " is not a regular file", details());
  }
  // Checked before reading so a runaway runner cannot make us allocate
  // gigabytes.
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return make_error("results.invalid", fmt::format("{} cannot be read: {}", file, ec.message()),
                      details());
  }
  if (size > named.max_bytes) {
    return make_error("results.too_large",
                      fmt::format("{} is {} bytes, more than the limit of {} bytes; keep raw data "
                                  "in scenario artifacts and only summaries and samples in the "
                                  "results, or raise the limit with "
                                  "HOMEBOY_BENCH_MAX_RESULTS_BYTES",
                                  file, size, named.max_bytes),
                      details({{"size", size}, {"limit", named.max_bytes}}));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return make_error("results.invalid", file + " cannot be read", details());
  }
  if (is_blank(text)) {
    return make_error("results.empty",
                      fmt::format("{} is empty: the runner must write a JSON object "
                                  "{{component_id, iterations, scenarios}}",
                                  file),
                      details({{"size", size}}));
  }
  auto results = parse_results(text, named);
  if (!results) {
    Error error = std::move(results).error();
    Json merged = details_json(error);
    merged["path"] = path.string();
    error.details = dump_json(merged);
    return Unexpected<Error>(std::move(error));
  }
  return results;
}

} // namespace hb::bench

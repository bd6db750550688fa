// Renders the failure digest (failure_digest.hpp). The bench section keeps
// the original's layout (status, summary, budget-findings table, artifacts,
// log link) so comments built from it look the same, and adds what our
// envelope knows: failed gates and the regression reasons.

#include "report/failure_digest.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>

namespace hb::report {

namespace stdfs = std::filesystem;

namespace {

/// A table cell: pipes escaped, line breaks flattened.
std::string
cell(std::string text)
{
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string
upper(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

const Json&
null_json()
{
  static const Json null;
  return null;
}

const Json&
member(const Json& object, const char* key)
{
  if (!object.is_object()) return null_json();
  auto it = object.find(key);
  return it == object.end() ? null_json() : *it;
}

/// A non-empty string, number or bool as text; else empty.
std::string
text_of(const Json& value)
{
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) return fmt::format("{}", value.get<double>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return "";
}

/// The first of `keys` that `object` holds as non-empty text; else empty.
std::string
first_text(const Json& object, std::initializer_list<const char*> keys)
{
  for (const char* key : keys) {
    if (std::string text = text_of(member(object, key)); !text.empty()) return text;
  }
  return "";
}

/// A finding's field, looked for at the top, then under metadata and raw
/// (bench.md's flat shape and compat.md's nested one).
const Json&
finding_field(const Json& finding, const char* key)
{
  for (const Json* where : {&finding, &member(finding, "metadata"), &member(finding, "raw")}) {
    const Json& v = member(*where, key);
    if (!v.is_null() && !(v.is_string() && v.get<std::string>().empty())) return v;
  }
  return null_json();
}

std::string
number_text(const Json& value)
{
  if (!value.is_number()) return "-";
  double v = value.get<double>();
  if (std::fabs(v - std::round(v)) < 1e-12) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

void
full_log(std::string& out, const std::string& command, const std::string& run_url)
{
  if (run_url.empty()) {
    out += fmt::format("- Full {} log: structured job link unavailable\n", command);
  } else {
    out += fmt::format("- Full {} log: {}\n", command, run_url);
  }
}

void
budget_table(std::string& out, const Json& data)
{
  Json findings = member(data, "budget_findings");
  if (!findings.is_array() || findings.empty()) {
    findings = member(member(data, "results"), "budget_findings");
  }
  if (!findings.is_array() || findings.empty()) return;
  out += "**Budget findings**\n";
  out += "| Code | Subject | Actual | Expected | Unit | Message |\n";
  out += "| --- | --- | ---: | ---: | --- | --- |\n";
  std::size_t shown = 0;
  for (const auto& f : findings) {
    if (!f.is_object()) continue;
    if (++shown > 10) break;
    std::string code = text_of(finding_field(f, "code"));
    if (code.empty()) code = text_of(member(f, "rule"));
    std::string subject = text_of(finding_field(f, "subject"));
    if (subject.empty()) subject = text_of(finding_field(f, "context_label"));
    std::string unit = text_of(finding_field(f, "unit"));
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", cell(code.empty() ? "budget" : code),
                       cell(subject.empty() ? "-" : subject),
                       number_text(finding_field(f, "actual")),
                       number_text(finding_field(f, "expected")), cell(unit.empty() ? "-" : unit),
                       cell(text_of(member(f, "message"))));
  }
  if (findings.size() > 10) {
    out += fmt::format("\n{} more in the bench output.\n", findings.size() - 10);
  }
  out += '\n';
}

/// Failed gates and regressions: the two other reasons a bench fails.
void
summary(std::string& out, const Json& data, const Json& error)
{
  std::vector<std::string> lines;
  if (const std::string message = text_of(member(error, "message")); !message.empty()) {
    lines.push_back(message);
  }
  const Json& gates = member(data, "gate_failures");
  for (const auto& g : gates.is_array() ? gates : Json::array()) {
    if (g.is_string()) {
      lines.push_back(g.get<std::string>()); // the original's sentence: "scenario `x` gate failed: ..."
    } else if (g.is_object()) {
      const std::string reason = first_text(g, {"reason", "message"});
      lines.push_back(fmt::format("Gate failed: {} {} {} {}", text_of(member(g, "scenario_id")),
                                  text_of(member(g, "metric")), text_of(member(g, "op")),
                                  text_of(member(g, "value"))) +
                      (reason.empty() ? "" : " (" + reason + ")"));
    }
  }
  const Json& reasons = member(member(data, "baseline_comparison"), "reasons");
  for (const auto& r : reasons.is_array() ? reasons : Json::array()) {
    if (r.is_string()) lines.push_back("Regression: " + r.get<std::string>());
  }
  if (lines.empty()) return;
  out += "**Summary**\n";
  for (const auto& line : lines) out += "- " + line + "\n";
  out += '\n';
}

void
artifacts(std::string& out, const Json& data)
{
  std::vector<std::string> lines;
  std::set<std::string> seen;
  const Json& index = member(data, "artifacts");
  for (const auto& a : index.is_array() ? index : Json::array()) {
    const std::string path = first_text(a, {"path", "url"});
    if (path.empty() || !seen.insert(path).second) continue;
    std::string label = first_text(a, {"label", "name"});
    if (label.empty()) label = "artifact";
    std::vector<std::string> where;
    if (std::string s = text_of(member(a, "scenario_id")); !s.empty()) {
      where.push_back(fmt::format("scenario `{}`", s));
    }
    if (std::string r = text_of(member(a, "run_index")); !r.empty()) {
      where.push_back("run " + r);
    }
    std::string line;
    for (std::size_t i = 0; i < where.size(); ++i) line += (i ? " / " : "") + where[i];
    line += (line.empty() ? "" : " — ") + label;
    if (std::string kind = text_of(member(a, "kind")); !kind.empty()) line += " (" + kind + ")";
    lines.push_back(line + ": " + path);
  }
  out += "**Artifacts**\n";
  if (lines.empty()) out += "- No structured bench artifacts available.\n";
  for (const auto& line : lines) out += "- " + line + "\n";
}

/// The envelope's payload and error objects (or the file's root when it is
/// not an envelope).
std::pair<Json, Json>
envelope_parts(const Json& root)
{
  if (!root.is_object()) return {Json::object(), Json::object()};
  if (root.contains("success") || root.contains("data") || root.contains("error")) {
    const Json& data = member(root, "data");
    Json payload = member(data, "payload");
    if (!payload.is_object()) payload = data.is_object() ? data : Json::object();
    Json error = member(root, "error");
    return {payload, error.is_object() ? error : Json::object()};
  }
  return {root, Json::object()};
}

Result<void>
bench_section(std::string& out, const stdfs::path& dir, const std::string& run_url)
{
  const stdfs::path file = dir / "bench.json";
  Json data = Json::object(), error = Json::object();
  std::error_code ec;
  bool found = stdfs::exists(file, ec);
  if (found) {
    auto text = fs::read_file(file);
    if (!text) return Unexpected(text.error());
    auto doc = parse_json(*text, file.string());
    if (!doc) {
      return make_error("validation.invalid_json",
                        fmt::format("{} is not JSON ({}); write it with `homeboy --output {} "
                                    "bench ...`",
                                    file.string(), doc.error().message, file.string()));
    }
    std::tie(data, error) = envelope_parts(*doc);
  }
  std::string component = text_of(member(data, "component"));
  if (component.empty()) component = text_of(member(member(data, "results"), "component_id"));
  std::string status = text_of(member(data, "status"));
  if (status.empty()) status = text_of(member(error, "code"));
  out += fmt::format("### Bench: {}\n", component.empty() ? "unknown" : component);
  out += fmt::format("**Status:** {}\n\n", upper(status.empty() ? "unknown" : status));
  if (!found) {
    out += fmt::format("- No structured bench output at `{}`.\n\n", file.string());
  }
  summary(out, data, error);
  budget_table(out, data);
  artifacts(out, data);
  full_log(out, "bench", run_url);
  out += '\n';
  return {};
}

} // namespace

bool
is_attention_status(const std::string& status)
{
  static const std::set<std::string> attention = {
    "fail",         "failed",   "error",    "baseline_red", "baseline-red", "inconclusive",
    "executed_with_findings", "execution_failed", "regressed"};
  return attention.count(status) > 0;
}

Result<std::string>
render_failure_digest(const FailureDigestInput& input)
{
  if (!input.results || !input.results->is_object()) {
    return make_error("validation.invalid_argument",
                      "--results must be a JSON object of command statuses, such as "
                      "'{\"bench\":\"fail\"}' (or @file)");
  }
  for (const auto& [command, status] : input.results->items()) {
    if (!status.is_string()) {
      return make_error("validation.invalid_argument",
                        fmt::format("--results: the status of `{}` must be a string such as "
                                    "\"pass\" or \"fail\", got {}",
                                    command, dump_json(status)));
    }
  }
  std::string out = "## Failure Digest\n\n";
  std::vector<std::string> attention;
  for (const auto& [command, status] : input.results->items()) {
    if (is_attention_status(status.get<std::string>())) attention.push_back(command);
  }
  if (input.results->contains("bench")) {
    if (auto done = bench_section(out, input.output_dir, input.run_url); !done) {
      return Unexpected(done.error());
    }
  }
  for (const auto& command : attention) {
    if (command == "bench") continue;
    out += fmt::format("### {}: {}\n", command,
                       upper(input.results->at(command).get<std::string>()));
    out += fmt::format("- Structured output: `{}` (homeboy digests bench output only)\n",
                       (input.output_dir / (command + ".json")).string());
    full_log(out, command, input.run_url);
    out += '\n';
  }
  if (attention.empty() && !input.results->contains("bench")) {
    out += "No command needs attention.\n\n";
  }
  out += "### Machine-readable artifacts\n";
  out += "- `{command}.json` — structured output per command (from `homeboy --output`)\n";
  return out;
}

} // namespace hb::report

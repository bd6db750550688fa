#include "analysis/evidence_cues.hpp"

#include "util/json.hpp"

#include <algorithm>
#include <cctype>

namespace hb::analysis {

const std::vector<std::string>&
coverage_field_names()
{
  static const std::vector<std::string> names = {
    "coverage_summary", "coverage_gaps",    "surface_count",        "operation_count",
    "exercised_count",  "skipped_count",    "failed_count",         "declared_count",
    "executable_count", "proven_count",     "skipped_reason_counts", "skipped_reasons"};
  return names;
}

namespace {

void
walk(const Json& node, const std::string& prefix, int depth, std::vector<CoverageField>& out)
{
  if (!node.is_object() || depth > 4) return;
  const auto& names = coverage_field_names();
  for (const auto& [key, value] : node.items()) {
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (std::find(names.begin(), names.end(), key) != names.end()) {
      out.push_back({path, &value});
    } else {
      walk(value, path, depth + 1, out);
    }
  }
}

} // namespace

std::vector<CoverageField>
find_coverage_fields(const Json& metadata)
{
  std::vector<CoverageField> out;
  walk(metadata, "", 1, out);
  return out;
}

bool
has_key_case_marker(std::string_view text)
{
  std::string norm(text);
  std::transform(norm.begin(), norm.end(), norm.begin(), [](unsigned char c) {
    return c == '-' || c == ' ' ? '_' : static_cast<char>(std::tolower(c));
  });
  for (const char* marker : {"key_case", "fuzz_case", "failing_case", "case_artifact", "repro_case"}) {
    if (norm.find(marker) != std::string::npos) return true;
  }
  return false;
}

std::vector<MetricPoint>
hotspots(std::vector<MetricPoint> metrics, std::size_t limit)
{
  auto is_timing = [](const MetricPoint& m) {
    return m.name.size() > 3 && m.name.compare(m.name.size() - 3, 3, "_ms") == 0;
  };
  metrics.erase(std::remove_if(metrics.begin(), metrics.end(),
                               [&](const MetricPoint& m) { return !is_timing(m); }),
                metrics.end());
  std::stable_sort(metrics.begin(), metrics.end(),
                   [](const MetricPoint& a, const MetricPoint& b) { return a.value > b.value; });
  if (metrics.size() > limit) metrics.resize(limit);
  return metrics;
}

} // namespace hb::analysis

#pragma once
// Schema-blind cues for `runs show` and `runs evidence`: generic coverage
// fields in run metadata, key case artifacts recognised by their names, and
// bench hotspots (the slowest timings).

#include "util/json_fwd.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hb::analysis {

/// The generic coverage field names (docs/runs.md).
const std::vector<std::string>& coverage_field_names();

struct CoverageField
{
  std::string path;  // dotted, from the metadata root: "coverage.proven_count"
  const Json* value = nullptr;
};

/// Coverage fields found in `metadata` (objects only, at most 4 levels deep),
/// in document order. A matched field's own members are not searched.
std::vector<CoverageField> find_coverage_fields(const Json& metadata);

/// Whether `text` carries a key case marker (key_case, fuzz_case,
/// failing_case, case_artifact, repro_case), case-insensitive, `-` or `_`.
bool has_key_case_marker(std::string_view text);

struct MetricPoint
{
  std::string scenario_id;
  std::string name;
  double value = 0;
};

/// The `limit` largest timings (metrics named *_ms), largest first.
std::vector<MetricPoint> hotspots(std::vector<MetricPoint> metrics, std::size_t limit);

} // namespace hb::analysis

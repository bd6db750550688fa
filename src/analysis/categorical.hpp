#pragma once
// Categorical counts over JSON values, shared by `runs distribution` (run
// metadata), `runs query --group-by` and `runs drift` (artifact rows): the
// same scalar labels and the same order everywhere.

#include "util/json_fwd.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hb::analysis {

/// The label a scalar counts under: a string as itself, a number in JSON
/// notation (1, 0.5), true/false. Objects, arrays and null have none.
std::optional<std::string> scalar_label(const Json& value);

/// Adds the scalar labels of `value` to `out`: a scalar itself, an array's
/// scalar elements (nested arrays flattened); objects and null add nothing.
/// Returns how many labels were added.
std::size_t collect_labels(const Json& value, std::vector<std::string>& out);

struct ValueCount
{
  std::string value;
  std::size_t count = 0;
  double share = 0; // count / total observations, 0 when there are none
};

class CategoricalCounts
{
public:
  void add(const std::string& label, std::size_t n = 1);
  std::size_t total() const { return m_total; }
  std::size_t unique() const { return m_counts.size(); }
  std::size_t count_of(const std::string& label) const;
  /// Every value, most frequent first, ties by value.
  std::vector<ValueCount> sorted() const;

private:
  std::map<std::string, std::size_t> m_counts;
  std::size_t m_total = 0;
};

/// `a.b.c` (a dot-separated metadata path) as the JSONPath `$['a']['b']['c']`;
/// text that starts with `$` is returned as it is. Numeric segments stay
/// member names (`steps.0` is `$['steps']['0']`), so use JSONPath for indexes.
std::string dotted_to_jsonpath(const std::string& path);

/// The values at a dot-separated metadata path, read as the original tool
/// reads it: each segment is a member name, and an array met before the
/// last segment is walked into (every element continues the path), so
/// `scenario_metrics.metadata.site` reads each scenario's `site`. An array at
/// the end is returned as one value (collect_labels flattens it).
std::vector<const Json*> select_dotted(const Json& root, const std::string& path);

/// One value's shares in a drift window and its baseline (runs drift).
struct DriftValue
{
  std::string value;
  std::size_t window_count = 0;
  double window_share = 0;
  bool dominant = false;               // window_share >= threshold
  std::optional<double> baseline_share; // when the baseline has observations (0 if the value is new)
  std::optional<double> share_delta;    // window_share - baseline_share
};

/// The window's values, most frequent first, compared with the baseline.
std::vector<DriftValue> drift_values(const CategoricalCounts& window,
                                     const CategoricalCounts* baseline, double threshold);

} // namespace hb::analysis

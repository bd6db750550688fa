#include "analysis/categorical.hpp"

#include "util/json.hpp"

#include <algorithm>

namespace hb::analysis {

std::optional<std::string>
scalar_label(const Json& value)
{
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? std::string("true") : std::string("false");
  if (value.is_number()) return dump_json(value);
  return std::nullopt;
}

std::size_t
collect_labels(const Json& value, std::vector<std::string>& out)
{
  if (value.is_array()) {
    std::size_t n = 0;
    for (const auto& element : value) n += collect_labels(element, out);
    return n;
  }
  if (auto label = scalar_label(value)) {
    out.push_back(std::move(*label));
    return 1;
  }
  return 0;
}

void
CategoricalCounts::add(const std::string& label, std::size_t n)
{
  m_counts[label] += n;
  m_total += n;
}

std::size_t
CategoricalCounts::count_of(const std::string& label) const
{
  auto it = m_counts.find(label);
  return it == m_counts.end() ? 0 : it->second;
}

std::vector<ValueCount>
CategoricalCounts::sorted() const
{
  std::vector<ValueCount> out;
  out.reserve(m_counts.size());
  for (const auto& [value, count] : m_counts) {
    out.push_back({value, count, m_total ? static_cast<double>(count) / static_cast<double>(m_total) : 0.0});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ValueCount& a, const ValueCount& b) { return a.count > b.count; });
  return out;
}

std::string
dotted_to_jsonpath(const std::string& path)
{
  if (!path.empty() && path[0] == '$') return path;
  std::string out = "$";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    out += "['";
    for (char c : segment) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += "']";
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

namespace {

void
walk_dotted(const Json& node, const std::vector<std::string>& segments, std::size_t at,
            std::vector<const Json*>& out)
{
  if (at == segments.size()) {
    out.push_back(&node);
    return;
  }
  if (node.is_array()) {
    for (const auto& element : node) walk_dotted(element, segments, at, out);
    return;
  }
  if (!node.is_object()) return;
  auto it = node.find(segments[at]);
  if (it != node.end()) walk_dotted(*it, segments, at + 1, out);
}

} // namespace

std::vector<const Json*>
select_dotted(const Json& root, const std::string& path)
{
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    segments.push_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  std::vector<const Json*> out;
  walk_dotted(root, segments, 0, out);
  return out;
}

std::vector<DriftValue>
drift_values(const CategoricalCounts& window, const CategoricalCounts* baseline, double threshold)
{
  std::vector<DriftValue> out;
  for (const auto& v : window.sorted()) {
    DriftValue d;
    d.value = v.value;
    d.window_count = v.count;
    d.window_share = v.share;
    d.dominant = v.share >= threshold;
    if (baseline && baseline->total() > 0) {
      d.baseline_share = static_cast<double>(baseline->count_of(v.value)) /
                         static_cast<double>(baseline->total());
      d.share_delta = d.window_share - *d.baseline_share;
    }
    out.push_back(std::move(d));
  }
  return out;
}

} // namespace hb::analysis

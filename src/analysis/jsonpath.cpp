#include "analysis/jsonpath.hpp"

#include "analysis/jsonpath_ast.hpp"
#include "util/json.hpp"

namespace hb::analysis {

JsonPath::JsonPath(std::shared_ptr<const jsonpath::Query> query) : m_query(std::move(query)) {}

Result<JsonPath>
JsonPath::parse(std::string_view query)
{
  auto parsed = jsonpath::parse_query(query);
  if (!parsed) {
    return Unexpected<Error>(std::move(parsed).error());
  }
  return JsonPath(std::move(*parsed));
}

std::vector<const Json*>
JsonPath::select(const Json& root) const
{
  std::vector<jsonpath::Node> nodes;
  jsonpath::evaluate(*m_query, root, root, nullptr, nodes);
  std::vector<const Json*> values;
  values.reserve(nodes.size());
  for (const auto& node : nodes) {
    values.push_back(node.value);
  }
  return values;
}

std::vector<LocatedNode>
JsonPath::select_located(const Json& root) const
{
  std::vector<jsonpath::PathStep> steps;
  std::vector<jsonpath::Node> nodes;
  jsonpath::evaluate(*m_query, root, root, &steps, nodes);
  std::vector<LocatedNode> located;
  located.reserve(nodes.size());
  for (const auto& node : nodes) {
    located.push_back(LocatedNode{node.value, jsonpath::normalized_path(steps, node.location)});
  }
  return located;
}

} // namespace hb::analysis

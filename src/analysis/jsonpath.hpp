#pragma once
// JSONPath queries as RFC 9535 defines them: parse once, select from many
// documents. Selection never copies the document: results point into it.
// docs/jsonpath.md lists what is supported and how errors read.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hb::analysis {

namespace jsonpath {
struct Query;
}

/// A selected node: its value, inside the queried document (valid as long as
/// the document is), and its normalized path (RFC 9535 §2.7), such as
/// $['scenarios'][0]['id'].
struct LocatedNode
{
  const Json* value = nullptr;
  std::string path;
};

class JsonPath
{
public:
  /// Parses and type-checks a query. Error code "validation.invalid_jsonpath";
  /// the message names the column (1-based, in characters) and what was
  /// expected there, details are {"query": ..., "column": ...}.
  static Result<JsonPath> parse(std::string_view query);

  /// The nodes the query selects, in the order RFC 9535 defines (document
  /// order; a node selected twice appears twice).
  std::vector<const Json*> select(const Json& root) const;

  /// As select(), with each node's normalized path.
  std::vector<LocatedNode> select_located(const Json& root) const;

private:
  explicit JsonPath(std::shared_ptr<const jsonpath::Query> query);

  std::shared_ptr<const jsonpath::Query> m_query;
};

} // namespace hb::analysis

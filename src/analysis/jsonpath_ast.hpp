#pragma once
// The syntax tree of a parsed JSONPath query, shared by the parser
// (jsonpath_parser.cpp), which builds and type-checks it, and the evaluator
// (jsonpath_eval.cpp), which walks it. Internal to src/analysis.

#include "analysis/iregexp.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::analysis::jsonpath {

struct Expr;

enum class SelectorKind { name, wildcard, index, slice, filter };

struct Selector
{
  SelectorKind kind = SelectorKind::wildcard;
  std::string name;         // name
  std::int64_t index = 0;   // index
  std::optional<std::int64_t> start, end; // slice; absent means the default
  std::int64_t step = 1;    // slice
  std::unique_ptr<Expr> filter;
};

struct Segment
{
  bool descendant = false;
  std::vector<Selector> selectors;
};

struct Query
{
  bool absolute = true; // $ rather than @
  std::vector<Segment> segments;
  /// Grammatically a singular query (RFC 9535 §2.3.5.1): child segments of
  /// one name or index each, with no blank space inside their brackets.
  bool singular = true;
};

/// RFC 9535's declared types of expressions (§2.4.1).
enum class ExprType { value, logical, nodes };

enum class FunctionId { length, count, match, search, value };

enum class CompareOp { eq, ne, lt, le, gt, ge };

struct Expr
{
  enum class Kind { literal, query, function, logical_or, logical_and, logical_not, comparison };
  Kind kind = Kind::literal;
  /// literal: owned here, so evaluation can point at it like at a node.
  std::shared_ptr<const Json> literal;
  Query query;
  FunctionId function = FunctionId::length;
  CompareOp op = CompareOp::eq;
  /// function arguments; or/and operands; the operand of not; lhs and rhs.
  std::vector<Expr> operands;
  /// match() and search() whose pattern is a string literal: compiled once.
  /// Null with a literal pattern that is not an I-Regexp (always false).
  std::shared_ptr<const IRegexp> regex;
  bool literal_pattern = false;
};

/// Parses `text` as a jsonpath-query (RFC 9535 §2.1.1), enforcing the
/// well-typedness rules of function extensions.
Result<std::shared_ptr<const Query>> parse_query(std::string_view text);

/// A node in an evaluation: the value and, when the caller asked for
/// normalized paths, where it is (an index into the evaluation's PathStep
/// list; -1 for the root or when paths are not tracked).
struct Node
{
  const Json* value;
  std::int32_t location;
};

/// One step of a normalized path: a member name or an array index, after the
/// location `parent`.
struct PathStep
{
  std::int32_t parent;
  const std::string* name; // null for an index
  std::int64_t index;
};

/// Applies `query` to `root` (and `current` for a relative query). With
/// `steps`, every selected node's location is recorded there.
void evaluate(const Query& query, const Json& root, const Json& current,
              std::vector<PathStep>* steps, std::vector<Node>& out);

/// The normalized path of a location (RFC 9535 §2.7): $['a'][0].
std::string normalized_path(const std::vector<PathStep>& steps, std::int32_t location);

} // namespace hb::analysis::jsonpath

#pragma once
// JSONPath function extensions (RFC 9535 §2.4): their signatures, which the
// parser type-checks against, and their behaviour, which the evaluator calls
// once it has evaluated the arguments. Internal to src/analysis.

#include "analysis/jsonpath_ast.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hb::analysis::jsonpath {

struct FunctionSignature
{
  std::string_view name;
  FunctionId id;
  ExprType result;
  std::size_t arity;
  std::array<ExprType, 2> parameters;
};

/// The signature of a function by name; null for an unknown one.
const FunctionSignature* find_function(std::string_view name);
const FunctionSignature& function_signature(FunctionId id);
/// "length, count, match, search, value", for messages.
std::string_view function_names();

/// A ValueType result (§2.4.1): a JSON value, or Nothing. Values are pointers
/// into the document or the query, or a count computed here, so evaluation
/// copies no JSON.
struct Value
{
  enum class Kind { nothing, node, count };
  Kind kind = Kind::nothing;
  const Json* node = nullptr;
  std::int64_t count = 0;

  static Value of(const Json* node) { return node ? Value{Kind::node, node, 0} : Value{}; }
  static Value of_count(std::int64_t count) { return Value{Kind::count, nullptr, count}; }
};

/// length(): characters of a string, elements of an array, members of an
/// object; Nothing otherwise.
Value function_length(Value argument);
/// value(): the value of a nodelist's only node; Nothing for 0 or 2+ nodes.
Value function_value(const std::vector<Node>& nodes);
/// match() (full) and search() (substring). `call` carries the pattern when
/// it was a literal, compiled at parse time; otherwise `pattern` is compiled
/// now. False unless both are strings and the pattern is an I-Regexp.
bool function_regex(const Expr& call, Value text, Value pattern);
/// For match() and search() with a string literal pattern: compiles it into
/// `call`, once for every evaluation.
void prepare_regex(Expr& call);

} // namespace hb::analysis::jsonpath

// Evaluation of a parsed JSONPath query (RFC 9535 §2.3-2.4) over a document.
// Nodes are pointers into the document; values in filters are pointers into
// the document or the query's literals, so nothing is copied. Normalized
// paths are recorded only when asked for, as steps appended to a list.

#include "analysis/jsonpath_ast.hpp"
#include "analysis/jsonpath_functions.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace hb::analysis::jsonpath {

namespace {

/// JSON numbers as long double: exact for every int64, uint64 and double on
/// the targets homeboy builds for, so mixed comparisons need no cases.
std::optional<long double>
number_of(Value value)
{
  if (value.kind == Value::Kind::count) {
    return static_cast<long double>(value.count);
  }
  if (value.kind != Value::Kind::node) {
    return std::nullopt;
  }
  const Json& json = *value.node;
  switch (json.type()) {
  case Json::value_t::number_integer: return static_cast<long double>(json.get<std::int64_t>());
  case Json::value_t::number_unsigned: return static_cast<long double>(json.get<std::uint64_t>());
  case Json::value_t::number_float: return static_cast<long double>(json.get<double>());
  default: return std::nullopt;
  }
}

/// Deep equality (§2.3.5.2.2): numbers by value, objects regardless of
/// member order (ordered_json's own == compares the order too).
bool
json_equal(const Json& a, const Json& b)
{
  if (a.is_number() && b.is_number()) {
    return *number_of(Value::of(&a)) == *number_of(Value::of(&b));
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
  case Json::value_t::array:
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), json_equal);
  case Json::value_t::object:
    if (a.size() != b.size()) {
      return false;
    }
    for (const auto& [key, value] : a.items()) {
      const auto other = b.find(key);
      if (other == b.end() || !json_equal(value, *other)) {
        return false;
      }
    }
    return true;
  default: return a == b;
  }
}

bool
values_equal(Value a, Value b)
{
  if (a.kind == Value::Kind::nothing || b.kind == Value::Kind::nothing) {
    return a.kind == b.kind;
  }
  if (a.kind == Value::Kind::count || b.kind == Value::Kind::count) {
    const auto x = number_of(a);
    const auto y = number_of(b);
    return x && y && *x == *y;
  }
  return json_equal(*a.node, *b.node);
}

/// `<` is defined for two numbers and for two strings (by code point, which
/// UTF-8's byte order preserves); any other pair is not less.
bool
value_less(Value a, Value b)
{
  const auto x = number_of(a);
  const auto y = number_of(b);
  if (x && y) {
    return *x < *y;
  }
  if (a.kind == Value::Kind::node && b.kind == Value::Kind::node && a.node->is_string()
      && b.node->is_string()) {
    return a.node->get_ref<const std::string&>() < b.node->get_ref<const std::string&>();
  }
  return false;
}

bool
compare(CompareOp op, Value a, Value b)
{
  switch (op) {
  case CompareOp::eq: return values_equal(a, b);
  case CompareOp::ne: return !values_equal(a, b);
  case CompareOp::lt: return value_less(a, b);
  case CompareOp::le: return value_less(a, b) || values_equal(a, b);
  case CompareOp::gt: return value_less(b, a);
  case CompareOp::ge: return value_less(b, a) || values_equal(a, b);
  }
  return false;
}

/// A slice bound (§2.3.4.2.2): negative counts from the end.
std::int64_t
normalize(std::int64_t index, std::int64_t length)
{
  return index >= 0 ? index : length + index;
}

class Evaluator
{
public:
  Evaluator(const Json& root, std::vector<PathStep>* steps) : m_root(root), m_steps(steps) {}

  void run(const Query& query, const Json& current, std::vector<Node>& out)
  {
    out.clear();
    out.push_back(Node{query.absolute ? &m_root : &current, -1});
    std::vector<Node> next;
    for (const auto& segment : query.segments) {
      next.clear();
      for (const Node& node : out) {
        if (segment.descendant) {
          descend(segment, node, next);
        } else {
          select(segment, node, next);
        }
      }
      out.swap(next);
      if (out.empty()) {
        return;
      }
    }
  }

private:
  void select(const Segment& segment, Node node, std::vector<Node>& out)
  {
    for (const auto& selector : segment.selectors) {
      apply(selector, node, out);
    }
  }

  // The input node, then its descendants, depth first and in document order:
  // nodes come before their children, array elements in array order. An
  // explicit stack, as documents may nest deeper than the call stack allows.
  void descend(const Segment& segment, Node start, std::vector<Node>& out)
  {
    std::vector<Node> pending{start};
    while (!pending.empty()) {
      const Node node = pending.back();
      pending.pop_back();
      select(segment, node, out);
      const Json& value = *node.value;
      const std::size_t first_child = pending.size();
      if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
          pending.push_back(element(node, static_cast<std::int64_t>(i)));
        }
      } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          pending.push_back(child(node, it.key(), *it));
        }
      }
      // Popped from the back, so the first child must be last.
      std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(first_child), pending.end());
    }
  }

  /// `key` must be the document's own key (iterator.key()): its address is
  /// the path step.
  Node child(Node parent, const std::string& key, const Json& value)
  {
    return Node{&value, record(PathStep{parent.location, &key, 0})};
  }

  Node element(Node parent, std::int64_t index)
  {
    return Node{&(*parent.value)[static_cast<std::size_t>(index)],
                record(PathStep{parent.location, nullptr, index})};
  }

  std::int32_t record(PathStep step)
  {
    if (!m_steps) {
      return -1;
    }
    m_steps->push_back(step);
    return static_cast<std::int32_t>(m_steps->size() - 1);
  }

  void apply(const Selector& selector, Node node, std::vector<Node>& out)
  {
    const Json& value = *node.value;
    switch (selector.kind) {
    case SelectorKind::name:
      if (value.is_object()) {
        const auto found = value.find(selector.name);
        if (found != value.end()) {
          out.push_back(child(node, found.key(), *found));
        }
      }
      return;
    case SelectorKind::wildcard:
      if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
          out.push_back(element(node, static_cast<std::int64_t>(i)));
        }
      } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          out.push_back(child(node, it.key(), *it));
        }
      }
      return;
    case SelectorKind::index:
      if (value.is_array()) {
        const auto length = static_cast<std::int64_t>(value.size());
        const std::int64_t index = normalize(selector.index, length);
        if (index >= 0 && index < length) {
          out.push_back(element(node, index));
        }
      }
      return;
    case SelectorKind::slice: slice(selector, node, out); return;
    case SelectorKind::filter:
      if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (test(*selector.filter, value[i])) {
            out.push_back(element(node, static_cast<std::int64_t>(i)));
          }
        }
      } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          if (test(*selector.filter, *it)) {
            out.push_back(child(node, it.key(), *it));
          }
        }
      }
      return;
    }
  }

  // §2.3.4.2.2. Bounds are within ±(2^53-1) and so is the length, so none of
  // this arithmetic overflows.
  void slice(const Selector& selector, Node node, std::vector<Node>& out)
  {
    if (!node.value->is_array() || selector.step == 0) {
      return;
    }
    const auto length = static_cast<std::int64_t>(node.value->size());
    const std::int64_t step = selector.step;
    if (step > 0) {
      const std::int64_t start = selector.start ? normalize(*selector.start, length) : 0;
      const std::int64_t end = selector.end ? normalize(*selector.end, length) : length;
      const std::int64_t lower = std::clamp<std::int64_t>(start, 0, length);
      const std::int64_t upper = std::clamp<std::int64_t>(end, 0, length);
      for (std::int64_t i = lower; i < upper; i += step) {
        out.push_back(element(node, i));
      }
    } else {
      const std::int64_t start = selector.start ? normalize(*selector.start, length) : length - 1;
      const std::int64_t end = selector.end ? normalize(*selector.end, length) : -length - 1;
      const std::int64_t upper = std::clamp<std::int64_t>(start, -1, length - 1);
      const std::int64_t lower = std::clamp<std::int64_t>(end, -1, length - 1);
      for (std::int64_t i = upper; lower < i; i += step) {
        out.push_back(element(node, i));
      }
    }
  }

  /// A logical-typed expression (or a query or nodes-typed function used as
  /// a test) with `current` as @.
  bool test(const Expr& expr, const Json& current)
  {
    switch (expr.kind) {
    case Expr::Kind::logical_or:
      return std::any_of(expr.operands.begin(), expr.operands.end(),
                         [&](const Expr& operand) { return test(operand, current); });
    case Expr::Kind::logical_and:
      return std::all_of(expr.operands.begin(), expr.operands.end(),
                         [&](const Expr& operand) { return test(operand, current); });
    case Expr::Kind::logical_not: return !test(expr.operands.front(), current);
    case Expr::Kind::comparison:
      return compare(expr.op, value_of(expr.operands[0], current),
                     value_of(expr.operands[1], current));
    case Expr::Kind::query:
      if (expr.query.singular) {
        return resolve(expr.query, current) != nullptr;
      }
      return !nodes_of(expr.query, current).empty();
    case Expr::Kind::function:
      // The parser admits only LogicalType functions here: match(), search().
      return function_regex(expr, value_of(expr.operands[0], current),
                            value_of(expr.operands[1], current));
    case Expr::Kind::literal: return false;
    }
    return false;
  }

  /// A value-typed expression: a literal, a singular query or a function
  /// returning a value.
  Value value_of(const Expr& expr, const Json& current)
  {
    switch (expr.kind) {
    case Expr::Kind::literal: return Value::of(expr.literal.get());
    case Expr::Kind::query: return Value::of(resolve(expr.query, current));
    case Expr::Kind::function:
      switch (expr.function) {
      case FunctionId::length: return function_length(value_of(expr.operands[0], current));
      // Their NodesType argument is a query: no function returns nodes.
      case FunctionId::count: {
        const auto nodes = nodes_of(expr.operands[0].query, current);
        return Value::of_count(static_cast<std::int64_t>(nodes.size()));
      }
      case FunctionId::value: return function_value(nodes_of(expr.operands[0].query, current));
      case FunctionId::match:
      case FunctionId::search: break;
      }
      break;
    default: break;
    }
    return {};
  }

  /// A singular query's node, found by walking pointers; null for Nothing.
  const Json* resolve(const Query& query, const Json& current) const
  {
    const Json* node = query.absolute ? &m_root : &current;
    for (const auto& segment : query.segments) {
      const Selector& selector = segment.selectors.front();
      if (selector.kind == SelectorKind::name) {
        if (!node->is_object()) {
          return nullptr;
        }
        const auto found = node->find(selector.name);
        if (found == node->end()) {
          return nullptr;
        }
        node = &*found;
      } else {
        if (!node->is_array()) {
          return nullptr;
        }
        const auto length = static_cast<std::int64_t>(node->size());
        const std::int64_t index = normalize(selector.index, length);
        if (index < 0 || index >= length) {
          return nullptr;
        }
        node = &(*node)[static_cast<std::size_t>(index)];
      }
    }
    return node;
  }

  /// A filter's nodelist, without paths: they are never reported.
  std::vector<Node> nodes_of(const Query& query, const Json& current) const
  {
    std::vector<Node> nodes;
    Evaluator(m_root, nullptr).run(query, current, nodes);
    return nodes;
  }

  const Json& m_root;
  std::vector<PathStep>* m_steps;
};

void
append_quoted_name(std::string& out, const std::string& name)
{
  out += "['";
  for (char c : name) {
    switch (c) {
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\'': out += "\\'"; break;
    case '\\': out += "\\\\"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
      } else {
        out += c;
      }
    }
  }
  out += "']";
}

} // namespace

void
evaluate(const Query& query, const Json& root, const Json& current, std::vector<PathStep>* steps,
         std::vector<Node>& out)
{
  Evaluator(root, steps).run(query, current, out);
}

std::string
normalized_path(const std::vector<PathStep>& steps, std::int32_t location)
{
  std::vector<const PathStep*> chain;
  for (std::int32_t at = location; at >= 0; at = steps[static_cast<std::size_t>(at)].parent) {
    chain.push_back(&steps[static_cast<std::size_t>(at)]);
  }
  std::string path = "$";
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if ((*it)->name) {
      append_quoted_name(path, *(*it)->name);
    } else {
      path += fmt::format("[{}]", (*it)->index);
    }
  }
  return path;
}

} // namespace hb::analysis::jsonpath

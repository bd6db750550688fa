// The grammatical half of the JSONPath parser: RFC 9535's ABNF by recursive
// descent, over the tokens of jsonpath_scanner, with the well-typedness rules
// of §2.4.3 checked as the tree is built, so a query that parses can always
// be evaluated.

#include "analysis/jsonpath_ast.hpp"
#include "analysis/jsonpath_functions.hpp"
#include "analysis/jsonpath_scanner.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

namespace hb::analysis::jsonpath {

namespace {

// Nested parentheses, negations, function calls and filters recurse; a query
// is short, so this only stops a hostile one from exhausting the stack.
constexpr int k_max_depth = 100;

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

class Parser
{
public:
  explicit Parser(std::string_view text) : m_scan(text) {}

  Result<std::shared_ptr<const Query>> parse()
  {
    auto query = std::make_shared<Query>();
    if (!m_scan.accept("$")) {
      m_scan.expected("'$' (a query starts at the root)");
      return Unexpected<Error>(m_scan.error());
    }
    if (!parse_segments(*query)) {
      return Unexpected<Error>(m_scan.error());
    }
    if (!m_scan.at_end()) {
      m_scan.expected("a segment ('.name', '[...]' or '..') or the end of the query");
      return Unexpected<Error>(m_scan.error());
    }
    return std::shared_ptr<const Query>(std::move(query));
  }

private:
  // segments = *(S segment): blank space belongs to the query only when a
  // segment follows it, so it is given back otherwise.
  bool parse_segments(Query& query)
  {
    while (true) {
      const std::size_t before = m_scan.offset();
      m_scan.skip_blank();
      if (m_scan.peek() != '.' && m_scan.peek() != '[') {
        m_scan.reset(before);
        return true;
      }
      Segment segment;
      bool singular = false;
      if (!parse_segment(segment, singular)) {
        return false;
      }
      query.singular = query.singular && singular;
      query.segments.push_back(std::move(segment));
    }
  }

  bool parse_segment(Segment& segment, bool& singular)
  {
    Selector selector;
    if (m_scan.accept("..")) {
      segment.descendant = true;
      if (m_scan.peek() == '[') {
        return parse_bracketed(segment, singular);
      }
      if (!m_scan.accept("*")) {
        selector.kind = SelectorKind::name;
        if (!m_scan.scan_member_name(selector.name, "'[', '*' or a member name after '..'")) {
          return false;
        }
      }
    } else if (m_scan.accept(".")) {
      if (!m_scan.accept("*")) {
        selector.kind = SelectorKind::name;
        if (!m_scan.scan_member_name(selector.name, "'*' or a member name after '.'")) {
          return false;
        }
      }
    } else {
      return parse_bracketed(segment, singular);
    }
    singular = !segment.descendant && selector.kind == SelectorKind::name;
    segment.selectors.push_back(std::move(selector));
    return true;
  }

  // "[" S selector *(S "," S selector) S "]"
  bool parse_bracketed(Segment& segment, bool& singular)
  {
    m_scan.accept("[");
    bool blank = m_scan.at_blank();
    m_scan.skip_blank();
    while (true) {
      Selector selector;
      if (!parse_selector(selector)) {
        return false;
      }
      segment.selectors.push_back(std::move(selector));
      blank = blank || m_scan.at_blank();
      m_scan.skip_blank();
      if (m_scan.accept("]")) {
        break;
      }
      if (!m_scan.accept(",")) {
        return m_scan.expected("',' or ']' after a selector");
      }
      m_scan.skip_blank();
    }
    // A singular query's bracketed segments hold one name or index and no
    // blank space (name-segment and index-segment in §2.3.5.1).
    const SelectorKind kind = segment.selectors.front().kind;
    singular = !segment.descendant && !blank && segment.selectors.size() == 1
               && (kind == SelectorKind::name || kind == SelectorKind::index);
    return true;
  }

  bool parse_selector(Selector& selector)
  {
    const char c = m_scan.peek();
    if (c == '\'' || c == '"') {
      selector.kind = SelectorKind::name;
      return m_scan.scan_string_literal(selector.name);
    }
    if (m_scan.accept("*")) {
      selector.kind = SelectorKind::wildcard;
      return true;
    }
    if (m_scan.accept("?")) {
      selector.kind = SelectorKind::filter;
      m_scan.skip_blank();
      selector.filter = std::make_unique<Expr>();
      return parse_logical(*selector.filter);
    }
    if (c == ':' || c == '-' || is_digit(c)) {
      return parse_index_or_slice(selector);
    }
    return m_scan.expected("a selector: a quoted name, '*', an index, a slice or '?' and a filter");
  }

  // index-selector = int; slice-selector = [start S] ":" S [end S] [":" [S step]]
  bool parse_index_or_slice(Selector& selector)
  {
    std::optional<std::int64_t> start;
    if (m_scan.peek() != ':') {
      std::int64_t value = 0;
      if (!m_scan.scan_int(value)) {
        return false;
      }
      start = value;
    }
    const std::size_t after_start = m_scan.offset();
    m_scan.skip_blank();
    if (!m_scan.accept(":")) {
      m_scan.reset(after_start);
      selector.kind = SelectorKind::index;
      selector.index = *start;
      return true;
    }
    selector.kind = SelectorKind::slice;
    selector.start = start;
    m_scan.skip_blank();
    if (starts_int()) {
      std::int64_t end = 0;
      if (!m_scan.scan_int(end)) {
        return false;
      }
      selector.end = end;
      m_scan.skip_blank();
    }
    if (m_scan.accept(":")) {
      m_scan.skip_blank();
      if (starts_int() && !m_scan.scan_int(selector.step)) {
        return false;
      }
    }
    return true;
  }

  bool starts_int() const { return m_scan.peek() == '-' || is_digit(m_scan.peek()); }

  /// A whole filter or parenthesised expression: a logical-expr whose bare
  /// operands must be tests.
  bool parse_logical(Expr& out)
  {
    const std::size_t start = m_scan.offset();
    bool bare = false;
    return parse_or(out, bare) && (!bare || check_test(out, start));
  }

  // logical-or-expr = logical-and-expr *(S "||" S logical-and-expr). `bare`
  // says the result is a lone literal, query or function call, which only
  // a function argument may be without being a test.
  bool parse_or(Expr& out, bool& bare) { return parse_chain(out, bare, "||", true); }

  bool parse_chain(Expr& out, bool& bare, std::string_view op, bool is_or)
  {
    std::size_t start = m_scan.offset();
    Expr first;
    if (!(is_or ? parse_chain(first, bare, "&&", false) : parse_basic(first, bare))) {
      return false;
    }
    std::size_t before = m_scan.offset();
    m_scan.skip_blank();
    if (!m_scan.accept(op)) {
      m_scan.reset(before);
      out = std::move(first);
      return true;
    }
    out.kind = is_or ? Expr::Kind::logical_or : Expr::Kind::logical_and;
    out.operands.push_back(std::move(first));
    do {
      if (bare && !check_test(out.operands.back(), start)) {
        return false;
      }
      m_scan.skip_blank();
      start = m_scan.offset();
      Expr next;
      if (!(is_or ? parse_chain(next, bare, "&&", false) : parse_basic(next, bare))) {
        return false;
      }
      out.operands.push_back(std::move(next));
      before = m_scan.offset();
      m_scan.skip_blank();
    } while (m_scan.accept(op));
    m_scan.reset(before);
    if (bare && !check_test(out.operands.back(), start)) {
      return false;
    }
    bare = false;
    return true;
  }

  // basic-expr = paren-expr / comparison-expr / test-expr
  bool parse_basic(Expr& out, bool& bare)
  {
    const std::size_t start = m_scan.offset();
    if (m_depth >= k_max_depth) {
      return m_scan.fail(start, "expression nested too deeply");
    }
    ++m_depth;
    const bool ok = parse_basic_inner(out, bare, start);
    --m_depth;
    return ok;
  }

  bool parse_basic_inner(Expr& out, bool& bare, std::size_t start)
  {
    bare = false;
    if (m_scan.accept("!")) {
      m_scan.skip_blank();
      Expr operand;
      if (m_scan.peek() == '(') {
        if (!parse_paren(operand)) {
          return false;
        }
      } else {
        const std::size_t operand_start = m_scan.offset();
        if (!parse_primary(operand) || !check_test(operand, operand_start)) {
          return false;
        }
        const std::size_t after = m_scan.offset();
        m_scan.skip_blank();
        if (at_comparison_op()) {
          return m_scan.fail(start, "'!' negates a test, not a comparison; write !(a == b)");
        }
        m_scan.reset(after);
      }
      out.kind = Expr::Kind::logical_not;
      out.operands.push_back(std::move(operand));
      return true;
    }
    if (m_scan.peek() == '(') {
      return parse_paren(out);
    }
    Expr lhs;
    if (!parse_primary(lhs)) {
      return false;
    }
    const std::size_t after = m_scan.offset();
    m_scan.skip_blank();
    const auto op = scan_comparison_op();
    if (!op) {
      if (m_scan.peek() == '=') {
        return m_scan.fail(m_scan.offset(), "'=' is not an operator; compare with '=='");
      }
      m_scan.reset(after);
      out = std::move(lhs);
      bare = true;
      return true;
    }
    if (!check_comparable(lhs, start)) {
      return false;
    }
    m_scan.skip_blank();
    const std::size_t rhs_start = m_scan.offset();
    Expr rhs;
    if (!parse_primary(rhs) || !check_comparable(rhs, rhs_start)) {
      return false;
    }
    out.kind = Expr::Kind::comparison;
    out.op = *op;
    out.operands.push_back(std::move(lhs));
    out.operands.push_back(std::move(rhs));
    return true;
  }

  // paren-expr's "(" S logical-expr S ")"
  bool parse_paren(Expr& out)
  {
    m_scan.accept("(");
    m_scan.skip_blank();
    if (!parse_logical(out)) {
      return false;
    }
    m_scan.skip_blank();
    return m_scan.accept(")") || m_scan.expected("')' or an operator (&&, ||, ==, <, ...)");
  }

  bool at_comparison_op()
  {
    const std::size_t before = m_scan.offset();
    const bool found = scan_comparison_op().has_value();
    m_scan.reset(before);
    return found;
  }

  std::optional<CompareOp> scan_comparison_op()
  {
    if (m_scan.accept("==")) return CompareOp::eq;
    if (m_scan.accept("!=")) return CompareOp::ne;
    if (m_scan.accept("<=")) return CompareOp::le;
    if (m_scan.accept(">=")) return CompareOp::ge;
    if (m_scan.accept("<")) return CompareOp::lt;
    if (m_scan.accept(">")) return CompareOp::gt;
    return std::nullopt;
  }

  /// A literal, a query (@ or $) or a function call.
  bool parse_primary(Expr& out)
  {
    const char c = m_scan.peek();
    if (c == '@' || c == '$') {
      m_scan.accept(std::string_view(&c, 1));
      out.kind = Expr::Kind::query;
      out.query.absolute = c == '$';
      return parse_segments(out.query);
    }
    if (c == '\'' || c == '"') {
      std::string text;
      if (!m_scan.scan_string_literal(text)) {
        return false;
      }
      out.literal = std::make_shared<const Json>(std::move(text));
      return true;
    }
    if (c == '-' || is_digit(c)) {
      Json number;
      if (!m_scan.scan_number(number)) {
        return false;
      }
      out.literal = std::make_shared<const Json>(std::move(number));
      return true;
    }
    const std::size_t start = m_scan.offset();
    const std::string_view name = m_scan.scan_identifier();
    if (name.empty()) {
      return m_scan.expected("a query (@ or $), a literal or a function call");
    }
    if (m_scan.peek() == '(') {
      return parse_function(out, name, start);
    }
    if (name == "true" || name == "false" || name == "null") {
      out.literal =
        std::make_shared<const Json>(name == "null" ? Json(nullptr) : Json(name == "true"));
      return true;
    }
    if (m_scan.at_blank()) {
      m_scan.skip_blank();
      if (m_scan.peek() == '(') {
        return m_scan.fail(start, "no blank space is allowed between a function name and '('");
      }
    }
    return m_scan.fail(start, fmt::format("expected a query (@ or $), a literal or a function "
                                          "call, found '{}'",
                                          name));
  }

  // function-expr = function-name "(" S [function-argument *(S "," S
  // function-argument)] S ")"
  bool parse_function(Expr& out, std::string_view name, std::size_t start)
  {
    const FunctionSignature* signature = find_function(name);
    if (!signature) {
      return m_scan.fail(start, fmt::format("unknown function {}(); the functions are {}", name,
                                            function_names()));
    }
    out.kind = Expr::Kind::function;
    out.function = signature->id;
    m_scan.accept("(");
    m_scan.skip_blank();
    if (!m_scan.accept(")")) {
      while (true) {
        if (out.operands.size() == signature->arity) {
          return m_scan.fail(m_scan.offset(), arity_message(*signature));
        }
        Expr argument;
        if (!parse_argument(argument, *signature, out.operands.size())) {
          return false;
        }
        out.operands.push_back(std::move(argument));
        m_scan.skip_blank();
        if (m_scan.accept(")")) {
          break;
        }
        if (!m_scan.accept(",")) {
          return m_scan.expected(fmt::format("',' or ')' in the arguments of {}()", name));
        }
        m_scan.skip_blank();
      }
    }
    if (out.operands.size() != signature->arity) {
      return m_scan.fail(start, arity_message(*signature));
    }
    if (out.function == FunctionId::match || out.function == FunctionId::search) {
      prepare_regex(out);
    }
    return true;
  }

  static std::string arity_message(const FunctionSignature& signature)
  {
    return fmt::format("{}() takes {} argument{}", signature.name, signature.arity,
                       signature.arity == 1 ? "" : "s");
  }

  /// function-argument = literal / filter-query / logical-expr /
  /// function-expr, well-typed for its parameter (§2.4.3).
  bool parse_argument(Expr& out, const FunctionSignature& signature, std::size_t index)
  {
    const std::size_t start = m_scan.offset();
    bool bare = false;
    if (!parse_or(out, bare)) {
      return false;
    }
    const bool is_query = bare && out.kind == Expr::Kind::query;
    const bool is_function = bare && out.kind == Expr::Kind::function;
    const ExprType result =
      is_function ? function_signature(out.function).result : ExprType::logical;
    const std::string where = fmt::format("{}() argument {}", signature.name, index + 1);
    // No standard function takes a LogicalType, so a parameter is a value or
    // nodes.
    if (signature.parameters[index] == ExprType::nodes) {
      if (is_query || (is_function && result == ExprType::nodes)) {
        return true;
      }
      return m_scan.fail(start, where + " must be a query (it reads a nodelist)");
    }
    if ((bare && out.kind == Expr::Kind::literal) || (is_query && out.query.singular)
        || (is_function && result == ExprType::value)) {
      return true;
    }
    if (is_query) {
      return m_scan.fail(start, where + " must be a value, and this query can select several "
                                        "nodes; a singular query has only names and indexes, "
                                        "without blank space inside brackets");
    }
    return m_scan.fail(start, where + " must be a value: a literal, a singular query or a "
                                      "function returning a value");
  }

  /// A bare operand used as a test-expr: a query (existence) or a function
  /// returning a logical or a nodelist.
  bool check_test(const Expr& expr, std::size_t start)
  {
    if (expr.kind == Expr::Kind::literal) {
      return m_scan.fail(start, "a literal must be compared (e.g. @.flag == true)");
    }
    if (expr.kind == Expr::Kind::function
        && function_signature(expr.function).result == ExprType::value) {
      return m_scan.fail(start, fmt::format("{}() returns a value, which must be compared "
                                            "(e.g. {}(@.x) > 0)",
                                            function_signature(expr.function).name,
                                            function_signature(expr.function).name));
    }
    return true;
  }

  /// A comparison operand: a literal, a singular query or a function
  /// returning a value.
  bool check_comparable(const Expr& expr, std::size_t start)
  {
    if (expr.kind == Expr::Kind::query && !expr.query.singular) {
      return m_scan.fail(start, "only a singular query (names and indexes, no blank space "
                                "inside brackets) can be compared; this one can select "
                                "several nodes");
    }
    if (expr.kind == Expr::Kind::function
        && function_signature(expr.function).result != ExprType::value) {
      return m_scan.fail(start, fmt::format("{}() returns a logical, which cannot be compared",
                                            function_signature(expr.function).name));
    }
    return true;
  }

  Scanner m_scan;
  int m_depth = 0;
};

} // namespace

Result<std::shared_ptr<const Query>>
parse_query(std::string_view text)
{
  return Parser(text).parse();
}

} // namespace hb::analysis::jsonpath

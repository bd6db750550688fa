// The I-Regexp parser: RFC 9485's ABNF by recursive descent over the
// pattern's code points, to the syntax tree of iregexp_syntax.hpp.

#include "analysis/iregexp_syntax.hpp"

#include "analysis/utf8.hpp"

#include <fmt/format.h>

namespace hb::analysis::iregexp {

namespace {

constexpr int k_max_depth = 100;

bool
is_single_char_escape(char32_t c)
{
  return (c >= '(' && c <= '+') || c == '-' || c == '.' || c == '?' || (c >= '[' && c <= '^')
         || c == 'n' || c == 'r' || c == 't' || (c >= '{' && c <= '}');
}

char32_t
unescape(char32_t c)
{
  switch (c) {
  case 'n': return '\n';
  case 'r': return '\r';
  case 't': return '\t';
  default: return c;
  }
}

class Parser
{
public:
  Parser(std::vector<char32_t> chars, std::vector<CharSet>& sets)
    : m_chars(std::move(chars)), m_sets(sets)
  {
  }

  bool parse(Node& out)
  {
    if (!parse_alternation(out, 0)) {
      return false;
    }
    if (m_pos < m_chars.size()) {
      return fail("unmatched ')'");
    }
    return true;
  }

  /// "column 3: nothing to repeat" (1-based, in code points).
  std::string error() const { return fmt::format("column {}: {}", m_error_pos + 1, m_error); }

private:
  bool at_end() const { return m_pos >= m_chars.size(); }
  char32_t peek() const { return m_chars[m_pos]; }

  bool fail(std::string message)
  {
    m_error_pos = m_pos;
    m_error = std::move(message);
    return false;
  }

  int add_set(CharSet set)
  {
    m_sets.push_back(std::move(set));
    return static_cast<int>(m_sets.size() - 1);
  }

  Node set_node(CharSet set)
  {
    Node node;
    node.kind = Node::Kind::set;
    node.set = add_set(std::move(set));
    return node;
  }

  bool parse_alternation(Node& out, int depth)
  {
    if (depth > k_max_depth) {
      return fail("groups nested too deeply");
    }
    Node branch;
    if (!parse_branch(branch, depth)) {
      return false;
    }
    if (at_end() || peek() != '|') {
      out = std::move(branch);
      return true;
    }
    out.kind = Node::Kind::alternation;
    out.children.push_back(std::move(branch));
    while (!at_end() && peek() == '|') {
      ++m_pos;
      Node next;
      if (!parse_branch(next, depth)) {
        return false;
      }
      out.children.push_back(std::move(next));
    }
    return true;
  }

  bool parse_branch(Node& out, int depth)
  {
    out.kind = Node::Kind::concat;
    while (!at_end() && peek() != '|' && peek() != ')') {
      Node piece;
      if (!parse_piece(piece, depth)) {
        return false;
      }
      out.children.push_back(std::move(piece));
    }
    return true;
  }

  bool parse_piece(Node& out, int depth)
  {
    const char32_t c = peek();
    if (c == '^' || c == '$') {
      ++m_pos;
      out.kind = c == '^' ? Node::Kind::text_start : Node::Kind::text_end;
      if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) {
        return fail("an anchor cannot be repeated");
      }
      return true;
    }
    Node atom;
    if (!parse_atom(atom, depth)) {
      return false;
    }
    if (at_end()) {
      out = std::move(atom);
      return true;
    }
    int min = 0;
    int max = -1;
    switch (peek()) {
    case '*': ++m_pos; break;
    case '+': ++m_pos, min = 1; break;
    case '?': ++m_pos, max = 1; break;
    case '{':
      if (!parse_range_quantifier(min, max)) {
        return false;
      }
      break;
    default: out = std::move(atom); return true;
    }
    out.kind = Node::Kind::repeat;
    out.min = min;
    out.max = max;
    out.children.push_back(std::move(atom));
    return true;
  }

  bool parse_count(int& out)
  {
    if (at_end() || peek() < '0' || peek() > '9') {
      return fail("expected a digit in the repetition count");
    }
    long long value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + (peek() - '0');
      if (value > static_cast<long long>(k_max_instructions)) {
        return fail(fmt::format("repetition count above {}", k_max_instructions));
      }
      ++m_pos;
    }
    out = static_cast<int>(value);
    return true;
  }

  // "{" n [ "," [ m ] ] "}"
  bool parse_range_quantifier(int& min, int& max)
  {
    ++m_pos;
    if (!parse_count(min)) {
      return false;
    }
    max = min;
    if (!at_end() && peek() == ',') {
      ++m_pos;
      max = -1;
      if (!at_end() && peek() != '}' && !parse_count(max)) {
        return false;
      }
    }
    if (at_end() || peek() != '}') {
      return fail("expected '}' to close the repetition");
    }
    if (max != -1 && max < min) {
      return fail("repetition maximum below its minimum");
    }
    ++m_pos;
    return true;
  }

  bool parse_atom(Node& out, int depth)
  {
    const char32_t c = peek();
    switch (c) {
    case '(':
      ++m_pos;
      if (!parse_alternation(out, depth + 1)) {
        return false;
      }
      if (at_end()) {
        return fail("expected ')'");
      }
      ++m_pos;
      return true;
    case '.': {
      ++m_pos;
      // RFC 9485: "." is [^\n\r].
      CharSet set;
      set.ranges = {{'\n', '\n'}, {'\r', '\r'}};
      set.negated = true;
      out = set_node(std::move(set));
      return true;
    }
    case '[': {
      CharSet set;
      if (!parse_class(set)) {
        return false;
      }
      out = set_node(std::move(set));
      return true;
    }
    case '\\': {
      CharSet set;
      if (!parse_escape(set)) {
        return false;
      }
      out = set_node(std::move(set));
      return true;
    }
    case '*':
    case '+':
    case '?':
    case '{': return fail(fmt::format("nothing to repeat before '{}'", static_cast<char>(c)));
    case ']':
    case '}': return fail(fmt::format("'{}' must be escaped", static_cast<char>(c)));
    default: {
      ++m_pos;
      CharSet set;
      set.ranges = {{c, c}};
      out = set_node(std::move(set));
      return true;
    }
    }
  }

  /// After a backslash: a single-character escape or \p{..} / \P{..}, added
  /// to `set`.
  bool parse_escape(CharSet& set)
  {
    ++m_pos;
    if (at_end()) {
      return fail("expected an escaped character after '\\'");
    }
    const char32_t c = peek();
    if (c == 'p' || c == 'P') {
      ++m_pos;
      if (at_end() || peek() != '{') {
        return fail("expected '{' after \\p or \\P");
      }
      ++m_pos;
      std::string name;
      while (!at_end() && peek() != '}' && name.size() < 3) {
        append_utf8(name, peek());
        ++m_pos;
      }
      const auto mask = category_mask(name);
      if (!mask || at_end() || peek() != '}') {
        return fail("expected a Unicode category such as Lu or L, then '}'");
      }
      ++m_pos;
      if (c == 'p') {
        set.categories |= *mask;
      } else {
        set.excluded.push_back(*mask);
      }
      return true;
    }
    if (!is_single_char_escape(c)) {
      return fail("expected one of ()*+-.?[\\]^nrt{|} or p{..} / P{..} after '\\'");
    }
    ++m_pos;
    set.ranges.emplace_back(unescape(c), unescape(c));
    return true;
  }

  /// A class bound: a character other than - [ \ ], or a single-character
  /// escape.
  bool parse_class_char(char32_t& out)
  {
    if (at_end()) {
      return fail("expected ']' to close the class");
    }
    const char32_t c = peek();
    if (c == '\\') {
      ++m_pos;
      if (at_end() || !is_single_char_escape(peek())) {
        return fail("expected one of ()*+-.?[\\]^nrt{|} after '\\'");
      }
      out = unescape(peek());
      ++m_pos;
      return true;
    }
    if (c == '-' || c == '[' || c == ']') {
      return fail(fmt::format("'{}' must be escaped in a class", static_cast<char>(c)));
    }
    out = c;
    ++m_pos;
    return true;
  }

  // "[" [ "^" ] ( "-" / CCE1 ) *CCE1 [ "-" ] "]"
  bool parse_class(CharSet& set)
  {
    ++m_pos;
    if (!at_end() && peek() == '^') {
      set.negated = true;
      ++m_pos;
    }
    bool first = true;
    while (true) {
      if (at_end()) {
        return fail("expected ']' to close the class");
      }
      const char32_t c = peek();
      if (c == ']') {
        if (first) {
          return fail("a class needs at least one character");
        }
        ++m_pos;
        return true;
      }
      if (c == '-') {
        // Literal only first or last.
        const bool last = m_pos + 1 < m_chars.size() && m_chars[m_pos + 1] == ']';
        if (!first && !last) {
          return fail("'-' must be escaped unless it is first or last in the class");
        }
        set.ranges.emplace_back('-', '-');
        ++m_pos;
        first = false;
        continue;
      }
      first = false;
      if (c == '\\' && m_pos + 1 < m_chars.size()
          && (m_chars[m_pos + 1] == 'p' || m_chars[m_pos + 1] == 'P')) {
        if (!parse_escape(set)) {
          return false;
        }
        continue;
      }
      char32_t low = 0;
      if (!parse_class_char(low)) {
        return false;
      }
      char32_t high = low;
      if (!at_end() && peek() == '-' && m_pos + 1 < m_chars.size() && m_chars[m_pos + 1] != ']') {
        ++m_pos;
        if (!parse_class_char(high)) {
          return false;
        }
        if (high < low) {
          return fail("class range out of order");
        }
      }
      set.ranges.emplace_back(low, high);
    }
  }

  std::vector<char32_t> m_chars;
  std::vector<CharSet>& m_sets;
  std::size_t m_pos = 0;
  std::size_t m_error_pos = 0;
  std::string m_error;
};

} // namespace

bool
parse(std::vector<char32_t> pattern, std::vector<CharSet>& sets, Node& root, std::string& error)
{
  Parser parser(std::move(pattern), sets);
  if (!parser.parse(root)) {
    error = parser.error();
    return false;
  }
  return true;
}

} // namespace hb::analysis::iregexp

#pragma once
// The lexical half of the JSONPath parser: a cursor over the query text that
// reads RFC 9535's tokens (string literals with their escapes, integers in
// the I-JSON range, numbers, member names) and keeps the first error with
// its position. Internal to src/analysis.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hb::analysis::jsonpath {

class Scanner
{
public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  bool at_end() const { return m_pos >= m_text.size(); }
  /// The next byte, '\0' at the end (the query's own NULs are rejected
  /// wherever they appear, so the sentinel is never ambiguous).
  char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
  std::size_t offset() const { return m_pos; }
  void reset(std::size_t offset) { m_pos = offset; }

  /// Consumes `token` when the text continues with it.
  bool accept(std::string_view token);
  /// Whether blank space (RFC 9535's B: space, tab, LF, CR) comes next.
  bool at_blank() const;
  /// S: any blank space.
  void skip_blank();

  /// A string-literal in ' or " quotes, unescaped into `out` (UTF-8).
  bool scan_string_literal(std::string& out);
  /// int (RFC 9535 §2.3.3.1): no leading zeros, no -0, within ±(2^53-1).
  bool scan_int(std::int64_t& out);
  /// A number literal of a filter: int or -0, optional fraction and exponent.
  bool scan_number(Json& out);
  /// member-name-shorthand: ALPHA, _, digits (not first) and non-ASCII;
  /// `what` says what was expected when there is none.
  bool scan_member_name(std::string& out, std::string_view what);
  /// A lower-case identifier: function names, true, false and null.
  std::string_view scan_identifier();

  /// Records an error at `offset` unless one is recorded; returns false.
  bool fail(std::size_t offset, std::string message);
  /// "expected <what>, found <the next character>" at the current offset.
  bool expected(std::string_view what);

  /// The recorded error as a validation.invalid_jsonpath Error.
  Error error() const;

private:
  char peek_next() const { return m_pos + 1 < m_text.size() ? m_text[m_pos + 1] : '\0'; }
  /// What is at the current offset, for messages: "']'", "the end of the
  /// query", "a newline".
  std::string describe_next() const;
  bool scan_escape(std::string& out, char quote);
  bool scan_hex4(char32_t& out);

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::optional<std::size_t> m_error_offset;
  std::string m_error_message;
};

} // namespace hb::analysis::jsonpath

#include "analysis/jsonpath_scanner.hpp"

#include "analysis/utf8.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <charconv>

namespace hb::analysis::jsonpath {

namespace {

// I-JSON's exact integers (RFC 7493), the bound RFC 9535 puts on indexes.
constexpr std::int64_t k_max_int = (std::int64_t{1} << 53) - 1;

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool
is_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
hex_value(char c)
{
  if (is_digit(c)) {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

bool
Scanner::accept(std::string_view token)
{
  if (m_text.substr(m_pos).starts_with(token)) {
    m_pos += token.size();
    return true;
  }
  return false;
}

bool
Scanner::at_blank() const
{
  const char c = peek();
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
Scanner::skip_blank()
{
  while (at_blank()) {
    ++m_pos;
  }
}

bool
Scanner::scan_hex4(char32_t& out)
{
  out = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = hex_value(peek());
    if (digit < 0) {
      return expected("a hexadecimal digit (\\u takes four)");
    }
    out = (out << 4) | static_cast<char32_t>(digit);
    ++m_pos;
  }
  return true;
}

bool
Scanner::scan_escape(std::string& out, char quote)
{
  const std::size_t start = m_pos;
  ++m_pos; // the backslash
  const char c = peek();
  switch (c) {
  case 'b': out += '\b'; break;
  case 'f': out += '\f'; break;
  case 'n': out += '\n'; break;
  case 'r': out += '\r'; break;
  case 't': out += '\t'; break;
  case '/': out += '/'; break;
  case '\\': out += '\\'; break;
  case 'u': {
    ++m_pos;
    char32_t unit = 0;
    if (!scan_hex4(unit)) {
      return false;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return fail(start, "a low surrogate (\\uDC00-\\uDFFF) must follow a high one");
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const std::size_t low_start = m_pos;
      char32_t low = 0;
      if (!accept("\\u") || !scan_hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return fail(low_start, "expected a low surrogate (\\uDC00-\\uDFFF) after a high one");
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, unit);
    return true;
  }
  default:
    if (c != quote) {
      return fail(start, fmt::format("invalid escape; expected one of \\b \\f \\n \\r \\t \\/ "
                                     "\\\\ \\{} \\uXXXX",
                                     quote));
    }
    out += quote;
  }
  ++m_pos;
  return true;
}

bool
Scanner::scan_string_literal(std::string& out)
{
  const char quote = peek();
  const std::size_t start = m_pos;
  ++m_pos;
  while (true) {
    if (at_end()) {
      return fail(start, fmt::format("unterminated string; expected a closing {}", quote));
    }
    const char c = peek();
    if (c == quote) {
      ++m_pos;
      return true;
    }
    if (c == '\\') {
      if (!scan_escape(out, quote)) {
        return false;
      }
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return fail(m_pos, "a control character in a string must be escaped (\\n, \\u001f, ...)");
    }
    const std::size_t at = m_pos;
    const auto code_point = decode_utf8(m_text, m_pos);
    if (!code_point) {
      return fail(at, "the query is not valid UTF-8");
    }
    out.append(m_text.substr(at, m_pos - at));
  }
}

bool
Scanner::scan_int(std::int64_t& out)
{
  const std::size_t start = m_pos;
  const bool negative = accept("-");
  if (!is_digit(peek())) {
    return expected("a digit");
  }
  if (peek() == '0') {
    ++m_pos;
    if (is_digit(peek())) {
      return fail(start, "an integer cannot have leading zeros");
    }
    if (negative) {
      return fail(start, "-0 is not an integer here; write 0");
    }
    out = 0;
    return true;
  }
  std::int64_t value = 0;
  bool too_large = false;
  while (is_digit(peek())) {
    if (!too_large) {
      value = value * 10 + (peek() - '0');
      too_large = value > k_max_int;
    }
    ++m_pos;
  }
  if (too_large) {
    return fail(start, "integer outside the I-JSON range -(2^53-1)..2^53-1");
  }
  out = negative ? -value : value;
  return true;
}

bool
Scanner::scan_number(Json& out)
{
  const std::size_t start = m_pos;
  accept("-");
  if (!is_digit(peek())) {
    return expected("a digit");
  }
  if (peek() == '0' && is_digit(peek_next())) {
    return fail(start, "a number cannot have leading zeros");
  }
  while (is_digit(peek())) {
    ++m_pos;
  }
  bool integral = true;
  if (peek() == '.') {
    ++m_pos;
    integral = false;
    if (!is_digit(peek())) {
      return expected("a digit after the decimal point");
    }
    while (is_digit(peek())) {
      ++m_pos;
    }
  }
  if (peek() == 'e' || peek() == 'E') {
    ++m_pos;
    integral = false;
    if (peek() == '+' || peek() == '-') {
      ++m_pos;
    }
    if (!is_digit(peek())) {
      return expected("a digit in the exponent");
    }
    while (is_digit(peek())) {
      ++m_pos;
    }
  }
  const std::string_view text = m_text.substr(start, m_pos - start);
  if (integral) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) {
      out = value;
      return true;
    }
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(start, "number outside the range of a double");
  }
  out = value;
  return true;
}

bool
Scanner::scan_member_name(std::string& out, std::string_view what)
{
  const std::size_t start = m_pos;
  while (!at_end()) {
    const char c = peek();
    if (is_alpha(c) || c == '_' || (is_digit(c) && m_pos > start)) {
      ++m_pos;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80) {
      break;
    }
    const std::size_t at = m_pos;
    if (!decode_utf8(m_text, m_pos)) {
      return fail(at, "the query is not valid UTF-8");
    }
  }
  if (m_pos == start) {
    return expected(what);
  }
  out.assign(m_text.substr(start, m_pos - start));
  return true;
}

std::string_view
Scanner::scan_identifier()
{
  const std::size_t start = m_pos;
  if (peek() >= 'a' && peek() <= 'z') {
    while ((peek() >= 'a' && peek() <= 'z') || is_digit(peek()) || peek() == '_') {
      ++m_pos;
    }
  }
  return m_text.substr(start, m_pos - start);
}

bool
Scanner::fail(std::size_t offset, std::string message)
{
  if (!m_error_offset) {
    m_error_offset = offset;
    m_error_message = std::move(message);
  }
  return false;
}

bool
Scanner::expected(std::string_view what)
{
  return fail(m_pos, fmt::format("expected {}, found {}", what, describe_next()));
}

std::string
Scanner::describe_next() const
{
  if (at_end()) {
    return "the end of the query";
  }
  const char c = peek();
  switch (c) {
  case ' ': return "a space";
  case '\t': return "a tab";
  case '\n': return "a newline";
  case '\r': return "a carriage return";
  default: break;
  }
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7F) {
    return fmt::format("control character U+{:04X}", byte);
  }
  std::size_t end = m_pos;
  if (!decode_utf8(m_text, end)) {
    return "a byte that is not UTF-8";
  }
  return fmt::format("'{}'", m_text.substr(m_pos, end - m_pos));
}

Error
Scanner::error() const
{
  const std::size_t offset = m_error_offset.value_or(m_pos);
  // Columns count characters, as an editor does, not bytes.
  std::size_t column = 1;
  for (std::size_t pos = 0; pos < offset && pos < m_text.size();) {
    if (!decode_utf8(m_text, pos)) {
      ++pos;
    }
    ++column;
  }
  const Json details = {{"query", std::string(m_text)}, {"column", column}};
  return Error{"validation.invalid_jsonpath",
               fmt::format("invalid JSONPath at column {}: {}", column, m_error_message),
               details.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

} // namespace hb::analysis::jsonpath

// Which client serves a connection (session.hpp), and bytea's text form,
// which both clients return.

#include "store/postgres/session.hpp"
#include "store/postgres/conninfo.hpp"
#include "store/postgres/libpq_session.hpp"
#include "store/postgres/wire.hpp"

#include <cstdlib>
#include <cstring>

namespace hb::postgres {

Result<std::unique_ptr<Session>>
open_session(const std::string& url, const char* application_name)
{
  // HOMEBOY_PG_CLIENT=libpq always takes libpq (the tests, and a way out
  // should the built-in client misread a server).
  const char* forced = std::getenv("HOMEBOY_PG_CLIENT");
  if (forced && std::strcmp(forced, "libpq") == 0) return open_libpq(url, application_name);
  std::string error;
  if (auto parsed = parse_uri(url, error)) {
    ConnOptions options =
      complete(std::move(*parsed), {{"connect_timeout", "5"}, {"application_name", application_name}});
    if (!needs_libpq(options)) {
      WireAttempt attempt = open_wire(options);
      if (attempt.session) return std::move(attempt.session);
      if (attempt.unsupported.empty()) return make_error("store.connect", attempt.error);
    }
  }
  return open_libpq(url, application_name);
}

std::string
unescape_bytea(std::string_view text)
{
  std::string out;
  if (text.substr(0, 2) == "\\x") {
    auto nibble = [](char c) {
      return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    };
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
      out += static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1]));
    }
    return out;
  }
  // The escape form: \\ is a backslash, \ooo an octal byte.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size()) {
      out += static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0'));
      i += 3;
    }
  }
  return out;
}

} // namespace hb::postgres

#pragma once
// A tiny blocking HTTP/1.1 GET over a TCP socket, for readiness probes: it
// answers "what status does http://host:port/path return?" and nothing more
// (no TLS, no redirects, no body). Knows nothing of homeboy.

#include "util/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hb::http {

struct Url
{
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/"; // path and query
};

enum class GetFailure { bad_url, unsupported_scheme, resolve_failed, refused, connect_failed, timed_out, bad_response };

struct GetError
{
  GetFailure kind = GetFailure::bad_url;
  std::string message;
};

/// Parses `http://host[:port][/path]` (IPv6 hosts in brackets); an `https://`
/// URL is `unsupported_scheme`.
Expected<Url, GetError> parse_url(std::string_view url);

/// The status code `url` answers a GET with. Every step (connect, send,
/// read the status line) shares the `timeout_ms` budget.
Expected<int, GetError> get_status(std::string_view url, std::int64_t timeout_ms);

} // namespace hb::http

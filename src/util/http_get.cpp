// Why: `rig check` probes HTTP endpoints, and linking an HTTP library (or
// spawning curl) for one status line would cost every command start-up; a
// GET over a plain socket is enough for readiness probes.

#include "util/http_get.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hb::http {

namespace {

using Clock = std::chrono::steady_clock;

Unexpected<GetError>
fail(GetFailure kind, std::string message)
{
  return Unexpected<GetError>(GetError{kind, std::move(message)});
}

struct Fd
{
  int fd = -1;
  ~Fd()
  {
    if (fd >= 0) ::close(fd);
  }
};

int
remaining_ms(Clock::time_point deadline)
{
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

} // namespace

Expected<Url, GetError>
parse_url(std::string_view url)
{
  if (url.starts_with("https://")) {
    return fail(GetFailure::unsupported_scheme, "https is not supported by this probe (plain http:// only)");
  }
  if (!url.starts_with("http://")) return fail(GetFailure::bad_url, "the URL must start with http://");
  std::string_view rest = url.substr(7);
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  Url out;
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target.front() == '?') out.target = "/" + out.target;
  }
  if (authority.find('@') != std::string_view::npos) return fail(GetFailure::bad_url, "credentials in the URL are not supported");
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(GetFailure::bad_url, "unclosed [ in the host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(GetFailure::bad_url, "unexpected text after the host");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return fail(GetFailure::bad_url, "the URL has no host");
  if (!port_text.empty()) {
    unsigned value = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || value > 65535) return fail(GetFailure::bad_url, "the port must be a number from 1 to 65535");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return fail(GetFailure::bad_url, "the port must be a number from 1 to 65535");
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Expected<int, GetError>
get_status(std::string_view url_text, std::int64_t timeout_ms)
{
  auto url = parse_url(url_text);
  if (!url) return Unexpected<GetError>(url.error());
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(url->port);
  if (int rc = ::getaddrinfo(url->host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fail(GetFailure::resolve_failed, "cannot resolve " + url->host + ": " + ::gai_strerror(rc));
  }
  Fd sock;
  GetError last{GetFailure::connect_failed, "no address to connect to"};
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Fd attempt;
    attempt.fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (attempt.fd < 0) continue;
    int rc = ::connect(attempt.fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{attempt.fd, POLLOUT, 0};
      int ready = ::poll(&p, 1, remaining_ms(deadline));
      if (ready == 0) {
        last = GetError{GetFailure::timed_out, "connecting timed out"};
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = GetError{errno == ECONNREFUSED ? GetFailure::refused : GetFailure::connect_failed,
                      std::string("connection ") + (errno == ECONNREFUSED ? "refused" : std::strerror(errno))};
      continue;
    }
    sock.fd = attempt.fd;
    attempt.fd = -1;
    break;
  }
  ::freeaddrinfo(found);
  if (sock.fd < 0) return Unexpected<GetError>(last);

  std::string host_header = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  if (url->port != 80) host_header += ":" + port;
  std::string request = "GET " + url->target + " HTTP/1.1\r\nHost: " + host_header +
                        "\r\nUser-Agent: homeboy-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{sock.fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) == 0) return fail(GetFailure::timed_out, "sending the request timed out");
    } else {
      return fail(GetFailure::bad_response, std::string("sending the request failed: ") + std::strerror(errno));
    }
  }
  std::string head;
  while (head.find("\r\n") == std::string::npos && head.size() < 8192) {
    pollfd p{sock.fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) == 0) return fail(GetFailure::timed_out, "no response before the timeout");
    char buf[1024];
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  // "HTTP/1.x NNN reason"
  if (!head.starts_with("HTTP/") || head.size() < 12) {
    return fail(GetFailure::bad_response, head.empty() ? "the server closed the connection without a response"
                                                       : "the response is not HTTP");
  }
  auto space = head.find(' ');
  if (space == std::string::npos || space + 4 > head.size()) return fail(GetFailure::bad_response, "malformed status line");
  int status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (head[i] < '0' || head[i] > '9') return fail(GetFailure::bad_response, "malformed status line");
    status = status * 10 + (head[i] - '0');
  }
  return status;
}

} // namespace hb::http

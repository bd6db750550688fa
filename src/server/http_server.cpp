// cpp-httplib behind HttpServer (http_server.hpp). httplib.h stays in this
// file: Debian builds cpp-httplib as a shared library with OpenSSL, zlib and
// brotli, which is why the daemon is its own program (docs/daemon.md).
//
// Threads: httplib serves each connection on a pool thread (HttpOptions::
// threads). An SSE stream holds its thread while open, so streams are capped
// (max_streams, below the pool size) and the rest of the pool keeps serving
// requests; a subscriber that stops reading blocks only its own thread until
// the write timeout drops it.

#include "server/http_server.hpp"

#include "server/sse.hpp"
#include "server/studio.hpp"
#include "util/json.hpp"

#include <httplib.h>

#include <fmt/core.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

namespace hb::server {

namespace {

// A path template's {name} segments as regex captures.
std::string
route_regex(const std::string& path)
{
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '{') {
      i = path.find('}', i);
      out += "([^/]+)";
    } else if (c == '.') {
      out += "\\.";
    } else {
      out += c;
    }
  }
  return out;
}

void
send(const ApiResponse& api, httplib::Response& res)
{
  res.status = api.status;
  for (const auto& [key, value] : api.headers) res.set_header(key, value);
  res.set_content(api.body, api.content_type);
}

// Constant-time comparison, so the token cannot be guessed byte by byte.
bool
same_secret(const std::string& a, const std::string& b)
{
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Why binding failed, asked of the kernel with a socket of our own (httplib
// reports only false).
std::string
bind_failure(const std::string& host, int port)
{
  int fd = ::socket(host.find(':') != std::string::npos ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::strerror(errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = -1;
  if (host.find(':') != std::string::npos) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr) != 1) {
      ::close(fd);
      return "not an IP address";
    }
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      ::close(fd);
      return "not an IP address";
    }
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  int err = errno;
  ::close(fd);
  if (rc == 0) return "the address could not be bound";
  if (err == EADDRINUSE) return "the port is already in use (another daemon or program); pick another with --listen";
  if (err == EADDRNOTAVAIL) return "that address is not one of this machine's";
  if (err == EACCES) return "permission denied (ports below 1024 need privileges)";
  return std::strerror(err);
}

} // namespace

struct HttpServer::Impl
{
  const ApiContext& context;
  HttpOptions options;
  httplib::Server server;
  int port = 0;
  SseHub hub;

  Impl(const ApiContext& c, HttpOptions o) : context(c), options(std::move(o)), hub(c, options.max_streams) {}

  // The origins a browser page of this daemon sends.
  bool allowed_origin(const std::string& origin) const
  {
    for (const std::string& host : {options.host, std::string("localhost"), std::string("127.0.0.1")}) {
      if (origin == fmt::format("http://{}:{}", host, port)) return true;
    }
    return false;
  }

  // Token and Origin checks before any route; an API request without them
  // never reaches a handler.
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res)
  {
    if (req.has_header("Origin") && !allowed_origin(req.get_header_value("Origin"))) {
      send(error_response(Error{"auth.foreign_origin",
                                fmt::format("requests from the page at {} are refused; the API "
                                            "serves only its own origin",
                                            req.get_header_value("Origin"))}),
           res);
      return httplib::Server::HandlerResponse::Handled;
    }
    // The Studio's files hold no data: a browser loads them without a token.
    const bool api = req.path.rfind("/api/", 0) == 0;
    if (!api && req.method == "GET") return httplib::Server::HandlerResponse::Unhandled;
    if (!options.token.empty() && (options.token_for_reads || req.method != "GET")) {
      std::string header = req.get_header_value("Authorization");
      const std::string bearer = "Bearer ";
      if (header.rfind(bearer, 0) != 0) {
        send(error_response(Error{"auth.missing_token",
                                  "this daemon needs `Authorization: Bearer <token>` (the "
                                  "token file's content)"}),
             res);
        res.set_header("WWW-Authenticate", "Bearer");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!same_secret(header.substr(bearer.size()), options.token)) {
        send(error_response(Error{"auth.bad_token", "the bearer token is not this daemon's"}), res);
        res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void install()
  {
    server.new_task_queue = [threads = options.threads] {
      return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    server.set_payload_max_length(options.max_body);
    server.set_read_timeout(10, 0);
    server.set_write_timeout(5, 0);
    server.set_keep_alive_timeout(5);
    // Without TCP_NODELAY a response's second write (httplib writes the
    // headers and the body apart) waits for the client's delayed ACK: 40 ms
    // per request on loopback (bench/RESULTS.md, issue 16).
    server.set_tcp_nodelay(true);
    // httplib closes a keep-alive connection after 5 requests by default.
    server.set_keep_alive_max_count(1000);
    server.set_socket_options([](int sock) {
      int one = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      // Supervisors the worker spawns must not inherit the listening socket.
      ::fcntl(sock, F_SETFD, FD_CLOEXEC);
    });
    server.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return pre_route(req, res); });
    for (const Route& route : api_routes()) {
      std::string pattern = route_regex(route.path);
      httplib::Server::Handler handler = [this, &route](const httplib::Request& req,
                                                        httplib::Response& res) {
        ApiContext::StoreScope scope(context);
        ApiRequest request;
        request.method = req.method;
        request.path = req.path;
        for (std::size_t i = 1; i < req.matches.size(); ++i) request.params.push_back(req.matches[i]);
        for (const auto& [key, value] : req.params) request.query.emplace(key, value);
        request.body = req.body;
        if (route.streaming) {
          std::string last_id = req.get_header_value("Last-Event-ID");
          auto stream = hub.open(request, last_id);
          if (!stream.provider) {
            send(stream.refusal, res);
            return;
          }
          res.set_header("Cache-Control", "no-cache");
          res.set_header("X-Accel-Buffering", "no");
          res.set_chunked_content_provider(
            "text/event-stream",
            [this, provider = stream.provider](std::size_t, httplib::DataSink& sink) {
              std::string chunk;
              bool more = false;
              {
                // The connection goes back to the pool before the write,
                // which may block on a slow subscriber.
                ApiContext::StoreScope scope(context);
                more = provider(chunk);
              }
              if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
              if (!more) sink.done();
              return true;
            },
            [release = stream.release](bool) { if (release) release(); });
          return;
        }
        send(route.handler(context, request), res);
      };
      if (route.method == "GET") {
        server.Get(pattern, handler);
      } else if (route.method == "DELETE") {
        server.Delete(pattern, handler);
      } else {
        server.Post(pattern, handler);
      }
    }
    // Everything else a browser GETs is the Studio (after the API's routes,
    // which httplib tries first).
    server.Get(R"(/(?!api/).*)", [this](const httplib::Request& req, httplib::Response& res) {
      send(studio_response(req.path, options.studio_dir, req.get_header_value("If-None-Match")), res);
    });
    // Whatever httplib answers by itself (no route, a body over the limit,
    // a malformed request) gets the error envelope too.
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      Error error;
      if (res.status == 404) {
        error = Error{"api.no_route", fmt::format("no such endpoint: {} {}; see /api/v1/openapi.json",
                                                  req.method, req.path)};
      } else if (res.status == 413) {
        error = Error{"api.too_large", "the request body is over the daemon's limit"};
      } else {
        error = Error{"api.bad_request", fmt::format("the request was refused (HTTP {})", res.status)};
      }
      int status = res.status;
      send(error_response(error), res);
      res.status = status;
    });
    server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send(error_response(Error{"internal.error", "internal error: " + what}), res);
      });
  }
};

HttpServer::HttpServer(const ApiContext& context, HttpOptions options)
  : m_impl(std::make_unique<Impl>(context, std::move(options)))
{
  m_impl->install();
}

HttpServer::~HttpServer() = default;

Result<int>
HttpServer::bind()
{
  Impl& impl = *m_impl;
  bool ok = impl.options.port == 0 ? (impl.port = impl.server.bind_to_any_port(impl.options.host)) > 0
                                   : impl.server.bind_to_port(impl.options.host, impl.options.port);
  if (!ok) {
    return make_error("daemon.listen_failed",
                      fmt::format("cannot listen on {}:{}: {}", impl.options.host, impl.options.port,
                                  bind_failure(impl.options.host, impl.options.port)));
  }
  if (impl.options.port != 0) impl.port = impl.options.port;
  return impl.port;
}

void
HttpServer::serve()
{
  m_impl->server.listen_after_bind();
}

void
HttpServer::stop()
{
  m_impl->hub.close_all();
  m_impl->server.stop();
}

} // namespace hb::server

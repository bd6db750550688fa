#pragma once
// The HTTP front of the API (cpp-httplib, kept inside http_server.cpp): binds
// the routes of api.hpp, checks the bearer token and the Origin, limits
// request bodies, renders every failure as the JSON error envelope, and
// streams Server-Sent Events (sse.hpp); every other GET is the Studio
// (studio.hpp).

#include "server/api.hpp"

#include <memory>
#include <string>

namespace hb::server {

struct HttpOptions
{
  std::string host = "127.0.0.1";
  int port = 0;               // 0: an ephemeral port
  std::string token;          // empty: no token
  bool token_for_reads = true; // false: only POST/DELETE need the token (loopback default)
  int threads = 16;           // request threads; SSE streams take one each
  int max_streams = 8;        // open SSE streams at once; more get 503
  std::size_t max_body = 1 << 20;
  std::string studio_dir;     // non-empty: serve the Studio from here (HOMEBOY_STUDIO_DIR)
};

class HttpServer
{
public:
  HttpServer(const ApiContext& context, HttpOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the listening socket; returns the port (the ephemeral one for 0).
  /// `daemon.listen_failed` says why not (address in use, not an address of
  /// this machine, permission).
  Result<int> bind();
  /// Serves until stop(); call after bind(), from one thread.
  void serve();
  /// Stops accepting and ends serve(); open SSE streams are closed. Any thread.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace hb::server

#pragma once
// The daemon's JSON API (docs/daemon.md) as plain functions: a route table of
// (method, path template, handler), each handler parsing its request, calling
// one app/registry service and rendering the CLI's JSON. Knows nothing of
// HTTP sockets (http_server.cpp binds these to cpp-httplib), so the routes
// can be checked against the OpenAPI document without a server.

#include "model/paths.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"
#include "util/time.hpp"

#include <functional>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hb::server {

/// One request as the handlers see it. `params` are the path template's
/// `{...}` captures, in order; `query` the decoded query parameters (the
/// first value of each).
struct ApiRequest
{
  std::string method;
  std::string path;
  std::vector<std::string> params;
  std::map<std::string, std::string> query;
  std::string body;
};

struct ApiResponse
{
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What every handler shares: the daemon's paths and identity, and its store
/// connections. Inside a StoreScope, store() lends the thread a connection
/// from a pool of at most 8 until the scope ends (waiting for one when all
/// are lent), so the daemon's memory does not grow with its thread count;
/// outside one, each thread keeps its own connection.
class ApiContext
{
public:
  ApiContext(Paths paths, std::string version, std::string listen);
  ~ApiContext();
  ApiContext(const ApiContext&) = delete;
  ApiContext& operator=(const ApiContext&) = delete;

  /// Lends the current thread a pooled connection (on its first store()
  /// call) for one request or one event-stream chunk; a nested scope does
  /// nothing. The connection goes back to the pool when the scope ends.
  class StoreScope
  {
  public:
    explicit StoreScope(const ApiContext& context);
    ~StoreScope();
    StoreScope(const StoreScope&) = delete;
    StoreScope& operator=(const StoreScope&) = delete;

  private:
    const ApiContext* m_context = nullptr; // null: nested, nothing to return
  };

  const Paths& paths() const { return m_paths; }
  const std::string& version() const { return m_version; }
  const std::string& listen() const { return m_listen; }
  /// Set once after the socket is bound, before any request is served.
  void set_listen(std::string listen) { m_listen = std::move(listen); }
  TimeMs started_at() const { return m_started_at; }
  /// This thread's store connection; an error when the store cannot be opened.
  Result<Store*> store() const;
  /// Inside a StoreScope: gives the lent connection back to the pool now (an
  /// event stream, before it waits); the next store() lends one again.
  void release_store() const;

private:
  Paths m_paths;
  std::string m_version;
  std::string m_listen;
  TimeMs m_started_at;
  mutable std::mutex m_pool_mutex;
  mutable std::condition_variable m_pool_returned;
  mutable std::vector<std::unique_ptr<Store>> m_idle; // connections no scope holds
  mutable std::size_t m_opened = 0;                   // lent and idle
};

using Handler = std::function<ApiResponse(const ApiContext&, const ApiRequest&)>;

struct Route
{
  std::string method;   // GET | POST
  std::string path;     // OpenAPI template: /api/v1/runs/{run_id}
  Handler handler;
  bool streaming = false; // served by http_server as Server-Sent Events, not by `handler`
};

/// Every route of /api/v1, in the order they are matched.
const std::vector<Route>& api_routes();

/// The OpenAPI 3.0 document served at /api/v1/openapi.json.
const Json& openapi_document();

/// A JSON response of `payload` with this status.
ApiResponse json_response(const Json& payload, int status = 200);

/// The CLI's error envelope ({success: false, error: {code, message,
/// details}}) with the HTTP status for its code: validation.* 400, *.not_found
/// 404, auth.* 401/403, conflicts 409, too large 413, the rest 500.
ApiResponse error_response(const Error& error);

/// The HTTP status for an error code (see error_response).
int status_for(const std::string& code);

} // namespace hb::server

// A StoreListener over libpq: LISTEN homeboy_runs, then the socket is
// polled by the caller and drained here. A lost connection is re-opened on
// the next drain (a notification sent meanwhile is lost, which the
// caller's timeout covers).

#include "store/postgres/listener.hpp"
#include "store/postgres/libpq.hpp"

#include <fmt/core.h>

namespace hb::postgres {

namespace {

PGconn*
connect_and_listen(const std::string& url)
{
  PGconn* conn = connect(url, "homeboy-listen");
  if (!conn || pq().PQstatus(conn) != CONNECTION_OK) {
    pq().PQfinish(conn);
    return nullptr;
  }
  PGresult* result = pq().PQexec(conn, fmt::format("LISTEN {}", k_runs_channel).c_str());
  const bool ok = pq().PQresultStatus(result) == PGRES_COMMAND_OK;
  pq().PQclear(result);
  if (!ok) {
    pq().PQfinish(conn);
    return nullptr;
  }
  return conn;
}

class PgListener final : public StoreListener
{
public:
  PgListener(std::string url, PGconn* conn) : m_url(std::move(url)), m_conn(conn) {}
  ~PgListener() override { pq().PQfinish(m_conn); }
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  int fd() override
  {
    return m_conn && pq().PQstatus(m_conn) == CONNECTION_OK ? pq().PQsocket(m_conn) : -1;
  }

  bool drain() override
  {
    if (!m_conn || pq().PQstatus(m_conn) != CONNECTION_OK) {
      pq().PQfinish(m_conn);
      m_conn = connect_and_listen(m_url);
      // Back again: whatever changed while it was down counts as a wake.
      return m_conn != nullptr;
    }
    if (!pq().PQconsumeInput(m_conn)) return false; // lost: the next drain reconnects
    bool woken = false;
    while (PGnotify* notify = pq().PQnotifies(m_conn)) {
      woken = true;
      pq().PQfreemem(notify);
    }
    return woken;
  }

private:
  std::string m_url;
  PGconn* m_conn;
};

} // namespace

Result<std::unique_ptr<StoreListener>>
listen(const std::string& url)
{
  if (auto lib = load_libpq(); !lib) return Unexpected(lib.error());
  PGconn* conn = connect_and_listen(url);
  if (!conn) {
    return make_error("store.unavailable",
                      "cannot LISTEN for run changes on the observation store (the server "
                      "refused or is unreachable)");
  }
  return std::unique_ptr<StoreListener>(new PgListener(url, conn));
}

} // namespace hb::postgres

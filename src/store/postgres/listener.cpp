// A StoreListener over a Session (session.hpp): LISTEN homeboy_runs, then
// the socket is polled by the caller and drained here. A lost connection
// is re-opened on the next drain (a notification sent meanwhile is lost,
// which the caller's timeout covers).

#include "store/postgres/listener.hpp"
#include "store/postgres/session.hpp"

#include <fmt/core.h>

namespace hb::postgres {

namespace {

std::unique_ptr<Session>
connect_and_listen(const std::string& url)
{
  auto session = open_session(url, "homeboy-listen");
  if (!session || !(*session)->exec(fmt::format("LISTEN {}", k_runs_channel)).ok) return nullptr;
  return std::move(*session);
}

class PgListener final : public StoreListener
{
public:
  PgListener(std::string url, std::unique_ptr<Session> session)
    : m_url(std::move(url)), m_session(std::move(session))
  {
  }

  int fd() override { return m_session && m_session->ok() ? m_session->socket() : -1; }

  bool drain() override
  {
    if (!m_session || !m_session->ok()) {
      m_session = connect_and_listen(m_url);
      // Back again: whatever changed while it was down counts as a wake.
      return m_session != nullptr;
    }
    return m_session->take_notifications(); // lost: the next drain reconnects
  }

private:
  std::string m_url;
  std::unique_ptr<Session> m_session;
};

} // namespace

Result<std::unique_ptr<StoreListener>>
listen(const std::string& url)
{
  auto session = connect_and_listen(url);
  if (!session) {
    return make_error("store.unavailable",
                      "cannot LISTEN for run changes on the observation store (the server "
                      "refused or is unreachable)");
  }
  return std::unique_ptr<StoreListener>(new PgListener(url, std::move(session)));
}

} // namespace hb::postgres

// The Session over libpq (libpq_session.hpp), for what the built-in client
// leaves to it: TLS, Kerberos, service files, unusual URLs.

#include "store/postgres/libpq_session.hpp"
#include "store/postgres/libpq.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <cstring>

namespace hb::postgres {

namespace {

void
ignore_notice(void*, const char*)
{
}

class LibpqSession final : public Session
{
public:
  explicit LibpqSession(PGconn* conn) : m_conn(conn) {}
  ~LibpqSession() override { pq().PQfinish(m_conn); }
  LibpqSession(const LibpqSession&) = delete;
  LibpqSession& operator=(const LibpqSession&) = delete;

  bool ok() const override { return pq().PQstatus(m_conn) == CONNECTION_OK; }
  std::string error_message() const override { return message_of(pq().PQerrorMessage(m_conn)); }
  void reset() override { pq().PQreset(m_conn); }
  const char* client() const override { return "libpq"; }

  Outcome exec(const std::string& sql) override { return outcome(pq().PQexec(m_conn, sql.c_str())); }

  Outcome prepare(const std::string& name, const std::string& sql, const std::vector<Oid>& types) override
  {
    return outcome(
      pq().PQprepare(m_conn, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
  }

  Outcome execute(const std::string& name, const std::string& sql, const Params& params) override
  {
    Args args(params);
    const int n = static_cast<int>(params.values.size());
    return outcome(name.empty() ? pq().PQexecParams(m_conn, sql.c_str(), n, params.types.data(),
                                                    args.values.data(), args.lengths.data(),
                                                    params.formats.data(), 0)
                                : pq().PQexecPrepared(m_conn, name.c_str(), n, args.values.data(),
                                                      args.lengths.data(), params.formats.data(), 0));
  }

  std::pair<Outcome, Outcome> execute_after(const std::string& before, const std::string& name,
                                            const Params& params) override
  {
    const auto& lib = pq();
    Args args(params);
    if (!lib.PQenterPipelineMode(m_conn)) {
      Outcome failed = outcome(nullptr);
      return {failed, failed};
    }
    const bool sent =
      lib.PQsendQueryParams(m_conn, before.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) &&
      lib.PQsendQueryPrepared(m_conn, name.c_str(), static_cast<int>(params.values.size()),
                              args.values.data(), args.lengths.data(), params.formats.data(), 0) &&
      lib.PQpipelineSync(m_conn);
    // The results up to the sync: `before`'s, then the statement's. Each
    // query's results end with a NULL.
    std::vector<Outcome> results;
    bool synced = false;
    while (sent && !synced) {
      PGresult* r = lib.PQgetResult(m_conn);
      if (!r) {
        if (!ok()) break;
        continue;
      }
      if (lib.PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
        lib.PQclear(r);
        synced = true;
      } else {
        results.push_back(outcome(r));
      }
    }
    lib.PQexitPipelineMode(m_conn);
    if (!sent || !synced || results.size() != 2) {
      Outcome failed = outcome(nullptr);
      for (const Outcome& r : results) {
        if (!r.ok) failed = r;
      }
      return {failed, failed};
    }
    return {results[0], results[1]};
  }

  int socket() const override { return ok() ? pq().PQsocket(m_conn) : -1; }

  bool take_notifications() override
  {
    if (!pq().PQconsumeInput(m_conn)) return false; // lost: ok() says so
    bool woken = false;
    while (PGnotify* notify = pq().PQnotifies(m_conn)) {
      woken = true;
      pq().PQfreemem(notify);
    }
    return woken;
  }

private:
  /// A statement's parameters as libpq takes them.
  struct Args
  {
    explicit Args(const Params& params)
    {
      for (const auto& v : params.values) {
        values.push_back(v ? v->c_str() : nullptr);
        lengths.push_back(v ? static_cast<int>(v->size()) : 0);
      }
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
  };

  /// `result` copied into an Outcome and cleared; nullptr is the
  /// connection's own failure.
  Outcome outcome(PGresult* result) const
  {
    const auto& lib = pq();
    const auto status = result ? lib.PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      const char* state = result ? lib.PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
      Outcome failed = Outcome::failure(state ? state : "", message_of(result ? lib.PQresultErrorMessage(result)
                                                                          : lib.PQerrorMessage(m_conn)));
      if (failed.message.empty()) failed.message = message_of(lib.PQerrorMessage(m_conn));
      if (result) lib.PQclear(result);
      return failed;
    }
    Outcome out;
    out.rows = lib.PQntuples(result);
    out.columns = lib.PQnfields(result);
    for (int row = 0; row < out.rows; ++row) {
      for (int column = 0; column < out.columns; ++column) {
        out.add(lib.PQgetisnull(result, row, column) ? nullptr : lib.PQgetvalue(result, row, column),
                static_cast<std::size_t>(lib.PQgetlength(result, row, column)));
      }
    }
    const char* tuples = lib.PQcmdTuples(result);
    out.changes = tuples && *tuples ? std::atoi(tuples) : 0;
    lib.PQclear(result);
    return out;
  }

  PGconn* m_conn;
};

} // namespace

Result<std::unique_ptr<Session>>
open_libpq(const std::string& url, const char* application_name)
{
  if (auto lib = load_libpq(); !lib) return Unexpected(lib.error());
  PGconn* conn = connect(url, application_name);
  if (!conn || pq().PQstatus(conn) != CONNECTION_OK) {
    std::string detail = conn ? message_of(pq().PQerrorMessage(conn)) : "out of memory";
    pq().PQfinish(conn);
    return make_error("store.connect", detail);
  }
  pq().PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<Session>(new LibpqSession(conn));
}

} // namespace hb::postgres

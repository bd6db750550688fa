// The PostgreSQL connection (see connection.hpp). Statements are prepared
// once per connection and sent with PQexecPrepared in the text result
// format; a Cursor runs its statement on the first step and then walks the
// result's rows. libpq itself is loaded on first use (libpq.hpp).

#include "store/postgres/connection.hpp"
#include "store/postgres/libpq.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

namespace hb::postgres {

namespace {

constexpr Oid k_int8 = 20;
constexpr Oid k_float8 = 701;
constexpr Oid k_bytea = 17;

/// Parsed connection options of `url` (host, port, user, dbname, password,
/// ...); nullopt with the parser's message when it is not one.
std::optional<std::map<std::string, std::string>>
parse_url(const std::string& url, std::string& message)
{
  if (auto lib = load_libpq(); !lib) {
    message = lib.error().message;
    return std::nullopt;
  }
  char* error = nullptr;
  PQconninfoOption* options = pq().PQconninfoParse(url.c_str(), &error);
  if (!options) {
    message = error ? error : "not a connection URL";
    pq().PQfreemem(error);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  pq().PQconninfoFree(options);
  return out;
}

/// The server `options` name, as messages show it: user@host:port/db, or
/// user@/db?host=DIR for a Unix socket; never a password.
std::string
describe(const std::map<std::string, std::string>& options)
{
  auto get = [&](const char* key, const char* fallback) {
    auto it = options.find(key);
    return it != options.end() && !it->second.empty() ? it->second : std::string(fallback);
  };
  const std::string user = get("user", "");
  const std::string host = get("host", "localhost");
  const std::string db = get("dbname", user.c_str());
  const std::string who = user.empty() ? "" : user + "@";
  if (host.front() == '/') {
    // A Unix socket directory, as the URL writes it.
    return fmt::format("postgres://{}/{}?host={}", who, db, host);
  }
  return fmt::format("postgres://{}{}:{}/{}", who, host, get("port", "5432"), db);
}

std::string
trimmed(const char* text)
{
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Rewrites SQLite placeholders to PostgreSQL's: `?N` is `$N`, a bare `?`
/// is one more than the largest number so far (SQLite's rule). Quoted text
/// is left alone. `count` gets the number of parameters.
std::string
rewrite_placeholders(std::string_view sql, int& count)
{
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    int number = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
      number = number * 10 + (sql[j] - '0');
      ++j;
    }
    if (j == i + 1) number = count + 1;
    count = std::max(count, number);
    out += fmt::format("${}", number);
    i = j - 1;
  }
  return out;
}

std::string
code_of(const char* sqlstate)
{
  if (!sqlstate) return "store.unavailable";
  std::string_view state(sqlstate);
  if (state == "40001" || state == "40P01" || state == "55P03") return "store.busy";
  if (state == "23505") return "store.unique";
  if (state == "42P01") return "store.undefined_table";
  if (state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03") {
    return "store.unavailable";
  }
  return "store.failed";
}

class PgConnection;

class PgCursor final : public sql::Cursor
{
public:
  PgCursor(PgConnection& connection, std::string sql, int params)
    : m_connection(connection), m_sql(std::move(sql)), m_values(static_cast<std::size_t>(params)),
      m_types(static_cast<std::size_t>(params), 0), m_formats(static_cast<std::size_t>(params), 0),
      m_lengths(static_cast<std::size_t>(params), 0)
  {
  }
  ~PgCursor() override { clear_result(); }
  PgCursor(const PgCursor&) = delete;
  PgCursor& operator=(const PgCursor&) = delete;

  void bind_text(int index, std::string_view text) override { set(index, std::string(text), 0, 0); }
  void bind_int(int index, std::int64_t value) override
  {
    set(index, std::to_string(value), k_int8, 0);
  }
  void bind_real(int index, double value) override
  {
    set(index, fmt::format("{}", value), k_float8, 0);
  }
  void bind_blob(int index, const void* data, std::size_t size) override
  {
    set(index, std::string(static_cast<const char*>(data), size), k_bytea, 1);
  }
  void bind_null(int index) override
  {
    if (slot(index)) {
      m_values[static_cast<std::size_t>(index - 1)].reset();
      m_types[static_cast<std::size_t>(index - 1)] = 0;
    }
  }

  Result<bool> step() override;
  void reset() override
  {
    clear_result();
    for (auto& v : m_values) v.reset();
    std::fill(m_types.begin(), m_types.end(), 0);
    std::fill(m_formats.begin(), m_formats.end(), 0);
  }
  std::string text(int column) const override
  {
    const char* value = pq().PQgetvalue(m_result, m_row, column);
    return value ? std::string(value, static_cast<std::size_t>(pq().PQgetlength(m_result, m_row, column)))
                 : std::string();
  }
  std::int64_t int64(int column) const override
  {
    const char* value = pq().PQgetvalue(m_result, m_row, column);
    return value && *value ? std::strtoll(value, nullptr, 10) : 0;
  }
  double real(int column) const override
  {
    const char* value = pq().PQgetvalue(m_result, m_row, column);
    return value && *value ? std::strtod(value, nullptr) : 0.0;
  }
  bool is_null(int column) const override { return pq().PQgetisnull(m_result, m_row, column) != 0; }
  std::string_view blob(int column) const override
  {
    if (is_null(column)) return {};
    std::size_t length = 0;
    unsigned char* bytes = pq().PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(pq().PQgetvalue(m_result, m_row, column)), &length);
    if (!bytes) return {};
    m_blob.assign(reinterpret_cast<const char*>(bytes), length);
    pq().PQfreemem(bytes);
    return m_blob;
  }
  int changes() const override { return m_changes; }

private:
  /// Sends the transaction's pending BEGIN and this prepared statement in
  /// one round trip (libpq's pipeline mode); false with `error` set when
  /// either failed.
  bool run_pipelined(const std::string& name, const std::vector<const char*>& values,
                     std::optional<Error>& error);
  bool slot(int index) const { return index >= 1 && static_cast<std::size_t>(index) <= m_values.size(); }
  void set(int index, std::string value, Oid type, int format)
  {
    if (!slot(index)) return;
    const auto i = static_cast<std::size_t>(index - 1);
    m_values[i] = std::move(value);
    m_types[i] = type;
    m_formats[i] = format;
  }
  void clear_result()
  {
    if (m_result) pq().PQclear(m_result);
    m_result = nullptr;
    m_row = -1;
    m_rows = 0;
    m_changes = 0;
  }

  PgConnection& m_connection;
  std::string m_sql;
  std::vector<std::optional<std::string>> m_values;
  std::vector<Oid> m_types;
  std::vector<int> m_formats;
  std::vector<int> m_lengths;
  PGresult* m_result = nullptr;
  int m_row = -1;
  int m_rows = 0;
  int m_changes = 0;
  mutable std::string m_blob;
};

class PgConnection final : public sql::Connection
{
public:
  PgConnection(PGconn* conn, std::string where, int busy_timeout_ms)
    : m_conn(conn), m_where(std::move(where)), m_busy_timeout_ms(busy_timeout_ms)
  {
  }
  ~PgConnection() override { pq().PQfinish(m_conn); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  sql::Backend backend() const override { return sql::Backend::postgres; }
  std::string describe() const override { return m_where; }

  /// The error of a failed result (or of the connection when there is none).
  Error error_of(PGresult* result) const
  {
    const char* state = result ? pq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string detail = trimmed(result ? pq().PQresultErrorMessage(result) : pq().PQerrorMessage(m_conn));
    std::string code = pq().PQstatus(m_conn) == CONNECTION_OK ? code_of(state) : "store.unavailable";
    if (code == "store.unavailable") {
      detail += " (the connection to the server was lost; check that it is running)";
    }
    return Error{code, fmt::format("observation store {}: {}", m_where, detail), "{}"};
  }

  /// Reconnects when the connection was lost and no transaction is open
  /// (inside one, the loss fails the transaction, which is retried whole).
  Result<void> ensure_connected()
  {
    if (pq().PQstatus(m_conn) == CONNECTION_OK || m_in_transaction) return {};
    m_prepared.clear(); // a new session has none of them
    pq().PQreset(m_conn);
    if (pq().PQstatus(m_conn) != CONNECTION_OK) {
      return make_error("store.unavailable",
                        fmt::format("observation store {}: cannot reconnect: {}", m_where,
                                    trimmed(pq().PQerrorMessage(m_conn))));
    }
    return {};
  }

  PGconn* handle() { return m_conn; }
  bool in_transaction() const { return m_in_transaction; }

  /// The BEGIN a write transaction has not sent yet (nullptr: none).
  const char* pending_begin() const { return m_pending_begin; }
  void begin_sent() { m_pending_begin = nullptr; }

  /// Sends the pending BEGIN on its own.
  Result<void> flush_begin()
  {
    if (!m_pending_begin) return {};
    const char* begin = m_pending_begin;
    m_pending_begin = nullptr;
    return exec(begin);
  }

  /// The name of a server-side prepared statement for `sql` with these
  /// parameter types, prepared the second time it runs: a statement run
  /// again and again (every claim, beat and settle) is parsed and planned
  /// once per connection, and a one-shot command pays no extra round trip.
  /// Empty: run it unnamed this time.
  Result<std::string> prepared(const std::string& sql, const std::vector<Oid>& types)
  {
    std::string key = sql;
    for (Oid t : types) key += fmt::format(",{}", t);
    if (auto it = m_prepared.find(key); it != m_prepared.end()) {
      if (!it->second.empty()) return it->second;
    } else {
      if (m_prepared.size() >= k_prepared_max) {
        pq().PQclear(pq().PQexec(m_conn, "DEALLOCATE ALL"));
        m_prepared.clear();
      }
      m_prepared.emplace(std::move(key), std::string());
      return std::string();
    }
    std::string name = fmt::format("hb{}", m_next_statement++);
    PGresult* result = pq().PQprepare(m_conn, name.c_str(), sql.c_str(), static_cast<int>(types.size()),
                                 types.data());
    const bool ok = pq().PQresultStatus(result) == PGRES_COMMAND_OK;
    Error err = ok ? Error{} : error_of(result);
    pq().PQclear(result);
    if (!ok) return Unexpected(err);
    m_prepared[key] = name;
    return name;
  }

  Result<void> exec(std::string_view sql) override
  {
    if (auto begun = flush_begin(); !begun) return begun;
    PGresult* result = pq().PQexec(m_conn, std::string(sql).c_str());
    const auto status = pq().PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      pq().PQclear(result);
      return {};
    }
    Error err = error_of(result);
    pq().PQclear(result);
    return Unexpected(err);
  }

  Result<std::unique_ptr<sql::Cursor>> prepare(std::string_view sql) override
  {
    int count = 0;
    std::string text = rewrite_placeholders(sql, count);
    return std::unique_ptr<sql::Cursor>(new PgCursor(*this, std::move(text), count));
  }

  Result<void> write_transaction(const std::function<Result<void>()>& body,
                                 sql::Isolation isolation) override
  {
    const char* begin = isolation == sql::Isolation::serializable
                          ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                          : "BEGIN ISOLATION LEVEL READ COMMITTED";
    bool lost = false;
    auto retry_or_fail = [&](Result<void> result) { return retryable(std::move(result), isolation, lost); };
    auto done = sql::retry_while_busy(m_busy_timeout_ms, [&]() -> Result<void> {
      lost = false;
      if (auto connected = ensure_connected(); !connected) return retry_or_fail(connected);
      // BEGIN goes out with the transaction's first statement (one round
      // trip for both), or on its own before anything else.
      m_pending_begin = begin;
      m_in_transaction = true;
      auto result = body();
      const bool begun = m_pending_begin == nullptr;
      m_pending_begin = nullptr;
      if (!result) {
        if (begun) (void)exec("ROLLBACK");
        m_in_transaction = false;
        return retry_or_fail(result);
      }
      auto committed = begun ? exec("COMMIT") : Result<void>();
      m_in_transaction = false;
      if (!committed && committed.error().code == "store.unavailable") {
        return make_error("store.unavailable",
                          fmt::format("observation store {}: the connection was lost while "
                                      "committing, so whether this write was recorded is "
                                      "unknown; check with `homeboy runs show` before retrying",
                                      m_where));
      }
      return retry_or_fail(committed);
    });
    if (!done && done.error().code == "store.busy" && lost) {
      Error err = done.error();
      err.code = "store.unavailable";
      err.message += fmt::format(" (retried for {} ms; nothing was recorded)", m_busy_timeout_ms);
      return Unexpected(err);
    }
    if (!done && done.error().code == "store.busy") {
      return make_error("store.busy",
                        fmt::format("observation store {}: other writers kept conflicting with "
                                    "this one for {} ms; nothing was recorded. Try again",
                                    m_where, m_busy_timeout_ms));
    }
    return done;
  }

  Result<void> read_transaction(const std::function<Result<void>()>& body) override
  {
    if (auto connected = ensure_connected(); !connected) return connected;
    if (auto begun = exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !begun) return begun;
    m_in_transaction = true;
    auto result = body();
    (void)exec(result ? "COMMIT" : "ROLLBACK");
    m_in_transaction = false;
    return result;
  }

private:
  /// A failure worth retrying from the start is reported as `store.busy`:
  /// serialization failures and deadlocks; a lost connection (the
  /// transaction never committed, so it rolled back); and, for a READ
  /// COMMITTED claim, a unique key taken by a concurrent writer.
  static Result<void> retryable(Result<void> result, sql::Isolation isolation, bool& lost)
  {
    if (!result) {
      const std::string& code = result.error().code;
      lost = code == "store.unavailable";
      if (code == "store.unavailable" ||
          (code == "store.unique" && isolation == sql::Isolation::read_committed)) {
        Error err = result.error();
        err.code = "store.busy";
        return Unexpected(err);
      }
    }
    return result;
  }

  PGconn* m_conn;
  std::string m_where; // the server, for messages
  int m_busy_timeout_ms;
  bool m_in_transaction = false;
  const char* m_pending_begin = nullptr;
  static constexpr std::size_t k_prepared_max = 256;
  // sql + types -> name; "" once run unnamed. Batched readers make a
  // statement per batch size, so the map is bounded (DEALLOCATE ALL).
  std::map<std::string, std::string> m_prepared;
  std::uint64_t m_next_statement = 0;
};

Result<bool>
PgCursor::step()
{
  if (!m_result) {
    std::vector<const char*> values(m_values.size());
    for (std::size_t i = 0; i < m_values.size(); ++i) {
      values[i] = m_values[i] ? m_values[i]->c_str() : nullptr;
      m_lengths[i] = m_values[i] ? static_cast<int>(m_values[i]->size()) : 0;
    }
    std::optional<Error> prepare_error;
    auto run = [&] {
      auto name = m_connection.prepared(m_sql, m_types);
      if (!name) {
        prepare_error = name.error();
        return false;
      }
      prepare_error.reset();
      const int n = static_cast<int>(values.size());
      if (m_connection.pending_begin() && !name->empty()) {
        return run_pipelined(*name, values, prepare_error);
      }
      if (auto begun = m_connection.flush_begin(); !begun) {
        prepare_error = begun.error();
        return false;
      }
      m_result = name->empty()
                   ? pq().PQexecParams(m_connection.handle(), m_sql.c_str(), n, m_types.data(),
                                       values.data(), m_lengths.data(), m_formats.data(), 0)
                   : pq().PQexecPrepared(m_connection.handle(), name->c_str(), n, values.data(),
                                         m_lengths.data(), m_formats.data(), 0);
      const auto status = pq().PQresultStatus(m_result);
      return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
    };
    bool ok = run();
    if (!ok && !m_connection.in_transaction() &&
        pq().PQstatus(m_connection.handle()) != CONNECTION_OK) {
      // A statement on its own (no transaction) lost its connection: it
      // rolled back, so it runs again once on a new one.
      clear_result();
      if (m_connection.ensure_connected()) ok = run();
    }
    if (!ok) {
      Error err = prepare_error ? *prepare_error : m_connection.error_of(m_result);
      clear_result();
      return Unexpected(err);
    }
    m_rows = pq().PQntuples(m_result);
    const char* tuples = pq().PQcmdTuples(m_result);
    m_changes = tuples && *tuples ? std::atoi(tuples) : 0;
    m_row = -1;
  }
  if (m_row + 1 < m_rows) {
    ++m_row;
    return true;
  }
  m_row = m_rows;
  return false;
}

bool
PgCursor::run_pipelined(const std::string& name, const std::vector<const char*>& values,
                        std::optional<Error>& error)
{
  PGconn* conn = m_connection.handle();
  const char* begin = m_connection.pending_begin();
  m_connection.begin_sent();
  const auto& lib = pq();
  if (!lib.PQenterPipelineMode(conn)) {
    error = m_connection.error_of(nullptr);
    return false;
  }
  const bool sent =
    lib.PQsendQueryParams(conn, begin, 0, nullptr, nullptr, nullptr, nullptr, 0) &&
    lib.PQsendQueryPrepared(conn, name.c_str(), static_cast<int>(values.size()), values.data(),
                            m_lengths.data(), m_formats.data(), 0) &&
    lib.PQpipelineSync(conn);
  // The results up to the sync: BEGIN's, then the statement's. Each
  // query's results end with a NULL.
  std::vector<PGresult*> results;
  bool synced = false;
  while (sent && !synced) {
    PGresult* r = lib.PQgetResult(conn);
    if (!r) {
      if (lib.PQstatus(conn) != CONNECTION_OK) break;
      continue;
    }
    if (lib.PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
      lib.PQclear(r);
      synced = true;
    } else {
      results.push_back(r);
    }
  }
  lib.PQexitPipelineMode(conn);
  PGresult* failed = nullptr;
  for (PGresult* r : results) {
    const auto status = lib.PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      failed = r;
      break;
    }
  }
  if (!sent || !synced || failed || results.size() != 2) {
    error = m_connection.error_of(failed);
    for (PGresult* r : results) lib.PQclear(r);
    return false;
  }
  lib.PQclear(results[0]);
  m_result = results[1];
  return true;
}

void
ignore_notice(void*, const char*)
{
}

} // namespace

std::string
describe_url(const std::string& url)
{
  std::string message;
  auto options = parse_url(url, message);
  return options ? describe(*options) : "postgres (unparsable URL)";
}

Result<sql::Db>
open_connection(const std::string& url)
{
  if (auto lib = load_libpq(); !lib) return Unexpected(lib.error());
  std::string message;
  auto options = parse_url(url, message);
  if (!options) {
    return make_error("config.invalid",
                      fmt::format("the store URL is not a PostgreSQL connection URL: {}; write it "
                                  "as postgres://user@host:port/database",
                                  trimmed(message.c_str())));
  }
  if (options->count("password")) {
    return make_error("config.invalid",
                      "the store URL carries a password; homeboy never takes one from the URL "
                      "(it would show in process lists and logs). Remove it and put it in a "
                      "0600 password file: PGPASSFILE=<file> or ~/.pgpass "
                      "(host:port:database:user:password)");
  }
  auto timeout = sql::busy_timeout_ms();
  if (!timeout) return Unexpected(timeout.error());
  PGconn* conn = connect(url, "homeboy");
  std::string where = describe(*options);
  if (!conn || pq().PQstatus(conn) != CONNECTION_OK) {
    std::string detail = conn ? trimmed(pq().PQerrorMessage(conn)) : "out of memory";
    pq().PQfinish(conn);
    std::string hint = detail.find("password") != std::string::npos
                         ? "check the user and the password in PGPASSFILE or ~/.pgpass (0600)"
                         : "check that the server runs and accepts connections from this host, "
                           "or set HOMEBOY_STORE to another store";
    return make_error("store.unavailable",
                      fmt::format("cannot connect to the observation store {}: {} ({})", where,
                                  detail, hint));
  }
  pq().PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto* connection = new PgConnection(conn, std::move(where), *timeout);
  return sql::Db(std::unique_ptr<sql::Connection>(connection));
}

} // namespace hb::postgres

// The PostgreSQL connection (see connection.hpp), over a Session
// (session.hpp: the built-in client, or libpq). Statements are prepared
// once per connection and run in the text result format; a Cursor runs its
// statement on the first step and then walks the outcome's rows.

#include "store/postgres/connection.hpp"
#include "store/postgres/conninfo.hpp"
#include "store/postgres/libpq.hpp"
#include "store/postgres/session.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

namespace hb::postgres {

namespace {

constexpr Oid k_int8 = 20;
constexpr Oid k_float8 = 701;
constexpr Oid k_bytea = 17;

/// The connection options `url` writes (host, port, user, dbname,
/// password, ...); nullopt with the parser's message when it is not a
/// connection URL. libpq's parser reads what the built-in one does not.
std::optional<std::map<std::string, std::string>>
parse_url(const std::string& url, std::string& message)
{
  if (auto options = parse_uri(url, message)) return options;
  if (auto lib = load_libpq(); !lib) {
    message = lib.error().message;
    return std::nullopt;
  }
  char* error = nullptr;
  PQconninfoOption* options = pq().PQconninfoParse(url.c_str(), &error);
  if (!options) {
    message = error ? message_of(error) : "not a connection URL";
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
    // A Unix socket directory, as the URL writes it (and its port, which
    // names the socket file, when it is not the default).
    const std::string port = get("port", "5432");
    return fmt::format("postgres://{}/{}?host={}{}", who, db, host, port == "5432" ? "" : "&port=" + port);
  }
  return fmt::format("postgres://{}{}:{}/{}", who, host, get("port", "5432"), db);
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
  PgCursor(PgConnection& connection, std::string sql, int params) : m_connection(connection), m_sql(std::move(sql))
  {
    const auto n = static_cast<std::size_t>(params);
    m_params.values.resize(n);
    m_params.types.assign(n, 0);
    m_params.formats.assign(n, 0);
  }
  PgCursor(const PgCursor&) = delete;
  PgCursor& operator=(const PgCursor&) = delete;

  void bind_text(int index, std::string_view text) override { set(index, std::string(text), 0, 0); }
  void bind_int(int index, std::int64_t value) override { set(index, std::to_string(value), k_int8, 0); }
  void bind_real(int index, double value) override { set(index, fmt::format("{}", value), k_float8, 0); }
  void bind_blob(int index, const void* data, std::size_t size) override
  {
    set(index, std::string(static_cast<const char*>(data), size), k_bytea, 1);
  }
  void bind_null(int index) override
  {
    if (slot(index)) {
      m_params.values[static_cast<std::size_t>(index - 1)].reset();
      m_params.types[static_cast<std::size_t>(index - 1)] = 0;
    }
  }

  Result<bool> step() override;
  void reset() override
  {
    clear_result();
    for (auto& v : m_params.values) v.reset();
    std::fill(m_params.types.begin(), m_params.types.end(), 0);
    std::fill(m_params.formats.begin(), m_params.formats.end(), 0);
  }
  std::string text(int column) const override { return std::string(m_result->value(m_row, column)); }
  std::int64_t int64(int column) const override { return number<std::int64_t>(column); }
  double real(int column) const override { return number<double>(column); }
  bool is_null(int column) const override { return m_result->is_null(m_row, column); }
  std::string_view blob(int column) const override
  {
    if (is_null(column)) return {};
    m_blob = unescape_bytea(m_result->value(m_row, column));
    return m_blob;
  }
  int changes() const override { return m_changes; }

private:
  /// A numeric column read in place (0 for NULL or text that is not one).
  template <typename T>
  T number(int column) const
  {
    const std::string_view value = m_result->value(m_row, column);
    T out{};
    std::from_chars(value.data(), value.data() + value.size(), out);
    return out;
  }
  bool slot(int index) const { return index >= 1 && static_cast<std::size_t>(index) <= m_params.values.size(); }
  void set(int index, std::string value, Oid type, int format)
  {
    if (!slot(index)) return;
    const auto i = static_cast<std::size_t>(index - 1);
    m_params.values[i] = std::move(value);
    m_params.types[i] = type;
    m_params.formats[i] = format;
  }
  void clear_result()
  {
    m_result.reset();
    m_row = -1;
    m_changes = 0;
  }

  PgConnection& m_connection;
  std::string m_sql;
  Params m_params;
  std::optional<Outcome> m_result;
  int m_row = -1;
  int m_changes = 0;
  mutable std::string m_blob;
};

class PgConnection final : public sql::Connection
{
public:
  PgConnection(std::unique_ptr<Session> session, std::string where, int busy_timeout_ms)
    : m_session(std::move(session)), m_where(std::move(where)), m_busy_timeout_ms(busy_timeout_ms)
  {
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  sql::Backend backend() const override { return sql::Backend::postgres; }
  std::string describe() const override { return m_where; }

  /// The error of a failed outcome (with the connection's state).
  Error error_of(const Outcome& outcome) const
  {
    std::string detail = outcome.message.empty() ? m_session->error_message() : outcome.message;
    std::string code = m_session->ok() ? code_of(outcome.sqlstate.empty() ? nullptr : outcome.sqlstate.c_str())
                                       : "store.unavailable";
    if (code == "store.unavailable") {
      detail += " (the connection to the server was lost; check that it is running)";
    }
    return Error{code, fmt::format("observation store {}: {}", m_where, detail), "{}"};
  }

  /// Reconnects when the connection was lost and no transaction is open
  /// (inside one, the loss fails the transaction, which is retried whole).
  Result<void> ensure_connected()
  {
    if (m_session->ok() || m_in_transaction) return {};
    m_prepared.clear(); // a new session has none of them
    m_session->reset();
    if (!m_session->ok()) {
      return make_error("store.unavailable",
                        fmt::format("observation store {}: cannot reconnect: {}", m_where,
                                    m_session->error_message()));
    }
    return {};
  }

  Session& session() { return *m_session; }
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
        (void)m_session->exec("DEALLOCATE ALL");
        m_prepared.clear();
      }
      m_prepared.emplace(std::move(key), std::string());
      return std::string();
    }
    std::string name = fmt::format("hb{}", m_next_statement++);
    Outcome outcome = m_session->prepare(name, sql, types);
    if (!outcome.ok) return Unexpected(error_of(outcome));
    m_prepared[key] = name;
    return name;
  }

  Result<void> exec(std::string_view sql) override
  {
    if (auto begun = flush_begin(); !begun) return begun;
    Outcome outcome = m_session->exec(std::string(sql));
    if (outcome.ok) return {};
    return Unexpected(error_of(outcome));
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

  std::unique_ptr<Session> m_session;
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
    std::optional<Outcome> outcome;
    std::optional<Error> error;
    auto run = [&] {
      error.reset();
      outcome.reset();
      auto name = m_connection.prepared(m_sql, m_params.types);
      if (!name) {
        error = name.error();
        return false;
      }
      Session& session = m_connection.session();
      if (m_connection.pending_begin() && !name->empty()) {
        // The transaction's BEGIN and this statement in one round trip.
        const std::string begin = m_connection.pending_begin();
        m_connection.begin_sent();
        auto [began, result] = session.execute_after(begin, *name, m_params);
        outcome = began.ok ? std::move(result) : std::move(began);
      } else {
        if (auto begun = m_connection.flush_begin(); !begun) {
          error = begun.error();
          return false;
        }
        outcome = session.execute(*name, m_sql, m_params);
      }
      return outcome->ok;
    };
    bool ok = run();
    if (!ok && !m_connection.in_transaction() && !m_connection.session().ok()) {
      // A statement on its own (no transaction) lost its connection: it
      // rolled back, so it runs again once on a new one.
      if (m_connection.ensure_connected()) ok = run();
    }
    if (!ok) return Unexpected(error ? *error : m_connection.error_of(*outcome));
    m_changes = outcome->changes;
    m_result = std::move(outcome);
    m_row = -1;
  }
  if (m_row + 1 < m_result->rows) {
    ++m_row;
    return true;
  }
  m_row = m_result->rows;
  return false;
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
  std::string message;
  auto options = parse_url(url, message);
  if (!options) {
    return make_error("config.invalid",
                      fmt::format("the store URL is not a PostgreSQL connection URL: {}; write it "
                                  "as postgres://user@host:port/database",
                                  message));
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
  std::string where = describe(*options);
  auto session = open_session(url, "homeboy");
  if (!session) {
    if (session.error().code != "store.connect") return Unexpected(session.error());
    const std::string& detail = session.error().message;
    std::string hint = detail.find("password") != std::string::npos
                         ? "check the user and the password in PGPASSFILE or ~/.pgpass (0600)"
                         : "check that the server runs and accepts connections from this host, "
                           "or set HOMEBOY_STORE to another store";
    return make_error("store.unavailable",
                      fmt::format("cannot connect to the observation store {}: {} ({})", where,
                                  detail, hint));
  }
  auto* connection = new PgConnection(std::move(*session), std::move(where), *timeout);
  return sql::Db(std::unique_ptr<sql::Connection>(connection));
}

} // namespace hb::postgres

#pragma once
// One database connection of either backend behind one small API: prepared
// statements with typed binds and columns, and transactions that are
// retried while another writer holds the database. The store's SQL is
// written once against it (store/sql); the backends (store/sqlite,
// store/postgres) implement Connection and Cursor.
//
// Placeholders are SQLite's (`?` and `?N`); the PostgreSQL connection
// rewrites them to `$N`. Ownership and threads: a Db owns its connection and
// every Stmt it prepares must die before it; one thread at a time.

#include "util/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hb::sql {

enum class Backend
{
  sqlite,
  postgres
};

/// How a write transaction isolates itself. SQLite has one writer at a time
/// whatever is asked; PostgreSQL runs `serializable` transactions as if one
/// at a time (retried on a serialization failure) and `read_committed` ones
/// for single-statement claims that lock the rows they take.
enum class Isolation
{
  serializable,
  read_committed
};

/// One backend's prepared statement. Column and bind indexes as SQLite's:
/// binds from 1, columns from 0.
class Cursor
{
public:
  virtual ~Cursor() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_real(int index, double value) = 0;
  virtual void bind_blob(int index, const void* data, std::size_t size) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  virtual void reset() = 0;
  virtual std::string text(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual bool is_null(int column) const = 0;
  /// Valid until the next step or reset.
  virtual std::string_view blob(int column) const = 0;
  virtual int changes() const = 0;
};

/// One backend's connection.
class Connection
{
public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;
  /// The file or server this connection reaches, for messages.
  virtual std::string describe() const = 0;
  virtual Result<void> exec(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<Cursor>> prepare(std::string_view sql) = 0;
  /// Runs `body` in a write transaction, retried from the start while
  /// another writer holds the database; rolled back when `body` fails.
  virtual Result<void> write_transaction(const std::function<Result<void>()>& body,
                                         Isolation isolation) = 0;
  /// Runs `body` in a read-only transaction that sees one snapshot.
  virtual Result<void> read_transaction(const std::function<Result<void>()>& body) = 0;
};

class Stmt
{
public:
  explicit Stmt(std::unique_ptr<Cursor> cursor) : m_cursor(std::move(cursor)) {}

  Stmt& bind(int index, std::string_view text) { m_cursor->bind_text(index, text); return *this; }
  Stmt& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Stmt& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Stmt& bind(int index, std::int64_t value) { m_cursor->bind_int(index, value); return *this; }
  Stmt& bind(int index, double value) { m_cursor->bind_real(index, value); return *this; }
  Stmt& bind_blob(int index, const void* data, std::size_t size)
  {
    m_cursor->bind_blob(index, data, size);
    return *this;
  }
  Stmt& bind_null(int index) { m_cursor->bind_null(index); return *this; }
  Stmt& bind_opt(int index, const std::optional<std::int64_t>& value)
  {
    return value ? bind(index, *value) : bind_null(index);
  }
  /// Binds NULL for an empty string.
  Stmt& bind_text_or_null(int index, std::string_view text)
  {
    return text.empty() ? bind_null(index) : bind(index, text);
  }

  /// Advances; true when a row is available, false when done.
  Result<bool> step() { return m_cursor->step(); }
  /// Runs to completion, ignoring rows.
  Result<void> run();
  /// Makes the statement ready to run again with new bindings.
  void reset() { m_cursor->reset(); }

  std::string text(int column) const { return m_cursor->text(column); }
  std::int64_t int64(int column) const { return m_cursor->int64(column); }
  double real(int column) const { return m_cursor->real(column); }
  bool is_null(int column) const { return m_cursor->is_null(column); }
  std::optional<std::int64_t> opt_int64(int column) const
  {
    return is_null(column) ? std::nullopt : std::optional<std::int64_t>(int64(column));
  }
  std::string_view blob(int column) const { return m_cursor->blob(column); }
  int changes() const { return m_cursor->changes(); }

private:
  std::unique_ptr<Cursor> m_cursor;
};

class Db
{
public:
  explicit Db(std::unique_ptr<Connection> connection) : m_connection(std::move(connection)) {}

  Backend backend() const { return m_connection->backend(); }
  bool postgres() const { return backend() == Backend::postgres; }
  std::string describe() const { return m_connection->describe(); }
  Result<void> exec(std::string_view sql) { return m_connection->exec(sql); }
  Result<Stmt> prepare(std::string_view sql);
  Result<void> write_transaction(const std::function<Result<void>()>& body,
                                 Isolation isolation = Isolation::serializable)
  {
    return m_connection->write_transaction(body, isolation);
  }
  Result<void> read_transaction(const std::function<Result<void>()>& body)
  {
    return m_connection->read_transaction(body);
  }

private:
  std::unique_ptr<Connection> m_connection;
};

/// Calls `attempt` until it succeeds, fails with something other than
/// `store.busy`, or `timeout_ms` passes, backing off (2 ms doubling to 200
/// ms, with jitter) between tries. Both backends' transactions use it.
Result<void> retry_while_busy(int timeout_ms, const std::function<Result<void>()>& attempt);

/// $HOMEBOY_STORE_BUSY_TIMEOUT_MS, else 30 s: how long a writer waits.
Result<int> busy_timeout_ms();

} // namespace hb::sql

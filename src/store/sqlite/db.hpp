#pragma once
// A small RAII wrapper over the SQLite C API: one connection, prepared
// statements, typed binds and columns, and write transactions that retry
// while another process holds the write lock.

#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hb::sqlite {

class Stmt
{
public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  Stmt(Stmt&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, double value);
  Stmt& bind_blob(int index, const void* data, std::size_t size);
  Stmt& bind_null(int index);
  Stmt& bind_opt(int index, const std::optional<std::int64_t>& value);
  /// Binds NULL for an empty string.
  Stmt& bind_text_or_null(int index, std::string_view text);

  /// Advances; true when a row is available, false when done.
  Result<bool> step();
  /// Runs to completion, ignoring rows.
  Result<void> run();
  /// Makes the statement ready to run again with new bindings.
  void reset();

  std::string text(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  bool is_null(int column) const;
  std::optional<std::int64_t> opt_int64(int column) const;
  std::string_view blob(int column) const;
  int changes() const;

private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
};

class Db
{
public:
  /// Opens or creates the database with WAL, synchronous=NORMAL,
  /// foreign_keys=ON and a busy timeout.
  static Result<Db> open(const std::filesystem::path& path);
  Db(Db&& other) noexcept
    : m_db(other.m_db), m_path(std::move(other.m_path)), m_busy_timeout_ms(other.m_busy_timeout_ms)
  {
    other.m_db = nullptr;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  Result<void> exec(std::string_view sql);
  Result<Stmt> prepare(std::string_view sql);
  /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, retrying the whole
  /// transaction with backoff while the database is locked by another writer
  /// (up to $HOMEBOY_STORE_BUSY_TIMEOUT_MS, default 30 s); rolls back when
  /// `body` fails.
  Result<void> write_transaction(const std::function<Result<void>()>& body);

  const std::filesystem::path& path() const { return m_path; }

private:
  /// Calls `attempt` until it succeeds, fails with something other than
  /// `store.busy`, or the busy timeout passes, backing off between tries.
  Result<void> retry_while_busy(const std::function<Result<void>()>& attempt);
  Db(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}
  Error error(std::string_view what) const;
  sqlite3* m_db;
  std::filesystem::path m_path;
  int m_busy_timeout_ms = 30'000;
};

} // namespace hb::sqlite

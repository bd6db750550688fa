// The SQLite backend of sql::Connection (see connection.hpp). A constraint
// violation of a unique key is reported as `store.unique`, a locked database
// as `store.busy`.

#include "store/sqlite/connection.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>

namespace hb::sqlite {

namespace {

bool
is_busy(int rc)
{
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

std::string
error_code(int rc)
{
  if (is_busy(rc)) return "store.busy";
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) return "store.unique";
  return "store.failed";
}

Error
make_sqlite_error(sqlite3* db, int rc, std::string_view what, const std::filesystem::path& path)
{
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{error_code(rc), fmt::format("observation store {}: {}: {}", path.string(), what, detail), "{}"};
}

constexpr int k_wal_truncate_pages = 256; // 1 MiB with 4 KiB pages

int
truncate_long_wal(void*, sqlite3* db, const char* schema, int pages)
{
  if (pages >= k_wal_truncate_pages) {
    // Best effort: with readers active the checkpoint is partial, and the
    // next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

class SqliteCursor final : public sql::Cursor
{
public:
  SqliteCursor(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  ~SqliteCursor() override { sqlite3_finalize(m_stmt); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bind_text(int index, std::string_view text) override
  {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind_int(int index, std::int64_t value) override { sqlite3_bind_int64(m_stmt, index, value); }
  void bind_real(int index, double value) override { sqlite3_bind_double(m_stmt, index, value); }
  void bind_blob(int index, const void* data, std::size_t size) override
  {
    sqlite3_bind_blob(m_stmt, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  }
  void bind_null(int index) override { sqlite3_bind_null(m_stmt, index); }

  Result<bool> step() override
  {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    rc = sqlite3_extended_errcode(m_db);
    return make_error(error_code(rc),
                      fmt::format("observation store query failed: {}", sqlite3_errmsg(m_db)));
  }
  void reset() override
  {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  std::string text(int column) const override
  {
    const unsigned char* value = sqlite3_column_text(m_stmt, column);
    return value ? std::string(reinterpret_cast<const char*>(value),
                               static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)))
                 : std::string();
  }
  std::int64_t int64(int column) const override { return sqlite3_column_int64(m_stmt, column); }
  double real(int column) const override { return sqlite3_column_double(m_stmt, column); }
  bool is_null(int column) const override
  {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
  }
  std::string_view blob(int column) const override
  {
    const void* data = sqlite3_column_blob(m_stmt, column);
    return data ? std::string_view(static_cast<const char*>(data),
                                   static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)))
                : std::string_view();
  }
  int changes() const override { return sqlite3_changes(m_db); }

private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
};

class SqliteConnection final : public sql::Connection
{
public:
  SqliteConnection(sqlite3* db, std::filesystem::path path, int busy_timeout_ms)
    : m_db(db), m_path(std::move(path)), m_busy_timeout_ms(busy_timeout_ms)
  {
  }
  ~SqliteConnection() override { sqlite3_close_v2(m_db); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sql::Backend backend() const override { return sql::Backend::sqlite; }
  std::string describe() const override { return m_path.string(); }

  Result<void> exec(std::string_view sql) override
  {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return make_error(error_code(sqlite3_extended_errcode(m_db)),
                        fmt::format("observation store {}: {}", m_path.string(), detail));
    }
    return {};
  }

  Result<std::unique_ptr<sql::Cursor>> prepare(std::string_view sql) override
  {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return Unexpected(make_sqlite_error(m_db, sqlite3_errcode(m_db), "cannot prepare a query", m_path));
    }
    return std::unique_ptr<sql::Cursor>(new SqliteCursor(m_db, stmt));
  }

  Result<void> write_transaction(const std::function<Result<void>()>& body,
                                 sql::Isolation) override
  {
    auto done = sql::retry_while_busy(m_busy_timeout_ms, [&]() -> Result<void> {
      if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
        return begun;
      }
      auto result = body();
      if (result) {
        result = exec("COMMIT");
        if (result) {
          return result;
        }
      }
      (void)exec("ROLLBACK");
      return result;
    });
    if (!done && done.error().code == "store.busy") {
      return make_error("store.busy",
                        fmt::format("observation store {} stayed locked by another writer for "
                                    "{} ms; nothing was recorded or run. Try again, or find the "
                                    "process holding it (fuser {})",
                                    m_path.string(), m_busy_timeout_ms, m_path.string()));
    }
    return done;
  }

  Result<void> read_transaction(const std::function<Result<void>()>& body) override
  {
    if (auto begun = exec("BEGIN"); !begun) return begun;
    auto result = body();
    (void)exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

  /// Runs `attempt` with the connection's busy timeout.
  Result<void> retry(const std::function<Result<void>()>& attempt)
  {
    return sql::retry_while_busy(m_busy_timeout_ms, attempt);
  }

private:
  sqlite3* m_db;
  std::filesystem::path m_path;
  int m_busy_timeout_ms;
};

} // namespace

Result<sql::Db>
open_connection(const std::filesystem::path& path)
{
  auto timeout = sql::busy_timeout_ms();
  if (!timeout) {
    return Unexpected(timeout.error());
  }
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error err = make_sqlite_error(handle, rc, "cannot open", path);
    sqlite3_close(handle);
    return Unexpected(err);
  }
  auto* connection = new SqliteConnection(handle, path, *timeout);
  sql::Db db{std::unique_ptr<sql::Connection>(connection)};
  sqlite3_busy_timeout(handle, std::min(5000, *timeout));
  // Each homeboy process is usually the only connection. By default the last
  // connection to close checkpoints and deletes the WAL, which costs every
  // command two fsyncs; keep the WAL instead. But the first connection to
  // open a database rebuilds the WAL index by scanning the whole WAL, so keep
  // it short: a commit that leaves more than k_wal_truncate_pages in it
  // checkpoints and truncates it. Durability is unchanged.
  int persist = 1;
  sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_wal_hook(handle, truncate_long_wal, nullptr);
  sqlite3_extended_result_codes(handle, 1);
  // Switching a new database to WAL can fail with SQLITE_BUSY at once (no
  // busy handler: SQLite avoids a deadlock) while another process does the
  // same; retry like any writer.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY"}) {
    if (auto ok = connection->retry([&] { return db.exec(pragma); }); !ok) {
      return Unexpected(ok.error());
    }
  }
  return db;
}

} // namespace hb::sqlite

#include "store/sqlite/db.hpp"

#include "util/text.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

namespace hb::sqlite {

namespace {

bool
is_busy(int rc)
{
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Error
make_sqlite_error(sqlite3* db, int rc, std::string_view what, const std::filesystem::path& path)
{
  std::string code = is_busy(rc) ? "store.busy" : "store.failed";
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{code, fmt::format("observation store {}: {}: {}", path.string(), what, detail), "{}"};
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

} // namespace

Stmt::~Stmt()
{
  if (m_stmt) {
    sqlite3_finalize(m_stmt);
  }
}

Stmt&
Stmt::bind(int index, std::string_view text)
{
  sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt&
Stmt::bind(int index, std::int64_t value)
{
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

Stmt&
Stmt::bind(int index, double value)
{
  sqlite3_bind_double(m_stmt, index, value);
  return *this;
}

Stmt&
Stmt::bind_blob(int index, const void* data, std::size_t size)
{
  sqlite3_bind_blob(m_stmt, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}

Stmt&
Stmt::bind_null(int index)
{
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

Stmt&
Stmt::bind_opt(int index, const std::optional<std::int64_t>& value)
{
  return value ? bind(index, *value) : bind_null(index);
}

Stmt&
Stmt::bind_text_or_null(int index, std::string_view text)
{
  return text.empty() ? bind_null(index) : bind(index, text);
}

Result<bool>
Stmt::step()
{
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  std::string code = is_busy(rc) ? "store.busy" : "store.failed";
  return make_error(code, fmt::format("observation store query failed: {}", sqlite3_errmsg(m_db)));
}

Result<void>
Stmt::run()
{
  while (true) {
    auto row = step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
  }
}

void
Stmt::reset()
{
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

std::string
Stmt::text(int column) const
{
  const unsigned char* value = sqlite3_column_text(m_stmt, column);
  return value ? std::string(reinterpret_cast<const char*>(value),
                             static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)))
               : std::string();
}

std::int64_t
Stmt::int64(int column) const
{
  return sqlite3_column_int64(m_stmt, column);
}

double
Stmt::real(int column) const
{
  return sqlite3_column_double(m_stmt, column);
}

bool
Stmt::is_null(int column) const
{
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::optional<std::int64_t>
Stmt::opt_int64(int column) const
{
  if (is_null(column)) {
    return std::nullopt;
  }
  return int64(column);
}

std::string_view
Stmt::blob(int column) const
{
  const void* data = sqlite3_column_blob(m_stmt, column);
  return data ? std::string_view(static_cast<const char*>(data),
                                 static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)))
              : std::string_view();
}

int
Stmt::changes() const
{
  return sqlite3_changes(m_db);
}

Result<Db>
Db::open(const std::filesystem::path& path)
{
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error err = make_sqlite_error(handle, rc, "cannot open", path);
    sqlite3_close(handle);
    return Unexpected(err);
  }
  Db db(handle, path);
  auto timeout = env_uint("HOMEBOY_STORE_BUSY_TIMEOUT_MS", 0, 3'600'000);
  if (!timeout) {
    return Unexpected(timeout.error());
  }
  if (*timeout) {
    db.m_busy_timeout_ms = static_cast<int>(**timeout);
  }
  sqlite3_busy_timeout(handle, std::min(5000, db.m_busy_timeout_ms));
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
    if (auto ok = db.retry_while_busy([&] { return db.exec(pragma); }); !ok) {
      return Unexpected(ok.error());
    }
  }
  return db;
}

Db::~Db()
{
  if (m_db) {
    sqlite3_close_v2(m_db);
  }
}

Error
Db::error(std::string_view what) const
{
  return make_sqlite_error(m_db, sqlite3_errcode(m_db), what, m_path);
}

Result<void>
Db::exec(std::string_view sql)
{
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error(is_busy(rc) ? "store.busy" : "store.failed",
                      fmt::format("observation store {}: {}", m_path.string(), detail));
  }
  return {};
}

Result<Stmt>
Db::prepare(std::string_view sql)
{
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Unexpected(error("cannot prepare a query"));
  }
  return Stmt(m_db, stmt);
}

Result<void>
Db::retry_while_busy(const std::function<Result<void>()>& attempt)
{
  using namespace std::chrono;
  auto deadline = steady_clock::now() + milliseconds(m_busy_timeout_ms);
  std::mt19937 rng{std::random_device{}()};
  int backoff_ms = 2;
  while (true) {
    auto result = attempt();
    if (result || result.error().code != "store.busy" || steady_clock::now() >= deadline) {
      return result;
    }
    std::this_thread::sleep_for(milliseconds(backoff_ms + static_cast<int>(rng() % 5)));
    backoff_ms = std::min(backoff_ms * 2, 200);
  }
}

Result<void>
Db::write_transaction(const std::function<Result<void>()>& body)
{
  auto done = retry_while_busy([&]() -> Result<void> {
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

} // namespace hb::sqlite

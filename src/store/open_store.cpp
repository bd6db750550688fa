// Which store a command opens (SQLite file or PostgreSQL server), and the
// status and migration `homeboy store` reports. The one place that knows
// both backends.

#include "store/postgres/connection.hpp"
#include "store/postgres/listener.hpp"
#include "store/postgres/schema.hpp"
#include "store/sql/sql_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"

#include <fmt/core.h>

namespace hb {

Result<std::unique_ptr<Store>>
open_sqlite_store(const std::filesystem::path& path)
{
  if (auto made = fs::create_directories(path.parent_path()); !made) {
    return make_error("store.unwritable",
                      fmt::format("cannot create the data directory for the observation store: "
                                  "{} (set HOMEBOY_DATA_DIR to a writable directory)",
                                  made.error().message));
  }
  auto db = sqlite::open_connection(path);
  if (!db) {
    Error err = db.error();
    if (err.code != "store.busy") {
      err.message += " (check that the directory is writable, or set HOMEBOY_DATA_DIR)";
    }
    return Unexpected(err);
  }
  if (auto migrated = sqlite::migrate(*db); !migrated) {
    return Unexpected(migrated.error());
  }
  return std::unique_ptr<Store>(new sql::SqlStore(std::move(*db)));
}

Result<std::unique_ptr<Store>>
open_postgres_store(const std::string& url)
{
  auto db = postgres::open_connection(url);
  if (!db) return Unexpected(db.error());
  if (auto migrated = postgres::migrate(*db); !migrated) {
    return Unexpected(migrated.error());
  }
  return std::unique_ptr<Store>(new sql::SqlStore(std::move(*db)));
}

Result<std::unique_ptr<Store>>
open_store(const Paths& paths)
{
  return paths.store_url.empty() ? open_sqlite_store(paths.store_path)
                                 : open_postgres_store(paths.store_url);
}

std::string
store_location(const Paths& paths)
{
  return paths.store_url.empty() ? paths.store_path.string()
                                 : postgres::describe_url(paths.store_url);
}

Result<std::unique_ptr<StoreListener>>
listen_store(const Paths& paths)
{
  if (paths.store_url.empty()) return std::unique_ptr<StoreListener>();
  return postgres::listen(paths.store_url);
}

namespace {

/// One integer from `sql` (no parameters).
Result<std::int64_t>
scalar(sql::Db& db, const char* sql)
{
  auto stmt = db.prepare(sql);
  if (!stmt) return Unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return Unexpected(row.error());
  return *row ? stmt->int64(0) : 0;
}

Result<StoreStatus>
postgres_status(const std::string& url)
{
  auto db = postgres::open_connection(url);
  if (!db) return Unexpected(db.error());
  StoreStatus out;
  out.backend = "postgres";
  out.location = db->describe();
  out.build_schema_version = postgres::schema_version();
  auto version = postgres::stored_version(*db);
  if (!version) return Unexpected(version.error());
  out.schema_version = *version;
  auto size = scalar(*db, "SELECT pg_database_size(current_database())");
  if (!size) return Unexpected(size.error());
  out.size_bytes = *size;
  if (out.schema_version > 0) {
    auto runs = scalar(*db, "SELECT count(*) FROM runs");
    if (!runs) return Unexpected(runs.error());
    out.runs = *runs;
  }
  return out;
}

Result<StoreStatus>
sqlite_status(const std::filesystem::path& path)
{
  StoreStatus out;
  out.backend = "sqlite";
  out.location = path.string();
  out.build_schema_version = sqlite::schema_version();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out; // created on first use
  auto db = sqlite::open_connection(path);
  if (!db) return Unexpected(db.error());
  auto version = scalar(*db, "PRAGMA user_version");
  if (!version) return Unexpected(version.error());
  out.schema_version = static_cast<int>(*version);
  for (const char* suffix : {"", "-wal"}) {
    auto size = std::filesystem::file_size(path.string() + suffix, ec);
    if (!ec) out.size_bytes += static_cast<std::int64_t>(size);
  }
  if (out.schema_version > 0) {
    auto runs = scalar(*db, "SELECT count(*) FROM runs");
    if (!runs) return Unexpected(runs.error());
    out.runs = *runs;
  }
  return out;
}

} // namespace

Result<StoreStatus>
store_status(const Paths& paths)
{
  return paths.store_url.empty() ? sqlite_status(paths.store_path) : postgres_status(paths.store_url);
}

Result<StoreStatus>
migrate_store(const Paths& paths)
{
  auto store = open_store(paths);
  if (!store) return Unexpected(store.error());
  store->reset();
  return store_status(paths);
}

} // namespace hb

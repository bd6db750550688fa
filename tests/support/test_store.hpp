#pragma once
// The backend a store conformance test runs on. ctest runs each
// conformance test twice: as registered (SQLite, a file in the test's
// temporary directory) and with the prefix `pg.` against the throw-away
// server scripts/pg-test-server started (its URL in the file
// $HOMEBOY_TEST_PG_URL_FILE names, or in $HOMEBOY_TEST_PG; `pg-libpq.`
// tests the same through libpq, see postgres_url_file()): one fresh
// schema per temporary store path, so tests never see each other's rows
// and two connections of one test share theirs.

#include "store/postgres/connection.hpp"
#include "store/store.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <unistd.h>

namespace hb::test {

/// The file holding the test server's URL: $HOMEBOY_TEST_PG_URL_FILE, or
/// $HOMEBOY_TEST_PG_LIBPQ_URL_FILE for the pass through libpq (`pg-libpq.`:
/// it sets HOMEBOY_PG_CLIENT=libpq for the whole test process). Empty: none.
inline std::string
postgres_url_file()
{
  if (const char* file = std::getenv("HOMEBOY_TEST_PG_LIBPQ_URL_FILE"); file && *file) {
    ::setenv("HOMEBOY_PG_CLIENT", "libpq", 1);
    return file;
  }
  const char* file = std::getenv("HOMEBOY_TEST_PG_URL_FILE");
  return file ? file : "";
}

/// The test server's URL; empty when this run of the suite is SQLite's.
inline std::string
postgres_base()
{
  if (const char* url = std::getenv("HOMEBOY_TEST_PG"); url && *url) return url;
  const std::string file = postgres_url_file();
  if (file.empty()) return {};
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    std::fprintf(stderr, "test_store: %s has no URL: the PostgreSQL test server did not start "
                 "(see the ctest pg_server_start)\n", file.c_str());
    std::abort();
  }
  return url;
}

/// True when this run of the suite is the PostgreSQL one.
inline bool
on_postgres()
{
  return !postgres_base().empty();
}

/// The store URL for the store a test keeps at `sqlite_path`: empty on
/// SQLite; on PostgreSQL the server's URL with a search_path to a schema of
/// its own, created the first time this path is asked for.
inline std::string
test_store_url(const std::filesystem::path& sqlite_path)
{
  if (!on_postgres()) return {};
  static std::mutex mutex;
  static std::map<std::string, std::string> urls;
  static int counter = 0;
  std::lock_guard lock(mutex);
  auto& url = urls[sqlite_path.string()];
  if (url.empty()) {
    const std::string base = postgres_base();
    const std::string schema = fmt::format("t{}_{}", getpid(), counter++);
    auto db = postgres::open_connection(base);
    if (!db || !db->exec("CREATE SCHEMA " + schema)) {
      std::fprintf(stderr, "test_store: cannot create schema %s on %s\n", schema.c_str(),
                   base.c_str());
      std::abort();
    }
    url = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
          schema;
  }
  return url;
}

/// Opens the store a test keeps at `sqlite_path` on this run's backend.
inline Result<std::unique_ptr<Store>>
open_test_store(const std::filesystem::path& sqlite_path)
{
  return on_postgres() ? open_postgres_store(test_store_url(sqlite_path))
                       : open_sqlite_store(sqlite_path);
}

} // namespace hb::test

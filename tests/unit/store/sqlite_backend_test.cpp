// What only the SQLite backend has: its file (an unwritable directory, a
// WAL that stays short) and its schema version in PRAGMA user_version. The
// behaviour both backends share is in store_test.cpp and the other
// conformance tests; PostgreSQL's own is in postgres_backend_test.cpp.

#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/store.hpp"
#include "support/store_fixture.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

using namespace hb;

using StoreTest = test::StoreTest;

TEST(StoreOpen, UnwritableDirectoryIsAClearError)
{
  auto store = open_sqlite_store("/dev/null/sub/homeboy.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("HOMEBOY_DATA_DIR"), std::string::npos);
}

TEST_F(StoreTest, WalStaysShortAcrossManyCommits)
{
  // Every process that opens the store first scans the WAL; it must not grow
  // with the number of commits.
  for (int i = 0; i < 600; ++i) {
    hb::Run run = make_run("bench", "wal", i);
    run.metadata_json = std::string(2000, ' ') + "{}"; // about a page per run
    ASSERT_TRUE(m_store->insert_run(run));
  }
  auto wal = path();
  wal += "-wal";
  std::error_code ec;
  auto size = std::filesystem::file_size(wal, ec);
  EXPECT_LT(size, 2u * 1024 * 1024) << "WAL of " << size << " bytes after 600 commits";
}

TEST_F(StoreTest, MigrationIsIdempotentAndANewerStoreIsRefused)
{
  m_store.reset();
  auto again = open_sqlite_store(path());
  ASSERT_TRUE(again) << again.error().message;
  again->reset();
  {
    auto db = sqlite::open_connection(path());
    ASSERT_TRUE(db);
    auto version = db->prepare("PRAGMA user_version");
    ASSERT_TRUE(version && *version->step());
    EXPECT_EQ(version->int64(0), sqlite::schema_version());
    ASSERT_TRUE(db->exec(fmt::format("PRAGMA user_version = {}", sqlite::schema_version() + 1)));
  }
  auto newer = open_sqlite_store(path());
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, "store.too_new");
  EXPECT_NE(newer.error().message.find("upgrade homeboy"), std::string::npos);
}

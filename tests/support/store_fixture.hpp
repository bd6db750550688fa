#pragma once
// The fixture of the store tests: a store in a temporary directory on this
// run's backend (support/test_store.hpp: SQLite, or PostgreSQL in the `pg.`
// run), and runs to put in it.

#include "store/store.hpp"
#include "support/test_store.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace hb::test {

class StoreTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-store-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    auto store = test::open_test_store(path());
    ASSERT_TRUE(store) << store.error().message;
    m_store = std::move(*store);
  }
  std::filesystem::path path() const { return m_dir->path() / "data" / "homeboy.sqlite"; }

  hb::Run make_run(const std::string& kind, const std::string& component, TimeMs created)
  {
    hb::Run run;
    run.id = new_uuid_v4();
    run.kind = kind;
    run.status = RunStatus::running;
    run.component_id = component;
    run.created_at = created;
    run.started_at = created;
    return run;
  }

  std::optional<fs::TempDir> m_dir;
  std::unique_ptr<Store> m_store;
};


} // namespace hb::test

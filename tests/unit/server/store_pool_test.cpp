// The daemon's store connections: request threads borrow them from a small
// pool (ApiContext::StoreScope), so the daemon holds about as many as
// requests run at once, however many pool threads it has.

#include "server/api.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>
#include <thread>

namespace {

using hb::server::ApiContext;

class StorePool : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = hb::fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-store-pool-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    m_paths.data_root = m_dir->path();
    m_paths.config_root = m_dir->path() / "config";
    m_paths.store_path = m_dir->path() / "homeboy.sqlite";
    m_paths.artifact_root = m_dir->path() / "artifacts";
  }
  // The connection a scope on a new thread is lent.
  hb::Store* lent_on_new_thread(const ApiContext& context)
  {
    hb::Store* seen = nullptr;
    std::thread([&] {
      ApiContext::StoreScope scope(context);
      auto store = context.store();
      ASSERT_TRUE(store) << store.error().message;
      seen = *store;
    }).join();
    return seen;
  }
  std::optional<hb::fs::TempDir> m_dir;
  hb::Paths m_paths;
};

TEST_F(StorePool, ThreadsOneAfterAnotherShareOneConnection)
{
  ApiContext context(m_paths, "test", "127.0.0.1:0");
  hb::Store* first = lent_on_new_thread(context);
  ASSERT_NE(first, nullptr);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(lent_on_new_thread(context), first);
}

TEST_F(StorePool, ScopesOpenAtOnceGetTheirOwnConnections)
{
  ApiContext context(m_paths, "test", "127.0.0.1:0");
  ApiContext::StoreScope scope(context);
  auto mine = context.store();
  ASSERT_TRUE(mine);
  EXPECT_EQ(*context.store(), *mine); // the same one for the whole scope
  hb::Store* other = lent_on_new_thread(context);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other, *mine);
}

TEST_F(StorePool, AReleasedConnectionGoesToTheNextBorrower)
{
  ApiContext context(m_paths, "test", "127.0.0.1:0");
  ApiContext::StoreScope scope(context);
  auto mine = context.store();
  ASSERT_TRUE(mine);
  hb::Store* held = *mine;
  context.release_store(); // as an event stream does before it waits
  EXPECT_EQ(lent_on_new_thread(context), held);
  auto again = context.store();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, held);
}

TEST_F(StorePool, NestedScopesKeepTheOuterConnection)
{
  ApiContext context(m_paths, "test", "127.0.0.1:0");
  ApiContext::StoreScope outer(context);
  auto mine = context.store();
  ASSERT_TRUE(mine);
  {
    ApiContext::StoreScope inner(context);
    EXPECT_EQ(*context.store(), *mine);
  }
  EXPECT_EQ(*context.store(), *mine);
}

TEST_F(StorePool, WhenEveryConnectionIsLentTheNextBorrowerWaitsForOne)
{
  ApiContext context(m_paths, "test", "127.0.0.1:0");
  constexpr int k_pool = 8; // api.cpp's k_pool_size
  std::mutex mutex;
  std::condition_variable changed;
  int holding = 0;
  bool let_go = false;
  std::vector<hb::Store*> held(k_pool, nullptr);
  std::vector<std::thread> holders;
  for (int i = 0; i < k_pool; ++i) {
    holders.emplace_back([&, i] {
      ApiContext::StoreScope scope(context);
      auto store = context.store();
      std::unique_lock<std::mutex> lock(mutex);
      held[static_cast<std::size_t>(i)] = store ? *store : nullptr;
      ++holding;
      changed.notify_all();
      changed.wait(lock, [&] { return let_go; });
    });
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return holding == k_pool; });
  }
  hb::Store* late = nullptr;
  std::thread borrower([&] {
    ApiContext::StoreScope scope(context);
    auto store = context.store();
    late = store ? *store : nullptr;
  });
  {
    std::lock_guard<std::mutex> lock(mutex);
    let_go = true;
  }
  changed.notify_all();
  borrower.join();
  for (auto& t : holders) t.join();
  for (hb::Store* s : held) EXPECT_NE(s, nullptr);
  // No ninth connection was opened: the borrower got one the holders returned.
  EXPECT_NE(std::find(held.begin(), held.end(), late), held.end());
}

} // namespace

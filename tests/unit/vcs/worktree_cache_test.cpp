// The git layer and the worktree cache of `bench --against`, against real
// git repositories made in a temporary directory.

#include "util/fs.hpp"
#include "vcs/git.hpp"
#include "vcs/worktree_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <utime.h>

using namespace hb;
namespace stdfs = std::filesystem;

namespace {

class WorktreeCacheTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    root_ = stdfs::temp_directory_path()
            / ("hb-vcs-" + std::to_string(::getpid()) + "-"
               + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(root_);
    repo_ = root_ / "repo";
    cache_ = root_ / "data" / "worktrees";
    stdfs::create_directories(repo_);
    git({"init", "--quiet", "-b", "main"});
    git({"config", "user.email", "t@example.com"});
    git({"config", "user.name", "t"});
    write(repo_ / "work.txt", "one\n");
    git({"add", "work.txt"});
    git({"commit", "--quiet", "-m", "first"});
    write(repo_ / "work.txt", "two\n");
    git({"commit", "--quiet", "-am", "second"});
  }
  void TearDown() override { stdfs::remove_all(root_); }

  void git(const std::vector<std::string>& args, const stdfs::path& cwd = {})
  {
    auto out = vcs::run_git(args, cwd.empty() ? repo_ : cwd);
    ASSERT_TRUE(out);
    ASSERT_EQ(out->exit_code, 0) << out->err;
  }
  static void write(const stdfs::path& path, const std::string& text)
  {
    std::ofstream(path) << text;
  }
  static std::string read(const stdfs::path& path) { return *fs::read_file(path); }

  stdfs::path root_, repo_, cache_;
};

TEST_F(WorktreeCacheTest, FindsTheRepositoryFromASubdirectory)
{
  stdfs::create_directories(repo_ / "sub" / "dir");
  auto repo = vcs::find_repository(repo_ / "sub" / "dir");
  ASSERT_TRUE(repo) << repo.error().message;
  EXPECT_EQ(stdfs::canonical(repo->top), stdfs::canonical(repo_));
  EXPECT_EQ(repo->common_dir, stdfs::canonical(repo_ / ".git"));
}

TEST_F(WorktreeCacheTest, OutsideARepositoryNamesThePath)
{
  stdfs::create_directories(root_ / "plain");
  auto repo = vcs::find_repository(root_ / "plain");
  ASSERT_FALSE(repo);
  EXPECT_EQ(repo.error().code, "vcs.not_a_repository");
  EXPECT_NE(repo.error().message.find((root_ / "plain").string()), std::string::npos);
}

TEST_F(WorktreeCacheTest, ResolvesRefsAndNamesUnknownOnes)
{
  auto repo = vcs::find_repository(repo_);
  ASSERT_TRUE(repo);
  auto head = vcs::resolve_commit(*repo, "HEAD");
  auto first = vcs::resolve_commit(*repo, "HEAD~1");
  ASSERT_TRUE(head && first);
  EXPECT_EQ(head->size(), 40u);
  EXPECT_NE(*head, *first);
  EXPECT_EQ(*vcs::resolve_commit(*repo, "main"), *head);
  auto unknown = vcs::resolve_commit(*repo, "no-such-branch");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "vcs.unknown_ref");
  EXPECT_NE(unknown.error().message.find("`no-such-branch`"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("git -C"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("fetch"), std::string::npos);
  EXPECT_FALSE(vcs::resolve_commit(*repo, "--all")) << "an option is not a ref";
}

TEST_F(WorktreeCacheTest, CreatesOnceThenReusesByCommit)
{
  auto repo = vcs::find_repository(repo_);
  auto sha = vcs::resolve_commit(*repo, "HEAD~1");
  auto made = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(made->created);
  EXPECT_EQ(made->path, cache_ / vcs::repo_key(*repo) / *sha);
  EXPECT_EQ(read(made->path / "work.txt"), "one\n");
  EXPECT_TRUE(stdfs::exists(made->path.parent_path() / (*sha + ".last-used")));
  // Build output (untracked) does not make the tree dirty.
  write(made->path / "build.out", "artifact");
  auto again = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->path, made->path);
}

TEST_F(WorktreeCacheTest, ADirtyCachedTreeIsRefusedWithTheWayOut)
{
  auto repo = vcs::find_repository(repo_);
  auto sha = vcs::resolve_commit(*repo, "HEAD~1");
  auto made = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_TRUE(made);
  write(made->path / "work.txt", "edited\n");
  auto again = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "vcs.worktree_dirty");
  EXPECT_NE(again.error().message.find("git -C " + made->path.string() + " status"),
            std::string::npos)
    << again.error().message;
  EXPECT_NE(again.error().message.find("work.txt"), std::string::npos);
}

TEST_F(WorktreeCacheTest, ATreeDeletedByHandIsMadeAgain)
{
  auto repo = vcs::find_repository(repo_);
  auto sha = vcs::resolve_commit(*repo, "HEAD");
  auto made = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_TRUE(made);
  stdfs::remove_all(made->path);
  auto again = vcs::acquire_worktree(cache_, *repo, *sha);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->created);
  EXPECT_EQ(read(again->path / "work.txt"), "two\n");
}

TEST_F(WorktreeCacheTest, PrunesOnlyTreesUnusedForLongerThanTheLimit)
{
  auto repo = vcs::find_repository(repo_);
  auto old_sha = *vcs::resolve_commit(*repo, "HEAD~1");
  auto new_sha = *vcs::resolve_commit(*repo, "HEAD");
  auto old_tree = vcs::acquire_worktree(cache_, *repo, old_sha);
  auto new_tree = vcs::acquire_worktree(cache_, *repo, new_sha);
  ASSERT_TRUE(old_tree && new_tree);
  // The old tree was last used ten days ago.
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  const std::int64_t day = 86'400'000;
  struct utimbuf times{};
  times.actime = times.modtime = static_cast<time_t>((now - 10 * day) / 1000);
  ASSERT_EQ(::utime((old_tree->path.parent_path() / (old_sha + ".last-used")).c_str(), &times), 0);

  auto plan = vcs::prune_worktrees(cache_, 7 * day, now, false);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].path, old_tree->path);
  EXPECT_EQ(plan[0].action, "delete");
  EXPECT_TRUE(stdfs::exists(old_tree->path)) << "a plan deletes nothing";

  auto done = vcs::prune_worktrees(cache_, 7 * day, now, true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].action, "deleted");
  EXPECT_FALSE(stdfs::exists(old_tree->path));
  EXPECT_TRUE(stdfs::exists(new_tree->path));
  auto listed = vcs::run_git({"worktree", "list", "--porcelain"}, repo_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->out.find(old_tree->path.string()), std::string::npos)
    << "git forgot the removed tree";
  EXPECT_NE(listed->out.find(new_tree->path.string()), std::string::npos);
  // Removed trees can be made again.
  EXPECT_TRUE(vcs::acquire_worktree(cache_, *repo, old_sha));
}

TEST_F(WorktreeCacheTest, ATreeInUseIsKept)
{
  auto repo = vcs::find_repository(repo_);
  auto sha = *vcs::resolve_commit(*repo, "HEAD");
  auto tree = vcs::acquire_worktree(cache_, *repo, sha);
  ASSERT_TRUE(tree);
  auto held = fs::FileLock::acquire(tree->path.parent_path() / (sha + ".lock"));
  ASSERT_TRUE(held);
  auto done = vcs::prune_worktrees(cache_, 0, INT64_MAX / 2, true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].action, "keep");
  EXPECT_TRUE(stdfs::exists(tree->path));
}

TEST_F(WorktreeCacheTest, NoCacheIsNothingToPrune)
{
  EXPECT_TRUE(vcs::prune_worktrees(root_ / "nowhere", 0, 0, true).empty());
}

} // namespace

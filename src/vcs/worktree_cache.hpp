#pragma once
// The worktree cache of `bench --against`: one detached `git worktree` per
// commit under <data root>/worktrees/<repo-key>/<sha>, made once and reused
// by every later run of the same commit, so a CI job that benches against
// main pays the checkout (and the prepare step's build) once per commit.
// Beside each tree: <sha>.lock (an flock held while the tree is created,
// checked or removed) and <sha>.last-used (touched on every use; its mtime
// is what `prune_worktrees` and `runs cleanup` judge).

#include "util/error.hpp"
#include "vcs/git.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hb::vcs {

/// <basename of the repository's top>-<12 hex of the SHA-256 of its
/// common git dir>: stable for a repository, distinct between two.
std::string repo_key(const Repository& repo);

struct CachedWorktree
{
  std::filesystem::path path;
  std::string sha;
  bool created = false; // false: an earlier run's tree, reused
};

/// The clean worktree of commit `sha` of `repo` under `cache_root`
/// (<data root>/worktrees): created with `git worktree add --detach`, or
/// reused. A reused tree with changes to tracked files, or moved to another
/// commit, is an error (`vcs.worktree_dirty`) naming the tree and
/// `git -C <tree> status`. Holds the tree's flock while it works and
/// touches its last-used marker.
Result<CachedWorktree> acquire_worktree(const std::filesystem::path& cache_root,
                                        const Repository& repo, const std::string& sha);

/// A cached worktree `prune_worktrees` looked at.
struct PrunedWorktree
{
  std::filesystem::path path;
  std::string repository; // the common git dir recorded when it was made
  std::string sha;
  std::int64_t last_used_ms = 0;
  std::uint64_t bytes = 0;
  /// delete (planned) | deleted | keep (with `reason`) | failed (with `reason`)
  std::string action;
  std::string reason;
};

/// Every cached worktree under `cache_root` unused for longer than
/// `older_than_ms` at `now_ms`, oldest first. With `apply` each is removed
/// (`git worktree remove --force`, then `git worktree prune`; a tree whose
/// repository is gone is deleted from disk). A tree whose lock another
/// process holds is kept ("in use"). A missing cache is no trees.
std::vector<PrunedWorktree> prune_worktrees(const std::filesystem::path& cache_root,
                                            std::int64_t older_than_ms, std::int64_t now_ms,
                                            bool apply);

} // namespace hb::vcs

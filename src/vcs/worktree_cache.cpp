// The worktree cache (worktree_cache.hpp): create-or-reuse under an flock,
// a last-used marker per tree, and pruning by age.

#include "vcs/worktree_cache.hpp"

#include "util/fs.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb::vcs {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* k_repository_file = "repository";

std::string
tail(const std::string& text)
{
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.size() > 600 ? "..." + t.substr(t.size() - 600) : t;
}

bool
is_sha(const std::string& name)
{
  return (name.size() == 40 || name.size() == 64)
         && std::all_of(name.begin(), name.end(),
                        [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// Creates the marker if needed and sets its mtime to now.
void
touch(const stdfs::path& marker)
{
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::futimens(fd, nullptr);
    ::close(fd);
  }
}

std::int64_t
mtime_ms(const stdfs::path& path)
{
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

Result<void>
check_clean(const stdfs::path& tree, const std::string& sha)
{
  auto head = head_commit(tree);
  if (!head) return Unexpected(head.error());
  if (*head != sha) {
    return make_error("vcs.worktree_dirty",
                      fmt::format("the cached worktree {} should hold commit {} but holds {}; "
                                  "see `git -C {} status`, then restore it (`git -C {} checkout "
                                  "--detach {}`) or remove it (`git worktree remove --force {}`)",
                                  tree.string(), short_sha(sha, 12), short_sha(*head, 12),
                                  tree.string(), tree.string(), sha, tree.string()));
  }
  auto changes = tracked_changes(tree);
  if (!changes) return Unexpected(changes.error());
  if (!changes->empty()) {
    std::string listed;
    for (std::size_t i = 0; i < changes->size() && i < 5; ++i) listed += "\n  " + (*changes)[i];
    if (changes->size() > 5) listed += fmt::format("\n  ... and {} more", changes->size() - 5);
    return make_error("vcs.worktree_dirty",
                      fmt::format("the cached worktree {} of commit {} has uncommitted changes, "
                                  "so it no longer measures that commit; see `git -C {} status`, "
                                  "then discard them (`git -C {} checkout -- .`) or remove the "
                                  "tree (`git worktree remove --force {}`):{}",
                                  tree.string(), short_sha(sha, 12), tree.string(), tree.string(),
                                  tree.string(), listed));
  }
  return {};
}

} // namespace

std::string
repo_key(const Repository& repo)
{
  std::string base = repo.top.filename().string();
  std::string safe;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
              || c == '_' || c == '.';
    safe += ok ? c : '_';
  }
  if (safe.empty() || safe.front() == '.') safe = "repo" + safe;
  if (safe.size() > 40) safe.resize(40);
  return safe + "-" + fs::sha256_hex(repo.common_dir.string()).substr(0, 12);
}

Result<CachedWorktree>
acquire_worktree(const stdfs::path& cache_root, const Repository& repo, const std::string& sha)
{
  const stdfs::path dir = cache_root / repo_key(repo);
  if (auto made = fs::create_directories(dir); !made) return Unexpected(made.error());
  const stdfs::path tree = dir / sha;
  // Two benches of the same commit wait for each other here, so neither
  // sees the other's half-made tree.
  auto lock = fs::FileLock::acquire(dir / (sha + ".lock"), 600'000);
  if (!lock) return Unexpected(lock.error());
  if (auto written = fs::write_file_atomic(dir / k_repository_file, repo.common_dir.string() + "\n");
      !written) {
    return Unexpected(written.error());
  }
  CachedWorktree result{tree, sha, false};
  std::error_code ec;
  if (stdfs::exists(tree / ".git", ec)) {
    if (auto clean = check_clean(tree, sha); !clean) return Unexpected(clean.error());
  } else {
    // A tree deleted by hand is still registered with git; forget it first.
    if (stdfs::exists(tree, ec)) stdfs::remove_all(tree, ec);
    (void)run_git({"worktree", "prune"}, repo.top);
    auto out = run_git({"worktree", "add", "--detach", "--quiet", tree.string(), sha}, repo.top);
    if (!out) return Unexpected(out.error());
    if (out->exit_code != 0) {
      return make_error("vcs.worktree_failed",
                        fmt::format("`git worktree add --detach {} {}` failed in {} (exit {}): {}",
                                    tree.string(), short_sha(sha, 12), repo.top.string(),
                                    out->exit_code, tail(out->err)));
    }
    result.created = true;
  }
  touch(dir / (sha + ".last-used"));
  return result;
}

std::vector<PrunedWorktree>
prune_worktrees(const stdfs::path& cache_root, std::int64_t older_than_ms, std::int64_t now_ms,
                bool apply)
{
  std::vector<PrunedWorktree> found;
  std::error_code ec;
  if (!stdfs::is_directory(cache_root, ec)) return found;
  for (const auto& repo_dir : stdfs::directory_iterator(cache_root, ec)) {
    if (!repo_dir.is_directory(ec)) continue;
    std::string common;
    if (auto text = fs::read_file(repo_dir.path() / k_repository_file)) {
      common = *text;
      while (!common.empty() && common.back() == '\n') common.pop_back();
    }
    for (const auto& entry : stdfs::directory_iterator(repo_dir.path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_directory(ec) || !is_sha(name)) continue;
      const stdfs::path marker = repo_dir.path() / (name + ".last-used");
      std::int64_t used = stdfs::exists(marker, ec) ? mtime_ms(marker) : mtime_ms(entry.path());
      if (now_ms - used < older_than_ms) continue;
      PrunedWorktree tree;
      tree.path = entry.path();
      tree.repository = common;
      tree.sha = name;
      tree.last_used_ms = used;
      tree.bytes = fs::tree_size(entry.path());
      tree.action = "delete";
      found.push_back(std::move(tree));
    }
  }
  std::sort(found.begin(), found.end(), [](const PrunedWorktree& a, const PrunedWorktree& b) {
    return a.last_used_ms != b.last_used_ms ? a.last_used_ms < b.last_used_ms : a.path < b.path;
  });
  if (!apply) return found;
  for (auto& tree : found) {
    const stdfs::path dir = tree.path.parent_path();
    auto lock = fs::FileLock::acquire(dir / (tree.sha + ".lock"), 0);
    if (!lock) {
      tree.action = "keep";
      tree.reason = "in use by another homeboy process";
      continue;
    }
    const bool repo_there = !tree.repository.empty() && stdfs::is_directory(tree.repository, ec);
    if (repo_there) {
      (void)run_git({"--git-dir", tree.repository, "worktree", "remove", "--force", "--force",
                     tree.path.string()},
                    dir);
    }
    if (stdfs::exists(tree.path, ec)) stdfs::remove_all(tree.path, ec);
    if (stdfs::exists(tree.path)) {
      tree.action = "failed";
      tree.reason = ec ? ec.message() : "could not be removed";
      continue;
    }
    if (repo_there) {
      (void)run_git({"--git-dir", tree.repository, "worktree", "prune"}, dir);
    }
    stdfs::remove(dir / (tree.sha + ".last-used"), ec);
    tree.action = "deleted";
  }
  return found;
}

} // namespace hb::vcs

#pragma once
// Git, through the `git` program (util/process), for `bench --against`:
// which repository a path is in, what commit a ref names, and whether a
// tree has uncommitted changes. No libgit2: one more library to load would
// cost every command start-up time (ARCHITECTURE.md, Departures).

#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hb::vcs {

/// A git repository as seen from one of its working trees.
struct Repository
{
  std::filesystem::path top;        // the working tree's top directory
  std::filesystem::path common_dir; // the shared .git directory (absolute)
};

/// What one `git` invocation did.
struct GitOutput
{
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `git <args>` in `cwd` (GIT_DIR and friends removed from its
/// environment); fails only when git cannot be started (`vcs.git_missing`).
Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd);

/// The repository `path` lies in; `vcs.not_a_repository` names the path
/// when it is in none.
Result<Repository> find_repository(const std::filesystem::path& path);

/// The full commit sha `ref` names in `repo`; `vcs.unknown_ref` names the
/// ref and the repository and suggests `git fetch` when it names nothing.
Result<std::string> resolve_commit(const Repository& repo, const std::string& ref);

/// The commit checked out in `tree` (HEAD), full sha.
Result<std::string> head_commit(const std::filesystem::path& tree);

/// The branch checked out in `tree`, or "" when HEAD is detached.
std::string current_branch(const std::filesystem::path& tree);

/// `git status --porcelain` lines for changes to tracked files in `tree`
/// (untracked files, such as build output, are not changes); empty when clean.
Result<std::vector<std::string>> tracked_changes(const std::filesystem::path& tree);

/// The first `n` characters of a sha ("1a2b3c4" for n = 7).
std::string short_sha(const std::string& sha, std::size_t n = 7);

} // namespace hb::vcs

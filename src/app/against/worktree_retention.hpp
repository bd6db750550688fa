#pragma once
// `homeboy runs cleanup` and the worktree cache of `bench --against`: the
// cached worktrees unused for longer than the cleanup's age limit are listed
// by a dry run and removed by --apply, beside the runs.

#include "model/paths.hpp"
#include "util/json.hpp" // only cmd_runs_retention.cpp includes this header

#include <cstdint>
#include <optional>
#include <string>

namespace hb::app::against {

/// The age limit when `runs cleanup` is given no --older-than: 7 days.
inline constexpr std::int64_t k_default_worktree_age_ms = 7LL * 86'400'000;

struct WorktreeCleanup
{
  Json json;         // the `worktrees` object of the cleanup payload
  std::string human; // lines for the human report ("" when there is none)
  std::size_t failures = 0;
};

/// Plans (or, with `apply`, removes) the cached worktrees under
/// <data root>/worktrees unused for longer than `older_than_ms` (default
/// k_default_worktree_age_ms) at `now_ms`.
WorktreeCleanup cleanup_worktrees(const Paths& paths, std::optional<std::int64_t> older_than_ms,
                                  std::int64_t now_ms, bool apply);

} // namespace hb::app::against

// The worktree part of `runs cleanup` (worktree_retention.hpp).

#include "app/against/worktree_retention.hpp"

#include "util/json.hpp"
#include "util/time.hpp"
#include "vcs/worktree_cache.hpp"

#include <fmt/core.h>

namespace hb::app::against {

WorktreeCleanup
cleanup_worktrees(const Paths& paths, std::optional<std::int64_t> older_than_ms,
                  std::int64_t now_ms, bool apply)
{
  const std::int64_t limit = older_than_ms.value_or(k_default_worktree_age_ms);
  auto trees = vcs::prune_worktrees(paths.data_root / "worktrees", limit, now_ms, apply);
  WorktreeCleanup out;
  Json list = Json::array();
  std::uint64_t bytes = 0;
  for (const auto& t : trees) {
    Json entry = {{"path", t.path.string()},     {"repository", t.repository},
                  {"sha", t.sha},                {"last_used_at", format_rfc3339(t.last_used_ms)},
                  {"bytes", t.bytes},            {"action", t.action}};
    if (!t.reason.empty()) entry["reason"] = t.reason;
    list.push_back(std::move(entry));
    if (t.action == "failed") ++out.failures;
    if (t.action == "delete" || t.action == "deleted") bytes += t.bytes;
    out.human += fmt::format("  {:<7} {}  (last used {}){}\n", t.action, t.path.string(),
                             format_rfc3339(t.last_used_ms),
                             t.reason.empty() ? "" : ": " + t.reason);
  }
  out.json = {{"older_than_ms", limit}, {"bytes", bytes}, {"worktrees", std::move(list)}};
  if (!trees.empty()) {
    out.human = fmt::format("cached worktrees of bench --against unused for {} or more:\n{}",
                            format_duration_ms(limit), out.human);
  }
  return out;
}

} // namespace hb::app::against

#pragma once
// Where a bench child's private directories live (bench.md "Runtime path
// contract"): the root's selection, the sockaddr_un path budget, and the
// root's creation with its owner and mode checked. Kept apart from the
// lease index so the budget rules are unit-testable without touching disk.

#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace hb::invocation {

/// The variable that overrides the root (tests, unusual hosts).
inline constexpr const char* k_runtime_dir_env = "HOMEBOY_INVOCATION_RUNTIME_DIR";
/// Characters of the short id in the directory names.
inline constexpr std::size_t k_short_id_length = 10;

/// What root selection looks at; from_environment() fills it from the
/// process, tests fill it by hand.
struct RootInputs
{
  std::optional<std::string> override_dir; // $HOMEBOY_INVOCATION_RUNTIME_DIR
  bool tmp_usable = true;                  // /tmp is a writable directory
  unsigned uid = 0;
  std::optional<std::string> xdg_runtime_dir;
  std::optional<std::string> tmpdir;       // macOS fallback only
  std::optional<std::string> xdg_cache_home;
  std::optional<std::string> home;
  bool macos = false;

  /// The inputs of this process (environment, uid, /tmp's access).
  static RootInputs from_environment();
};

struct RootChoice
{
  std::filesystem::path path;
  /// Which rule chose it: "override", "tmp", "xdg_runtime", "tmpdir", "cache".
  std::string source;
};

/// Picks the root by the documented priority: the override, /tmp/hb-<uid>,
/// $XDG_RUNTIME_DIR/hb (Linux) or $TMPDIR/hb (macOS), then the cache dir.
/// Errors: a relative override, or no usable candidate at all.
Result<RootChoice> select_root(const RootInputs& inputs);

/// The platform's sockaddr_un sun_path capacity and the headroom a
/// workload is promised under each invocation directory.
struct SocketBudget
{
  std::size_t capacity = 108;
  std::size_t headroom = 32;
  const char* platform = "Linux";
};

/// This platform's budget (Linux 108/32, macOS 104/48).
SocketBudget socket_budget();

/// Checks that `<root>/<short id>.a` (the longest invocation dir) leaves the
/// budget's headroom, before anything is created. The error names
/// sockaddr_un, the platform limit, the headroom and the override variable.
Result<void> check_path_budget(const std::filesystem::path& root, const SocketBudget& budget);

/// Creates the root (mode 0700; parents as needed) or checks an existing
/// one: a real directory (not a symlink), owned by this user, with no group
/// or other access. A root owned by someone else is refused, never used.
Result<void> ensure_root(const std::filesystem::path& root);

} // namespace hb::invocation

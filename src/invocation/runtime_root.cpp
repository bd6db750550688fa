// Root selection, the path budget and the root's owner/mode check: the
// original neither checked who owned /tmp/hb-<uid> nor its mode, so another
// user who created it first could read or plant a workload's sockets.

#include "invocation/runtime_root.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace hb::invocation {

namespace stdfs = std::filesystem;

namespace {

std::optional<std::string>
non_empty_env(const char* name)
{
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string
override_hint()
{
  return fmt::format("set {} to a short directory you own (for example /tmp/hb-{})",
                     k_runtime_dir_env, ::geteuid());
}

} // namespace

RootInputs
RootInputs::from_environment()
{
  RootInputs in;
  in.override_dir = non_empty_env(k_runtime_dir_env);
  struct stat st{};
  in.tmp_usable = ::stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/tmp", W_OK | X_OK) == 0;
  in.uid = ::geteuid();
  in.xdg_runtime_dir = non_empty_env("XDG_RUNTIME_DIR");
  in.tmpdir = non_empty_env("TMPDIR");
  in.xdg_cache_home = non_empty_env("XDG_CACHE_HOME");
  in.home = non_empty_env("HOME");
#ifdef __APPLE__
  in.macos = true;
#endif
  return in;
}

Result<RootChoice>
select_root(const RootInputs& in)
{
  if (in.override_dir) {
    stdfs::path p(*in.override_dir);
    if (!p.is_absolute()) {
      return make_error("invocation.bad_root",
                        fmt::format("{}={} is not an absolute path; give an absolute directory",
                                    k_runtime_dir_env, *in.override_dir));
    }
    return RootChoice{p.lexically_normal(), "override"};
  }
  if (in.tmp_usable) return RootChoice{stdfs::path(fmt::format("/tmp/hb-{}", in.uid)), "tmp"};
  if (!in.macos && in.xdg_runtime_dir && stdfs::path(*in.xdg_runtime_dir).is_absolute()) {
    return RootChoice{stdfs::path(*in.xdg_runtime_dir) / "hb", "xdg_runtime"};
  }
  if (in.macos && in.tmpdir && stdfs::path(*in.tmpdir).is_absolute()) {
    return RootChoice{stdfs::path(*in.tmpdir) / "hb", "tmpdir"};
  }
  if (in.xdg_cache_home && stdfs::path(*in.xdg_cache_home).is_absolute()) {
    return RootChoice{stdfs::path(*in.xdg_cache_home) / "homeboy" / "inv", "cache"};
  }
  if (in.home && stdfs::path(*in.home).is_absolute()) {
    return RootChoice{stdfs::path(*in.home) / ".cache" / "homeboy" / "inv", "cache"};
  }
  return make_error("invocation.bad_root",
                    fmt::format("no directory for invocation isolation: /tmp is not writable and "
                                "neither XDG_RUNTIME_DIR, XDG_CACHE_HOME nor HOME is set; {}",
                                override_hint()));
}

SocketBudget
socket_budget()
{
#ifdef __APPLE__
  return SocketBudget{104, 48, "macOS"};
#else
  return SocketBudget{108, 32, "Linux"};
#endif
}

Result<void>
check_path_budget(const stdfs::path& root, const SocketBudget& budget)
{
  // The artifact dir "<root>/<id>.a" is the longest of the three (the tmp
  // dir's ".t" is as long); a socket path also needs its terminating NUL.
  std::size_t longest = root.string().size() + 1 + k_short_id_length + 2;
  std::size_t left = longest < budget.capacity ? budget.capacity - longest : 0;
  if (left >= budget.headroom) return {};
  std::size_t max_root = budget.capacity - budget.headroom - (1 + k_short_id_length + 2);
  return make_error(
    "invocation.path_budget",
    fmt::format("invocation root {} ({} bytes) is too long for UNIX sockets: its invocation "
                "directories would be {} bytes, leaving {} of the {}-byte sockaddr_un sun_path "
                "limit on {}, and workloads are promised {} bytes of headroom; use a root of at "
                "most {} bytes: {}",
                root.string(), root.string().size(), longest, left, budget.capacity,
                budget.platform, budget.headroom, max_root, override_hint()));
}

Result<void>
ensure_root(const stdfs::path& root)
{
  std::error_code ec;
  if (root.has_parent_path() && !stdfs::exists(root.parent_path(), ec)) {
    stdfs::create_directories(root.parent_path(), ec);
    if (ec) {
      return make_error("invocation.bad_root",
                        fmt::format("cannot create {}: {}; {}", root.parent_path().string(),
                                    ec.message(), override_hint()));
    }
  }
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("invocation.bad_root", fmt::format("cannot create invocation root {}: {}; {}",
                                                         root.string(), std::strerror(errno),
                                                         override_hint()));
  }
  struct stat st{};
  if (::lstat(root.c_str(), &st) != 0) {
    return make_error("invocation.bad_root",
                      fmt::format("cannot read invocation root {}: {}", root.string(),
                                  std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error("invocation.bad_root",
                      fmt::format("invocation root {} is not a directory{}; remove it or {}",
                                  root.string(), S_ISLNK(st.st_mode) ? " (a symbolic link)" : "",
                                  override_hint()));
  }
  if (st.st_uid != ::geteuid()) {
    return make_error(
      "invocation.root_not_owned",
      fmt::format("invocation root {} is owned by uid {}, not by you (uid {}): another user could "
                  "read or replace your workloads' sockets and files there, so homeboy will not "
                  "use it; remove it or {}",
                  root.string(), st.st_uid, ::geteuid(), override_hint()));
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(
      "invocation.root_not_private",
      fmt::format("invocation root {} has mode {:04o}; it must be private to you (0700): run "
                  "`chmod 700 {}` or {}",
                  root.string(), st.st_mode & 07777, root.string(), override_hint()));
  }
  return {};
}

} // namespace hb::invocation

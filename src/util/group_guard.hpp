#pragma once
// A process group that dies with us. A child started into a GroupGuard's
// group is SIGKILLed, together with everything it started in that group,
// when this process exits however it exits (SIGKILL included), so a killed
// `homeboy bench` never leaves a runner loading the machine.
//
// How: create() fork()s a tiny guard process that leads a new process group
// and blocks reading one end of a socket pair; we hold the other end. The
// kernel closes our end when we die, the guard's read returns end-of-file,
// and the guard SIGKILLs every other member of its group, scanning /proc
// again until two scans in a row find none (a member forking at that
// instant is caught too), then exits. Destroying the GroupGuard disarms it
// first: the guard exits and kills nothing.
//
// PR_SET_PDEATHSIG would reach only a direct child, and posix_spawn cannot
// set it; a guard covers the whole group and needs no change to how
// children are spawned but their process group.
//
// Thread safety: one owner thread. The guard process itself ignores
// SIGINT/SIGTERM/SIGHUP, so a group-wide SIGTERM reaches only the children;
// a group-wide SIGKILL takes the guard too, and ensure() starts a new one.

#include "util/error.hpp"

#include <cstdint>
#include <optional>

namespace hb {

class GroupGuard
{
public:
  GroupGuard() = default;
  ~GroupGuard();
  GroupGuard(GroupGuard&& other) noexcept;
  GroupGuard& operator=(GroupGuard&& other) noexcept;
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;

  /// Starts a guard process; fails only when fork or socketpair fail.
  static Result<GroupGuard> create();

  /// The group to spawn children into, starting a new guard first when the
  /// previous one is gone (a group-wide SIGKILL took it).
  Result<int> ensure();

  /// The process group id (the guard's pid); 0 before create().
  int pgid() const { return m_pid; }
  /// The guard's start time (/proc/<pid>/stat field 22), for pid-reuse
  /// checks by whoever kills the group later.
  std::optional<std::uint64_t> start_time() const { return m_start_time; }

private:
  void disarm();

  int m_pid = 0;
  int m_fd = -1;
  std::optional<std::uint64_t> m_start_time;
};

} // namespace hb

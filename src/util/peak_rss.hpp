#pragma once
// The peak resident memory of a whole process tree (a child and everything
// it starts), which wait4's ru_maxrss cannot give: that is the largest single
// process. Where the machine has cgroup v2 with the memory controller
// delegated to a cgroup we may write, the tree runs in a child cgroup of ours
// and its memory.peak is read at the end (every page charged, so it counts
// page cache too); elsewhere one sampler thread adds up the resident memory
// of the root and its descendants (/proc/<pid>/task/*/children, else a scan
// of /proc/*/stat) every interval and keeps the largest sum. A sampler
// misses peaks shorter than its interval; callers pass ru_maxrss as a floor.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

enum class PeakRssMethod { cgroup_v2, sampler };
/// "cgroup_v2" or "sampler".
const char* to_string(PeakRssMethod method);

struct PeakRss
{
  std::uint64_t bytes = 0;
  PeakRssMethod method = PeakRssMethod::sampler;
};

/// Watches the process trees of one or more children, one after another
/// (each attach() names the next root), from its own thread. Not copyable.
class PeakRssMonitor
{
public:
  /// `interval`: the sampler's period (bounded to 10 ms .. 1 s).
  explicit PeakRssMonitor(std::chrono::milliseconds interval = std::chrono::milliseconds(50));
  ~PeakRssMonitor();
  PeakRssMonitor(const PeakRssMonitor&) = delete;
  PeakRssMonitor& operator=(const PeakRssMonitor&) = delete;

  /// Starts watching the tree rooted at `pid`, a child that just started
  /// (moved into a fresh child cgroup when cgroup v2 is usable).
  void attach(int pid);
  /// Stops watching; the largest peak seen over every attached tree, and
  /// at least `floor_bytes` (ru_maxrss of the child, say).
  PeakRss finish(std::uint64_t floor_bytes = 0);

private:
  struct State;
  std::unique_ptr<State> m_state;
};

/// Resident bytes of `root` and all its descendants now (at most 4096
/// processes); 0 when `root` is gone.
std::uint64_t tree_rss_bytes(int root);

/// The cgroup v2 path of the `0::<path>` line of a /proc/<pid>/cgroup text,
/// or nullopt when there is none.
std::optional<std::string> cgroup_v2_path(std::string_view proc_cgroup);

/// The mount point of the cgroup2 file system in a /proc/self/mountinfo
/// text, or nullopt.
std::optional<std::string> cgroup2_mount(std::string_view mountinfo);

} // namespace hb

// Peak RSS of a process tree (peak_rss.hpp): a child cgroup's memory.peak
// where cgroup v2 lets us, else a sampler thread over /proc.

#include "util/peak_rss.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hb {

namespace stdfs = std::filesystem;

namespace {

constexpr std::size_t k_max_tree = 4096;

std::string
slurp(const stdfs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint64_t
page_size()
{
  static const std::uint64_t size = [] {
    long v = ::sysconf(_SC_PAGESIZE);
    return v > 0 ? static_cast<std::uint64_t>(v) : 4096u;
  }();
  return size;
}

std::uint64_t
process_rss_bytes(int pid)
{
  std::string text = slurp(fmt::format("/proc/{}/statm", pid));
  std::istringstream in(text);
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * page_size();
}

std::vector<int>
parse_pids(const std::string& text)
{
  std::vector<int> out;
  std::istringstream in(text);
  int pid = 0;
  while (in >> pid) out.push_back(pid);
  return out;
}

/// The parent pid in a /proc/<pid>/stat text (after the command's last ')').
int
stat_ppid(const std::string& stat)
{
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 1));
  std::string state;
  int ppid = -1;
  in >> state >> ppid;
  return ppid;
}

/// pid -> its children, from a scan of /proc (the fallback when the kernel
/// has no task/<tid>/children files).
std::multimap<int, int>
scan_children()
{
  std::multimap<int, int> out;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    int pid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || end != name.data() + name.size()) continue;
    int ppid = stat_ppid(slurp(entry.path() / "stat"));
    if (ppid > 0) out.emplace(ppid, pid);
  }
  return out;
}

bool
have_children_files()
{
  static const bool have = stdfs::exists(fmt::format("/proc/{}/task/{}/children", ::getpid(), ::getpid()));
  return have;
}

std::vector<int>
children_of(int pid, const std::multimap<int, int>* scanned)
{
  std::vector<int> out;
  if (scanned) {
    auto [from, to] = scanned->equal_range(pid);
    for (auto it = from; it != to; ++it) out.push_back(it->second);
    return out;
  }
  std::error_code ec;
  for (const auto& task : stdfs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    for (int child : parse_pids(slurp(task.path() / "children"))) out.push_back(child);
  }
  return out;
}

/// The delegated cgroup v2 directory a child cgroup can be made under, or
/// empty (no cgroup2 mount, memory not in subtree_control, not writable,
/// or HOMEBOY_PEAK_RSS=sampler).
stdfs::path
cgroup_parent()
{
  static const stdfs::path parent = [] {
    const char* force = std::getenv("HOMEBOY_PEAK_RSS");
    if (force && std::string_view(force) == "sampler") return stdfs::path();
    auto mount = cgroup2_mount(slurp("/proc/self/mountinfo"));
    auto path = cgroup_v2_path(slurp("/proc/self/cgroup"));
    if (!mount || !path) return stdfs::path();
    stdfs::path dir = stdfs::path(*mount) / stdfs::path(*path).relative_path();
    std::string controls = slurp(dir / "cgroup.subtree_control");
    std::istringstream words(controls);
    std::string word;
    bool memory = false;
    while (words >> word) memory = memory || word == "memory";
    if (!memory || ::access(dir.c_str(), W_OK) != 0) return stdfs::path();
    return dir;
  }();
  return parent;
}

} // namespace

const char*
to_string(PeakRssMethod method)
{
  return method == PeakRssMethod::cgroup_v2 ? "cgroup_v2" : "sampler";
}

std::uint64_t
tree_rss_bytes(int root)
{
  if (root <= 0) return 0;
  std::optional<std::multimap<int, int>> scanned;
  if (!have_children_files()) scanned = scan_children();
  std::set<int> seen;
  std::vector<int> todo = {root};
  std::uint64_t total = 0;
  while (!todo.empty() && seen.size() < k_max_tree) {
    int pid = todo.back();
    todo.pop_back();
    if (!seen.insert(pid).second) continue;
    total += process_rss_bytes(pid);
    for (int child : children_of(pid, scanned ? &*scanned : nullptr)) todo.push_back(child);
  }
  return total;
}

std::optional<std::string>
cgroup_v2_path(std::string_view proc_cgroup)
{
  std::istringstream in{std::string(proc_cgroup)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return std::nullopt;
}

std::optional<std::string>
cgroup2_mount(std::string_view mountinfo)
{
  // "<id> <parent> <maj:min> <root> <mount point> <options> [optional...] - <fstype> <source> ..."
  std::istringstream in{std::string(mountinfo)};
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, dev, root, mount_point;
    if (head >> id >> parent >> dev >> root >> mount_point) return mount_point;
  }
  return std::nullopt;
}

struct PeakRssMonitor::State
{
  std::chrono::milliseconds interval;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::vector<int> roots;          // sampled trees
  std::vector<stdfs::path> groups; // child cgroups made for attached trees
  std::uint64_t peak = 0;
  std::thread sampler;

  void sample_loop()
  {
    std::unique_lock lock(mutex);
    while (!stop) {
      std::vector<int> now = roots;
      lock.unlock();
      std::uint64_t total = 0;
      try {
        for (int root : now) total += tree_rss_bytes(root);
      } catch (const std::exception&) {
        // /proc changed under the walk (a filesystem error): skip this tick.
      }
      lock.lock();
      peak = std::max(peak, total);
      wake.wait_for(lock, interval, [&] { return stop; });
    }
  }
};

PeakRssMonitor::PeakRssMonitor(std::chrono::milliseconds interval)
  : m_state(std::make_unique<State>())
{
  m_state->interval = std::clamp(interval, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

PeakRssMonitor::~PeakRssMonitor()
{
  finish();
}

void
PeakRssMonitor::attach(int pid)
{
  State& s = *m_state;
  if (const stdfs::path parent = cgroup_parent(); !parent.empty()) {
    static std::atomic<unsigned> counter{0};
    stdfs::path group = parent / fmt::format("homeboy-rss-{}-{}", ::getpid(), counter++);
    std::error_code ec;
    if (stdfs::create_directory(group, ec) && stdfs::exists(group / "memory.peak", ec)) {
      std::ofstream procs(group / "cgroup.procs");
      procs << pid << '\n';
      procs.flush();
      if (procs) {
        std::lock_guard lock(s.mutex);
        s.groups.push_back(group);
        return;
      }
    }
    stdfs::remove(group, ec);
  }
  std::lock_guard lock(s.mutex);
  s.roots.push_back(pid);
  if (!s.sampler.joinable()) {
    s.sampler = std::thread([&s] { s.sample_loop(); });
  }
}

PeakRss
PeakRssMonitor::finish(std::uint64_t floor_bytes)
{
  State& s = *m_state;
  {
    std::lock_guard lock(s.mutex);
    s.stop = true;
  }
  s.wake.notify_all();
  if (s.sampler.joinable()) s.sampler.join();
  PeakRss out;
  out.bytes = std::max(s.peak, floor_bytes);
  for (const auto& group : s.groups) {
    std::string text = slurp(group / "memory.peak");
    std::uint64_t v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    out.bytes = std::max(out.bytes, v);
    out.method = PeakRssMethod::cgroup_v2;
    // Empty once its processes exited; one that still has some stays.
    ::rmdir(group.c_str());
  }
  s.groups.clear();
  s.peak = out.bytes;
  return out;
}

} // namespace hb

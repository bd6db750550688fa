#include "util/group_guard.hpp"

#include "util/process.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <mutex>
#include <utility>
#include <vector>

namespace hb {

namespace {

struct LinuxDirent64
{
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// Parses a decimal number; -1 when `text` is not one.
long
parse_pid(const char* text)
{
  long value = 0;
  if (*text == '\0') return -1;
  for (; *text; ++text) {
    if (*text < '0' || *text > '9') return -1;
    value = value * 10 + (*text - '0');
  }
  return value;
}

// The process group (field 5 of /proc/<pid>/stat) of a live process, or -1
// (gone, a zombie, unreadable). Async-signal-safe: open/read/close only.
long
live_pgrp(const char* pid_text)
{
  char path[64] = "/proc/";
  std::size_t len = 6;
  for (const char* c = pid_text; *c && len < sizeof path - 8; ++c) path[len++] = *c;
  for (const char* c = "/stat"; *c; ++c) path[len++] = *c;
  path[len] = '\0';
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char stat[512];
  ssize_t n = ::read(fd, stat, sizeof stat - 1);
  ::close(fd);
  if (n <= 0) return -1;
  stat[n] = '\0';
  char* close = nullptr;
  for (char* c = stat; *c; ++c) {
    if (*c == ')') close = c;
  }
  // ") S ppid pgrp ..."
  if (!close || close[1] != ' ' || close[2] == '\0' || close[2] == 'Z') return -1;
  char* field = close + 4; // after ") S "
  while (*field && *field != ' ') ++field; // skip ppid
  if (*field != ' ') return -1;
  ++field;
  long pgrp = 0;
  for (; *field >= '0' && *field <= '9'; ++field) pgrp = pgrp * 10 + (*field - '0');
  return pgrp;
}

// SIGKILLs every live process of group `pgid` but ourselves; returns how
// many. Async-signal-safe (raw getdents64, no allocation).
int
kill_other_members(long self, long pgid)
{
  int dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return 0;
  int killed = 0;
  alignas(8) char buffer[8192];
  while (true) {
    long n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      auto* entry = reinterpret_cast<LinuxDirent64*>(buffer + offset);
      offset += entry->d_reclen;
      long pid = parse_pid(entry->d_name);
      if (pid > 1 && pid != self && live_pgrp(entry->d_name) == pgid
          && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) {
        ++killed;
      }
    }
  }
  ::close(dir);
  return killed;
}

// Runs in the forked child of a possibly multi-threaded process: only
// async-signal-safe calls from here on.
[[noreturn]] void
guard_main(int fd)
{
  ::setpgid(0, 0);
  struct sigaction ignore{};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2}) {
    ::sigaction(sig, &ignore, nullptr);
  }
  ::prctl(PR_SET_NAME, "homeboy-guard", 0, 0, 0);
  // Hold nothing of the parent's (pipes, the store, the terminal): a reader
  // of homeboy's output must see end-of-file when homeboy exits.
#ifdef SYS_close_range
  bool closed = fd == 0 || ::syscall(SYS_close_range, 0U, static_cast<unsigned>(fd - 1), 0U) == 0;
  closed = closed && ::syscall(SYS_close_range, static_cast<unsigned>(fd + 1), ~0U, 0U) == 0;
#else
  bool closed = false;
#endif
  if (!closed) {
    for (int i = 0; i < 4096; ++i) {
      if (i != fd) ::close(i);
    }
  }
  char c = 0;
  ssize_t n;
  do {
    n = ::read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1 && c == 'D') {
    ::_exit(0); // disarmed: our parent finished normally
  }
  // Our parent is gone: kill every other member of our group, and again
  // until two scans in a row find none, so a process that was forking or
  // joining the group meanwhile is caught too (a single kill(-pgid) can
  // miss a child being forked at that instant).
  const long self = ::getpid();
  int quiet_scans = 0;
  for (int round = 0; round < 400 && quiet_scans < 2; ++round) {
    quiet_scans = kill_other_members(self, self) == 0 ? quiet_scans + 1 : 0;
    struct timespec pause = {0, 5'000'000};
    ::nanosleep(&pause, nullptr);
  }
  ::_exit(1);
}

} // namespace

GroupGuard::~GroupGuard()
{
  disarm();
}

GroupGuard::GroupGuard(GroupGuard&& other) noexcept
  : m_pid(std::exchange(other.m_pid, 0)), m_fd(std::exchange(other.m_fd, -1)),
    m_start_time(std::exchange(other.m_start_time, std::nullopt))
{
}

GroupGuard&
GroupGuard::operator=(GroupGuard&& other) noexcept
{
  if (this != &other) {
    disarm();
    m_pid = std::exchange(other.m_pid, 0);
    m_fd = std::exchange(other.m_fd, -1);
    m_start_time = std::exchange(other.m_start_time, std::nullopt);
  }
  return *this;
}

Result<GroupGuard>
GroupGuard::create()
{
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return make_error("process.spawn_failed",
                      fmt::format("cannot create the process-group guard: socketpair: {}",
                                  std::strerror(errno)));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return make_error("process.spawn_failed",
                      fmt::format("cannot create the process-group guard: fork: {}",
                                  std::strerror(err)));
  }
  if (pid == 0) {
    guard_main(sv[1]);
  }
  ::close(sv[1]);
  // Also here, so the group exists before anyone spawns into it (the shells'
  // classic double setpgid); EACCES once the guard did it itself is fine.
  ::setpgid(pid, pid);
  GroupGuard guard;
  guard.m_pid = pid;
  guard.m_fd = sv[0];
  guard.m_start_time = process_start_time(pid);
  return guard;
}

Result<int>
GroupGuard::ensure()
{
  if (m_pid > 0) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == 0) {
      return m_pid;
    }
    m_pid = 0; // reaped: it was killed with its group
    ::close(m_fd);
    m_fd = -1;
  }
  auto fresh = create();
  if (!fresh) {
    return Unexpected(fresh.error());
  }
  *this = std::move(*fresh);
  return m_pid;
}

namespace {

// Disarmed guards that had not exited yet when we looked: reaped later, so
// disarming never waits for the guard to be scheduled (milliseconds on a
// loaded machine) and no zombie accumulates.
std::mutex g_unreaped_mutex;
std::vector<int> g_unreaped;

void
reap_disarmed(int also)
{
  std::lock_guard lock(g_unreaped_mutex);
  if (also > 0) g_unreaped.push_back(also);
  std::erase_if(g_unreaped, [](int pid) {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) != 0; // exited (reaped) or not ours
  });
}

} // namespace

void
GroupGuard::disarm()
{
  if (m_fd >= 0) {
    char c = 'D';
    (void)::send(m_fd, &c, 1, MSG_NOSIGNAL);
    ::close(m_fd);
    m_fd = -1;
  }
  if (m_pid > 0) {
    reap_disarmed(m_pid);
    m_pid = 0;
  }
}

} // namespace hb

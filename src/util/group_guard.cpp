#include "util/group_guard.hpp"

#include "util/process.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace hb {

namespace {

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
  ::kill(0, SIGKILL); // our parent is gone: take the whole group, us too
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
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = 0;
  }
}

} // namespace hb

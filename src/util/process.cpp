#include "util/process.hpp"

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace hb {

namespace {

std::atomic<int> g_interrupt_signal{0};

extern "C" void
record_interrupt(int sig)
{
  int expected = 0;
  g_interrupt_signal.compare_exchange_strong(expected, sig);
}

using Clock = std::chrono::steady_clock;

std::int64_t
elapsed_ms(Clock::time_point since)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

int
open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

class FileSink
{
public:
  explicit FileSink(const std::filesystem::path& path)
  {
    if (!path.empty()) {
      m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
  }
  ~FileSink()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  bool failed_to_open(const std::filesystem::path& path) const { return !path.empty() && m_fd < 0; }
  void write(std::string_view data)
  {
    while (m_fd >= 0 && !data.empty()) {
      ssize_t n = ::write(m_fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

private:
  int m_fd = -1;
};

struct SpawnResources
{
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnResources()
  {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnResources()
  {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

} // namespace

Environment
Environment::current()
{
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      env.m_vars.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  return env;
}

const std::string*
Environment::get(const std::string& name) const
{
  auto it = m_vars.find(name);
  return it == m_vars.end() ? nullptr : &it->second;
}

std::vector<std::string>
Environment::entries() const
{
  std::vector<std::string> out;
  out.reserve(m_vars.size());
  for (const auto& [name, value] : m_vars) {
    out.push_back(name + "=" + value);
  }
  return out;
}

int
ProcessResult::shell_exit_code() const
{
  if (exit_code) {
    return *exit_code;
  }
  return 128 + signal.value_or(0);
}

void
ProcessResult::interpret_shell_status()
{
  if (exit_code && *exit_code > 128 && *exit_code < 128 + NSIG && sigabbrev_np(*exit_code - 128)) {
    signal = *exit_code - 128;
    exit_code.reset();
  }
}

std::string
ProcessResult::describe() const
{
  if (timed_out) {
    return fmt::format("timed out after {} ms", wall_ms);
  }
  if (exit_code) {
    return fmt::format("exited with code {}", *exit_code);
  }
  const char* name = signal ? sigabbrev_np(*signal) : nullptr;
  return name ? fmt::format("killed by SIG{}", name)
              : fmt::format("killed by signal {}", signal.value_or(0));
}

Result<ProcessResult>
run_process(const SpawnSpec& spec)
{
  if (spec.argv.empty()) {
    return make_error("process.spawn_failed", "no command to run");
  }
  FileSink out_file(spec.stdout_path);
  FileSink err_file(spec.stderr_path);
  if (out_file.failed_to_open(spec.stdout_path) || err_file.failed_to_open(spec.stderr_path)) {
    return make_error("process.spawn_failed",
                      fmt::format("cannot create the log files for {}: {}", spec.argv[0],
                                  std::strerror(errno)));
  }

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return make_error("process.spawn_failed", fmt::format("pipe: {}", std::strerror(errno)));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return make_error("process.spawn_failed", fmt::format("pipe: {}", std::strerror(errno)));
  }

  SpawnResources res;
  posix_spawn_file_actions_addopen(&res.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&res.actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&res.actions, err_pipe[1], 2);
  if (!spec.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&res.actions, spec.cwd.c_str());
  }
  // Own process group, so a timeout or cancel can stop everything the child
  // started; default dispositions and an empty mask, whatever ours are.
  sigset_t defaults, empty;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&res.attr, &empty);
  posix_spawnattr_setsigdefault(&res.attr, &defaults);
  GroupGuard own_group;
  GroupGuard* group = spec.group ? spec.group : &own_group;
  auto pgid = group->ensure();
  if (!pgid) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    return Unexpected(pgid.error());
  }
  posix_spawnattr_setpgroup(&res.attr, *pgid);
  posix_spawnattr_setflags(&res.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_entries = spec.env.entries();
  std::vector<char*> envp;
  for (auto& entry : env_entries) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = spec.argv;
  std::vector<char*> argv;
  for (auto& arg : argv_copy) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  auto start = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &res.actions, &res.attr, argv.data(), envp.data());
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    std::string where = spec.cwd.empty() ? "" : fmt::format(" in {}", spec.cwd.string());
    return make_error("process.spawn_failed",
                      fmt::format("cannot run {}{}: {}", spec.argv[0], where, std::strerror(rc)));
  }

  ProcessResult result;
  result.pid = pid;
  result.pgid = *pgid;
  if (spec.on_spawn) {
    spec.on_spawn(pid, *pgid);
  }
  int pidfd = open_pidfd(pid);
  bool exited = false;
  bool term_sent = false;
  Clock::time_point term_at;
  int status = 0;
  struct rusage usage{};
  Clock::time_point last_tick = start;
  std::int64_t drain_deadline = -1;

  auto handle = [&](int fd, OutputStream stream, FileSink& sink) -> bool {
    char buffer[65536];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      return true;
    }
    if (n <= 0) {
      return false;
    }
    std::string_view chunk(buffer, static_cast<size_t>(n));
    sink.write(chunk);
    if (spec.on_output) {
      spec.on_output(stream, chunk);
    }
    return true;
  };

  int fds[2] = {out_pipe[0], err_pipe[0]};
  while (true) {
    struct pollfd pfds[3];
    nfds_t count = 0;
    int map[3] = {-1, -1, -1};
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        pfds[count] = {fds[i], POLLIN, 0};
        map[count++] = i;
      }
    }
    if (!exited && pidfd >= 0) {
      pfds[count] = {pidfd, POLLIN, 0};
      map[count++] = 2;
    }
    bool pipes_open = fds[0] >= 0 || fds[1] >= 0;
    if (exited && !pipes_open) {
      break;
    }
    int wait_ms = spec.tick_ms;
    if (!exited && pidfd < 0) {
      wait_ms = std::min(wait_ms, 10);
    }
    if (exited) {
      // The child is gone but something it started still holds the pipes:
      // read what is there for a moment, then stop listening.
      if (drain_deadline < 0) {
        drain_deadline = elapsed_ms(start) + 200;
      }
      wait_ms = static_cast<int>(std::max<std::int64_t>(0, drain_deadline - elapsed_ms(start)));
    }
    int ready = ::poll(pfds, count, wait_ms);
    if (ready > 0) {
      for (nfds_t i = 0; i < count; ++i) {
        if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
          continue;
        }
        if (map[i] == 2) {
          continue; // exit noticed by wait4 below
        }
        int idx = map[i];
        OutputStream stream = idx == 0 ? OutputStream::stdout_stream : OutputStream::stderr_stream;
        if (!handle(fds[idx], stream, idx == 0 ? out_file : err_file)) {
          ::close(fds[idx]);
          fds[idx] = -1;
        }
      }
    }
    if (!exited) {
      pid_t waited = ::wait4(pid, &status, WNOHANG, &usage);
      if (waited == pid) {
        exited = true;
        result.wall_ms = elapsed_ms(start);
      }
    }
    if (exited && drain_deadline >= 0 && elapsed_ms(start) >= drain_deadline) {
      break;
    }
    if (!exited) {
      bool cancel = spec.should_cancel && spec.should_cancel();
      bool timeout = spec.timeout_ms > 0 && elapsed_ms(start) >= spec.timeout_ms;
      if ((cancel || timeout) && !term_sent) {
        result.cancelled = cancel;
        result.timed_out = !cancel && timeout;
        ::kill(-*pgid, SIGTERM);
        term_sent = true;
        term_at = Clock::now();
      } else if (term_sent && elapsed_ms(term_at) >= spec.kill_grace_ms) {
        ::kill(-*pgid, SIGKILL);
      }
      if (spec.on_tick && elapsed_ms(last_tick) >= spec.tick_ms) {
        last_tick = Clock::now();
        spec.on_tick();
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  if (pidfd >= 0) {
    ::close(pidfd);
  }
  if (term_sent) {
    // Stragglers of a stopped group must not outlive the run.
    ::kill(-*pgid, SIGKILL);
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.user_seconds = static_cast<double>(usage.ru_utime.tv_sec)
                        + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  result.system_seconds = static_cast<double>(usage.ru_stime.tv_sec)
                          + static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  result.max_rss_bytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
  return result;
}

void
install_interrupt_handlers()
{
  struct sigaction action{};
  action.sa_handler = record_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: poll() must wake up
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    ::sigaction(sig, &action, nullptr);
  }
}

int
interrupt_signal()
{
  return g_interrupt_signal.load();
}

namespace {

// Field `field` (1-based, as in proc(5); at least 3) of /proc/<pid>/stat.
std::optional<std::uint64_t>
stat_field(int pid, int field)
{
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) {
    return std::nullopt;
  }
  // Fields count from after the parenthesised command name, which may
  // itself contain spaces and parentheses.
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) {
    return std::nullopt;
  }
  std::string rest = line.substr(close + 2);
  size_t pos = 0;
  for (int f = 3; f < field; ++f) {
    pos = rest.find(' ', pos);
    if (pos == std::string::npos) {
      return std::nullopt;
    }
    ++pos;
  }
  return std::strtoull(rest.c_str() + pos, nullptr, 10);
}

} // namespace

std::optional<std::uint64_t>
process_start_time(int pid)
{
  return stat_field(pid, 22);
}

namespace {

// The state letter of /proc/<pid>/stat (R, S, D, Z, ...), or 0.
char
process_state(int pid)
{
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) {
    return 0;
  }
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : 0;
}

template <class F>
void
for_each_pid(F&& f)
{
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      f(std::atoi(name.c_str()));
    }
  }
}

} // namespace

int
kill_process_group(int pgid, std::optional<std::uint64_t> leader_start_time, int signal)
{
  if (pgid <= 1) {
    return 0;
  }
  if (process_alive(pgid, leader_start_time)) {
    return ::kill(-pgid, signal) == 0 ? 1 : 0;
  }
  if (!leader_start_time) {
    return 0; // no way to tell our group from a reused id
  }
  // One by one, and again until a scan finds none: a member forking while
  // we scan would otherwise leave a child behind.
  int killed = 0;
  for (int round = 0; round < 50; ++round) {
    int this_round = 0;
    for_each_pid([&](int pid) {
      if (pid > 1 && process_state(pid) != 'Z'
          && stat_field(pid, 5) == static_cast<std::uint64_t>(pgid)) {
        auto started = process_start_time(pid);
        if (started && *started >= *leader_start_time && ::kill(pid, signal) == 0) {
          ++this_round;
        }
      }
    });
    killed += this_round;
    if (this_round == 0 || signal != SIGKILL) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return killed;
}

int
kill_session(int session_id, int signal)
{
  int killed = 0;
  for_each_pid([&](int pid) {
    if (pid > 1 && stat_field(pid, 6) == static_cast<std::uint64_t>(session_id)
        && ::kill(pid, signal) == 0) {
      ++killed;
    }
  });
  return killed;
}

bool
process_alive(int pid, std::optional<std::uint64_t> start_time)
{
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
    return false;
  }
  if (process_state(pid) == 'Z') {
    return false; // exited, not yet reaped by its parent
  }
  if (!start_time) {
    return true;
  }
  auto actual = process_start_time(pid);
  return actual && *actual == *start_time;
}

Result<int>
spawn_detached(const std::string& program, std::vector<std::string> args, const Environment& env,
               const std::filesystem::path& log)
{
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> entries = env.entries();
  std::vector<char*> envp;
  for (auto& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  sigset_t defaults, empty;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return make_error("process.spawn_failed", fmt::format("{}: {}", program, std::strerror(rc)));
  }
  return static_cast<int>(pid);
}

} // namespace hb

// The children of the command-timing engine: a command made ready to run
// once (split, its program found in PATH, or /bin/sh -c), then started with
// posix_spawn and waited for with wait4, as often as the rounds need
// (bench/command_timing.hpp says why not util/process), and what their
// ending means.

#include "bench/command_timing_internal.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <utility>

namespace hb::bench {

namespace timing_detail {

namespace {

constexpr std::size_t k_stderr_tail_bytes = 2048;
constexpr const char* k_shell = "/bin/sh";

double
timespec_ms(const timespec& from, const timespec& to)
{
  return static_cast<double>(to.tv_sec - from.tv_sec) * 1e3
         + static_cast<double>(to.tv_nsec - from.tv_nsec) / 1e6;
}

std::string
spawn_advice(bool shell)
{
  return shell ? "check that /bin/sh exists"
               : "check PATH, or use --shell if the command needs shell syntax";
}

Unexpected<Error>
spawn_failed(const Program& program, std::string_view problem, int error_number)
{
  Json details = {{"command", program.command},
                  {"program", program.args.empty() ? std::string() : program.args[0]},
                  {"errno", error_number}};
  return make_error("bench.command_spawn_failed",
                    fmt::format("cannot run {} (`{}`): {}; {}", program.label, program.command,
                                problem, spawn_advice(program.shell)),
                    dump_json(details));
}

bool
is_executable_file(const std::string& path)
{
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)
         && ::access(path.c_str(), X_OK) == 0;
}

/// Where `name` resolves, as posix_spawnp would find it but in the PATH of
/// the children's environment and relative to their working directory.
Result<std::string>
resolve_program(const Program& program, const TimingOptions& options)
{
  const std::string& name = program.args[0];
  auto in_cwd = [&](const std::string& path) {
    bool absolute = !path.empty() && path[0] == '/';
    return options.cwd.empty() || absolute ? path : (options.cwd / path).string();
  };
  if (name.find('/') != std::string::npos) {
    std::string path = in_cwd(name);
    if (!is_executable_file(path)) {
      int error_number = ::access(path.c_str(), F_OK) == 0 ? EACCES : ENOENT;
      return spawn_failed(program,
                          fmt::format("{}: {}", name, std::strerror(error_number)),
                          error_number);
    }
    return name;
  }
  const std::string* env_path = options.env.get("PATH");
  std::string search = env_path ? *env_path : "/usr/local/bin:/usr/bin:/bin";
  bool found_unexecutable = false;
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t end = search.find(':', start);
    if (end == std::string::npos) {
      end = search.size();
    }
    std::string dir = search.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (is_executable_file(in_cwd(candidate))) {
      return candidate;
    }
    found_unexecutable = found_unexecutable || ::access(in_cwd(candidate).c_str(), F_OK) == 0;
    start = end + 1;
  }
  int error_number = found_unexecutable ? EACCES : ENOENT;
  std::string problem =
    found_unexecutable
      ? fmt::format("{} is in PATH but not an executable file ({})", name,
                    std::strerror(error_number))
      : fmt::format("{} was not found in PATH ({})", name, search);
  return spawn_failed(program, problem, error_number);
}

} // namespace

Result<Program>
make_program(std::string label, const std::string& command, bool force_shell,
             const TimingOptions& options)
{
  Program program;
  program.label = std::move(label);
  program.command = command;
  program.shell = force_shell || needs_shell(command);
  if (program.shell) {
    if (command.find_first_not_of(" \t\n") == std::string::npos) {
      return make_error("validation.invalid_argument",
                        fmt::format("{} is empty; give a command to run", program.label));
    }
    program.args = {k_shell, "-c", command};
    program.path = k_shell;
  } else {
    auto words = split_command(command);
    if (!words) {
      return Unexpected<Error>(Error{words.error().code,
                                     fmt::format("{}: {}", program.label, words.error().message),
                                     words.error().details});
    }
    program.args = std::move(*words);
    auto path = resolve_program(program, options);
    if (!path) {
      return Unexpected<Error>(std::move(path).error());
    }
    program.path = std::move(*path);
  }
  for (auto& arg : program.args) {
    program.argv.push_back(arg.data());
  }
  program.argv.push_back(nullptr);
  return program;
}

Spawner::Spawner(const TimingOptions& options) : m_options(options)
{
  posix_spawn_file_actions_init(&m_actions);
  posix_spawnattr_init(&m_attr);
  for (const auto& entry : options.env.entries()) {
    m_env_entries.push_back(entry);
  }
  for (auto& entry : m_env_entries) {
    m_envp.push_back(entry.data());
  }
  m_envp.push_back(nullptr);
}

Spawner::~Spawner()
{
  posix_spawn_file_actions_destroy(&m_actions);
  posix_spawnattr_destroy(&m_attr);
}

Result<void>
Spawner::open()
{
  m_null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (m_null.get() < 0) {
    return make_error("bench.command_spawn_failed",
                      fmt::format("cannot open /dev/null: {}", std::strerror(errno)));
  }
  // In memory rather than a pipe: a chatty command never blocks on a full
  // pipe and no thread has to drain it. Emptied after every child.
  int err = ::memfd_create("homeboy-exec-stderr", MFD_CLOEXEC);
  if (err < 0) {
    err = ::open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  }
  m_stderr.reset(err >= 0 ? err : ::fcntl(m_null.get(), F_DUPFD_CLOEXEC, 0));
  posix_spawn_file_actions_adddup2(&m_actions, m_null.get(), 0);
  posix_spawn_file_actions_adddup2(&m_actions, m_null.get(), 1);
  posix_spawn_file_actions_adddup2(&m_actions, m_stderr.get(), 2);
  if (!m_options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&m_actions, m_options.cwd.c_str());
  }
  // Own process group (a terminal's Ctrl-C reaches homeboy only); default
  // dispositions and an empty mask, whatever ours are.
  sigset_t defaults, empty;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&m_attr, &empty);
  posix_spawnattr_setsigdefault(&m_attr, &defaults);
  // One group for every child, led by a guard that kills it if homeboy
  // dies (a timed command must not keep loading the machine).
  if (!m_options.group) {
    auto own = GroupGuard::create();
    if (!own) {
      return Unexpected(own.error());
    }
    m_own_group = std::move(*own);
  }
  auto pgid = (m_options.group ? m_options.group : &m_own_group)->ensure();
  if (!pgid) {
    return Unexpected(pgid.error());
  }
  m_pgid = *pgid;
  posix_spawnattr_setpgroup(&m_attr, m_pgid);
  posix_spawnattr_setflags(&m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETSIGDEF);
  return {};
}

Result<Outcome>
Spawner::run(const Program& program)
{
  Outcome outcome;
  pid_t pid = 0;
  timespec start{}, end{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  int rc = ::posix_spawn(&pid, program.path.c_str(), &m_actions, &m_attr, program.argv.data(),
                         m_envp.data());
  if (rc != 0) {
    // The program was found before the run, so ENOENT now means a missing
    // #! interpreter (or a program removed since).
    return spawn_failed(program,
                        fmt::format("{}: {}{}", program.path, std::strerror(rc),
                                    rc == ENOENT ? " (is its #! interpreter missing?)" : ""),
                        rc);
  }
  int interruptions = 0;
  while (true) {
    pid_t waited = ::wait4(pid, &outcome.status, 0, &outcome.usage);
    if (waited == pid) {
      break;
    }
    if (waited < 0 && errno != EINTR) {
      return make_error("bench.command_spawn_failed",
                        fmt::format("cannot wait for {} (`{}`): {}", program.label,
                                    program.command, std::strerror(errno)));
    }
    // A signal (SIGINT with install_interrupt_handlers) woke us up.
    if (m_options.should_cancel && m_options.should_cancel()) {
      ::kill(-m_pgid, interruptions++ == 0 ? SIGTERM : SIGKILL);
      outcome.cancelled = true;
    }
  }
  ::clock_gettime(CLOCK_MONOTONIC, &end);
  outcome.wall_ms = timespec_ms(start, end);
  return outcome;
}

std::string
Spawner::take_stderr(bool keep)
{
  std::string tail;
  off_t written = ::lseek(m_stderr.get(), 0, SEEK_CUR);
  if (written <= 0) {
    return tail;
  }
  if (keep) {
    struct stat info{};
    off_t size = ::fstat(m_stderr.get(), &info) == 0 ? info.st_size : written;
    off_t from = std::max<off_t>(0, size - static_cast<off_t>(k_stderr_tail_bytes));
    tail.resize(static_cast<std::size_t>(size - from));
    ssize_t n = ::pread(m_stderr.get(), tail.data(), tail.size(), from);
    tail.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    // Start on a character boundary.
    std::size_t skip = 0;
    while (from > 0 && skip < tail.size() && skip < 3
           && (static_cast<unsigned char>(tail[skip]) & 0xC0) == 0x80) {
      ++skip;
    }
    tail.erase(0, skip);
  }
  if (::ftruncate(m_stderr.get(), 0) == 0) {
    ::lseek(m_stderr.get(), 0, SEEK_SET);
  }
  return tail;
}

IterationFailure
make_failure(std::uint64_t iteration, bool warmup, const Outcome& outcome, std::string tail)
{
  IterationFailure failure;
  failure.iteration = iteration;
  failure.warmup = warmup;
  if (WIFEXITED(outcome.status)) {
    failure.exit_code = WEXITSTATUS(outcome.status);
  } else if (WIFSIGNALED(outcome.status)) {
    failure.signal = WTERMSIG(outcome.status);
  }
  failure.stderr_tail = std::move(tail);
  return failure;
}

bool
succeeded(const Outcome& outcome)
{
  return WIFEXITED(outcome.status) && WEXITSTATUS(outcome.status) == 0;
}

} // namespace timing_detail

std::string
IterationFailure::describe() const
{
  std::string suffix = under.empty() ? "" : " " + under;
  if (exit_code) {
    return fmt::format("exited with code {}{}", *exit_code, suffix);
  }
  const char* name = signal ? sigabbrev_np(*signal) : nullptr;
  return name ? fmt::format("killed by SIG{}{}", name, suffix)
              : fmt::format("killed by signal {}{}", signal.value_or(0), suffix);
}

} // namespace hb::bench

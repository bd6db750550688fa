#include "bench/command_timing.hpp"

#include "stats/descriptive.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <limits>
#include <random>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hb::bench {

namespace {

constexpr std::size_t k_stderr_tail_bytes = 2048;
constexpr const char* k_shell = "/bin/sh";

// ---- Splitting and the shell rule ----

bool
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n';
}

bool
is_shell_special(char c)
{
  constexpr std::string_view special = "|&;<>()$`*?[]{}~#!";
  return special.find(c) != std::string_view::npos;
}

bool
is_assignment(std::string_view word)
{
  auto eq = word.find('=');
  if (eq == 0 || eq == std::string_view::npos) {
    return false;
  }
  auto name_char = [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); };
  if (std::isdigit(static_cast<unsigned char>(word[0]))) {
    return false;
  }
  return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), name_char);
}

// Builtins and keywords with no program of the same name on a usual system
// (echo, printf, test, true, kill, pwd have one, so they run shell-less).
constexpr std::string_view k_shell_words[] = {
  ".",        ":",        "[[",      "alias",    "bg",      "break",   "builtin", "case",
  "cd",       "command",  "continue", "declare", "do",      "done",    "elif",    "else",
  "esac",     "eval",     "exec",    "exit",     "export",  "fc",      "fg",      "fi",
  "for",      "function", "getopts", "hash",     "if",      "jobs",    "let",     "local",
  "read",     "readonly", "return",  "select",   "set",     "shift",   "source",  "then",
  "time",     "times",    "trap",    "typeset",  "ulimit",  "umask",   "unalias", "unset",
  "until",    "wait",     "while"};

bool
is_shell_word(std::string_view word)
{
  return std::find(std::begin(k_shell_words), std::end(k_shell_words), word)
         != std::end(k_shell_words);
}

// ---- Children ----

double
timespec_ms(const timespec& from, const timespec& to)
{
  return static_cast<double>(to.tv_sec - from.tv_sec) * 1e3
         + static_cast<double>(to.tv_nsec - from.tv_nsec) / 1e6;
}

double
timeval_ms(const timeval& value)
{
  return static_cast<double>(value.tv_sec) * 1e3 + static_cast<double>(value.tv_usec) / 1e3;
}

class Fd
{
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset(int fd)
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = fd;
  }

private:
  int m_fd;
};

/// A command ready to start: the resolved program and argv, built once.
struct Program
{
  std::string label; // "command `name`" or "--prepare command"
  std::string command;
  bool shell = false;
  std::string path;              // what posix_spawn executes
  std::vector<std::string> args; // argv, argv[0] as written
  std::vector<char*> argv;       // pointers into args, null-terminated (moving a
                                 // Program keeps them valid: the strings stay put)
};

/// What one child did.
struct Outcome
{
  int status = 0;
  struct rusage usage{};
  double wall_ms = 0;
  bool cancelled = false;
};

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

/// Spawns children with everything that does not change between them
/// prepared once: file actions, attributes, environment, /dev/null and the
/// stderr file.
class Spawner
{
public:
  explicit Spawner(const TimingOptions& options) : m_options(options)
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
  ~Spawner()
  {
    posix_spawn_file_actions_destroy(&m_actions);
    posix_spawnattr_destroy(&m_attr);
  }
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  Result<void> open()
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

  /// Runs `program` to completion. Fails only when it cannot be started.
  Result<Outcome> run(const Program& program)
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

  /// The end of what the last child wrote to stderr, when `keep`; empties
  /// the file for the next one either way.
  std::string take_stderr(bool keep)
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

private:
  const TimingOptions& m_options;
  posix_spawn_file_actions_t m_actions;
  posix_spawnattr_t m_attr;
  std::vector<std::string> m_env_entries;
  std::vector<char*> m_envp;
  Fd m_null;
  Fd m_stderr;
  GroupGuard m_own_group;
  int m_pgid = 0;
};

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

/// A uniform integer in [0, n), n > 0, without modulo bias.
std::uint64_t
bounded(std::mt19937_64& rng, std::uint64_t n)
{
  const std::uint64_t threshold = (std::uint64_t{0} - n) % n; // 2^64 mod n
  while (true) {
    std::uint64_t r = rng();
    if (r >= threshold) {
      return r % n;
    }
  }
}

void
shuffle(std::vector<std::size_t>& order, std::mt19937_64& rng)
{
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[bounded(rng, i)]);
  }
}

Result<void>
validate(const std::vector<TimedCommand>& commands, const TimingOptions& options)
{
  if (commands.empty()) {
    return make_error("validation.invalid_argument", "no commands to time");
  }
  if (options.iterations == 0) {
    return make_error("validation.invalid_argument", "iterations must be at least 1");
  }
  std::error_code ec;
  if (!options.cwd.empty() && !std::filesystem::is_directory(options.cwd, ec)) {
    return make_error("validation.invalid_argument",
                      fmt::format("working directory {} is not a directory",
                                  options.cwd.string()));
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].name.empty()) {
      return make_error("validation.invalid_argument",
                        fmt::format("command `{}` has an empty name; write NAME=COMMAND",
                                    commands[i].command));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (commands[j].name == commands[i].name) {
        return make_error("validation.invalid_argument",
                          fmt::format("two commands are named `{}`; names must be unique",
                                      commands[i].name));
      }
    }
  }
  return {};
}

double
sample_stddev(const std::vector<double>& values)
{
  if (values.size() < 2) {
    return 0;
  }
  double mean = stats::mean(values);
  double sum = 0;
  for (double value : values) {
    sum += (value - mean) * (value - mean);
  }
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

} // namespace

Result<std::vector<std::string>>
split_command(std::string_view command)
{
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  auto unterminated = [&](std::string_view what) {
    return make_error("validation.invalid_argument",
                      fmt::format("command `{}` has an unterminated {}", command, what),
                      dump_json(Json{{"command", std::string(command)}}));
  };
  while (i < command.size()) {
    char c = command[i];
    if (is_blank(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
    } else if (c == '\'') {
      auto close = command.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return unterminated("single quote (')");
      }
      word.append(command.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      while (true) {
        if (i >= command.size()) {
          return unterminated("double quote (\")");
        }
        char d = command[i];
        if (d == '"') {
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < command.size()) {
          char next = command[i + 1];
          if (next == '\n') {
            i += 2;
            continue;
          }
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            word += next;
            i += 2;
            continue;
          }
        }
        word += d;
        ++i;
      }
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        word += c; // a trailing backslash stays literal
        in_word = true;
        ++i;
      } else if (command[i + 1] == '\n') {
        i += 2; // line continuation
      } else {
        word += command[i + 1];
        in_word = true;
        i += 2;
      }
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  if (words.empty()) {
    return make_error("validation.invalid_argument",
                      fmt::format("command `{}` is empty; give a program and its arguments",
                                  command),
                      dump_json(Json{{"command", std::string(command)}}));
  }
  return words;
}

bool
needs_shell(std::string_view command)
{
  bool in_single = false;
  bool in_double = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == '\n') {
      return true;
    }
    if (in_single) {
      in_single = c != '\'';
      continue;
    }
    if (c == '\\') {
      ++i; // the escaped character is literal for the shell and for us
      continue;
    }
    if (c == '\'' && !in_double) {
      in_single = true;
    } else if (c == '"') {
      in_double = !in_double;
    } else if (is_shell_special(c)) {
      return true;
    }
  }
  if (in_single || in_double) {
    return false; // split_command reports the unterminated quote
  }
  auto words = split_command(command);
  if (!words) {
    return false;
  }
  // The first word as written: an assignment must be unquoted to count.
  std::string_view raw = command.substr(command.find_first_not_of(" \t"));
  raw = raw.substr(0, raw.find_first_of(" \t"));
  return is_assignment(raw) || is_shell_word(words->front());
}

std::string
IterationFailure::describe() const
{
  if (exit_code) {
    return fmt::format("exited with code {}", *exit_code);
  }
  const char* name = signal ? sigabbrev_np(*signal) : nullptr;
  return name ? fmt::format("killed by SIG{}", name)
              : fmt::format("killed by signal {}", signal.value_or(0));
}

Result<TimingRun>
time_commands(const std::vector<TimedCommand>& commands, const TimingOptions& options)
{
  if (auto valid = validate(commands, options); !valid) {
    return Unexpected<Error>(valid.error());
  }
  // Everything that can be checked is checked before anything runs.
  std::vector<Program> programs;
  programs.reserve(commands.size());
  for (const auto& command : commands) {
    auto program = make_program(fmt::format("command `{}`", command.name), command.command,
                                options.force_shell || command.use_shell, options);
    if (!program) {
      return Unexpected<Error>(std::move(program).error());
    }
    programs.push_back(std::move(*program));
  }
  std::optional<Program> prepare;
  if (options.prepare) {
    auto program = make_program("the --prepare command", *options.prepare, options.force_shell,
                                options);
    if (!program) {
      return Unexpected<Error>(std::move(program).error());
    }
    prepare = std::move(*program);
  }
  Spawner spawner(options);
  if (auto opened = spawner.open(); !opened) {
    return Unexpected<Error>(opened.error());
  }

  TimingRun run;
  run.seed = options.seed;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    CommandTiming timing;
    timing.name = commands[i].name;
    timing.command = commands[i].command;
    timing.argv = programs[i].args;
    timing.shell = programs[i].shell;
    for (auto* samples : {&timing.wall_ms, &timing.user_ms, &timing.sys_ms, &timing.max_rss_kb}) {
      samples->reserve(options.iterations);
    }
    run.commands.push_back(std::move(timing));
  }

  std::mt19937_64 rng(options.seed);
  std::vector<std::size_t> order(commands.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  auto cancel_requested = [&] { return options.should_cancel && options.should_cancel(); };
  const std::uint64_t rounds = options.warmup + options.iterations;
  for (std::uint64_t round = 0; round < rounds; ++round) {
    const bool warmup = round < options.warmup;
    const std::uint64_t iteration = warmup ? round + 1 : round - options.warmup + 1;
    shuffle(order, rng);
    if (round == 0) {
      for (std::size_t index : order) {
        run.order_sample.push_back(commands[index].name);
      }
    }
    for (std::size_t index : order) {
      CommandTiming& timing = run.commands[index];
      if (prepare) {
        if (cancel_requested()) {
          run.cancelled = true;
          return run;
        }
        auto outcome = spawner.run(*prepare);
        if (!outcome) {
          return Unexpected<Error>(std::move(outcome).error());
        }
        if (outcome->cancelled) {
          spawner.take_stderr(false);
          run.cancelled = true;
          return run;
        }
        if (!succeeded(*outcome)) {
          auto failure = make_failure(iteration, warmup, *outcome, spawner.take_stderr(true));
          std::string tail =
            failure.stderr_tail.empty() ? "" : "; its stderr ends:\n" + failure.stderr_tail;
          return make_error(
            "bench.prepare_failed",
            fmt::format("the --prepare command (`{}`) {} before {}iteration {} of `{}`{}",
                        prepare->command, failure.describe(), warmup ? "warmup " : "", iteration,
                        timing.name, tail),
            dump_json(Json{{"command", prepare->command}, {"name", timing.name}}));
        }
        spawner.take_stderr(false);
      }
      if (cancel_requested()) {
        run.cancelled = true;
        return run;
      }
      auto outcome = spawner.run(programs[index]);
      if (!outcome) {
        return Unexpected<Error>(std::move(outcome).error());
      }
      if (outcome->cancelled) {
        spawner.take_stderr(false);
        run.cancelled = true;
        return run;
      }
      if (!succeeded(*outcome)) {
        timing.failures.push_back(
          make_failure(iteration, warmup, *outcome, spawner.take_stderr(true)));
        continue;
      }
      spawner.take_stderr(false);
      if (warmup) {
        continue;
      }
      timing.wall_ms.push_back(outcome->wall_ms);
      timing.user_ms.push_back(timeval_ms(outcome->usage.ru_utime));
      timing.sys_ms.push_back(timeval_ms(outcome->usage.ru_stime));
      timing.max_rss_kb.push_back(static_cast<double>(outcome->usage.ru_maxrss));
    }
  }
  return run;
}

std::string
timing_results_json(const TimingRun& run, const TimingOptions& options, double threshold_percent,
                    std::string_view component_id)
{
  Json scenarios = Json::array();
  for (const auto& timing : run.commands) {
    Json metrics = Json::object();
    if (!timing.wall_ms.empty()) {
      auto sorted = stats::sorted_copy(timing.wall_ms);
      double median = stats::percentile_sorted(sorted, 0.5);
      metrics["wall_ms"] = median;
      metrics["mean_ms"] = stats::mean(timing.wall_ms);
      metrics["median_ms"] = median;
      metrics["p95_ms"] = stats::percentile_sorted(sorted, 0.95);
      metrics["min_ms"] = sorted.front();
      metrics["max_ms"] = sorted.back();
      metrics["stddev_ms"] = sample_stddev(timing.wall_ms);
      metrics["user_ms"] = stats::mean(timing.user_ms);
      metrics["sys_ms"] = stats::mean(timing.sys_ms);
      metrics["max_rss_kb"] = *std::max_element(timing.max_rss_kb.begin(),
                                                timing.max_rss_kb.end());
    }
    metrics["failed_iterations"] = timing.failures.size();
    if (!timing.wall_ms.empty()) {
      metrics["distributions"] = {{"wall_ms", timing.wall_ms},
                                  {"user_ms", timing.user_ms},
                                  {"sys_ms", timing.sys_ms},
                                  {"max_rss_kb", timing.max_rss_kb}};
    }
    Json failures = Json::array();
    for (const auto& failure : timing.failures) {
      Json entry = {{"iteration", failure.iteration}, {"warmup", failure.warmup}};
      if (failure.exit_code) {
        entry["exit_code"] = *failure.exit_code;
      }
      if (failure.signal) {
        entry["signal"] = *failure.signal;
      }
      entry["description"] = failure.describe();
      entry["stderr_tail"] = failure.stderr_tail;
      failures.push_back(std::move(entry));
    }
    Json scenario = {
      {"id", timing.name},
      {"iterations", options.iterations},
      {"source", "exec"},
      {"metadata",
       {{"command", timing.command},
        {"argv", timing.argv},
        {"shell", timing.shell},
        {"successful_iterations", timing.wall_ms.size()},
        {"failures", std::move(failures)}}},
      {"metrics", std::move(metrics)},
      // Failed iterations fail the bench like any gate.
      {"gates", Json::array({{{"metric", "failed_iterations"}, {"op", "lte"}, {"value", 0}}})},
    };
    scenarios.push_back(std::move(scenario));
  }
  Json order = Json::array();
  for (const auto& name : run.order_sample) {
    order.push_back(name);
  }
  Json run_metadata = {
    {"source", "homeboy bench --exec"},
    {"seed", run.seed},
    {"warmup_iterations", options.warmup},
    {"order_sample", std::move(order)},
    {"shell", options.force_shell},
    {"prepare", options.prepare ? Json(*options.prepare) : Json(nullptr)},
    {"cancelled", run.cancelled},
  };
  Json document = {
    {"component_id", std::string(component_id)},
    {"iterations", options.iterations},
    {"run_metadata", std::move(run_metadata)},
    {"metric_policies",
     {{"wall_ms",
       {{"direction", "lower_is_better"},
        {"variance_aware", true},
        {"regression_test", "mann_whitney_u"},
        {"regression_threshold_percent", threshold_percent}}}}},
    {"scenarios", std::move(scenarios)},
  };
  return dump_json(document, 2);
}

} // namespace hb::bench

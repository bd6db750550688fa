#include "integration/harness.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace hbit {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds
since(Clock::time_point start)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

std::string
truncated(const std::string& text, std::size_t limit = 4000)
{
  if (text.size() <= limit) {
    return text;
  }
  return text.substr(0, limit) + "\n... (" + std::to_string(text.size() - limit) + " more bytes)";
}

bool
starts_with(const std::string& text, const std::string& prefix)
{
  return text.rfind(prefix, 0) == 0;
}

} // namespace

// ---------------------------------------------------------------- RunResult

Json
RunResult::json() const
{
  try {
    return Json::parse(out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not JSON (" << e.what() << ")\n" << describe();
    return nullptr;
  }
}

Json
RunResult::payload() const
{
  Json envelope = json();
  if (!envelope.is_object() || envelope.value("success", false) != true
      || !envelope.contains("data") || !envelope["data"].contains("payload")) {
    ADD_FAILURE() << "not a success envelope\n" << describe();
    return nullptr;
  }
  return envelope["data"]["payload"];
}

std::string
RunResult::describe() const
{
  std::ostringstream s;
  s << "command:";
  for (const auto& a : argv) {
    s << ' ' << a;
  }
  s << "\nexit: " << exit_code;
  if (term_signal) s << " (signal " << term_signal << ")";
  if (timed_out) s << " (TIMED OUT)";
  s << "\n--- stdout ---\n" << truncated(out) << "\n--- stderr ---\n" << truncated(err) << "\n";
  return s.str();
}

// ------------------------------------------------------------------ Process

Process::Process(pid_t pid, int out_fd, int err_fd, bool out_is_pty, std::vector<std::string> argv,
                 std::chrono::milliseconds timeout)
  : m_pid(pid), m_out_fd(out_fd), m_err_fd(err_fd), m_out_is_pty(out_is_pty),
    m_argv(std::move(argv)), m_timeout(timeout), m_start(Clock::now())
{
}

Process::~Process()
{
  if (!m_reaped) {
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  if (m_out_fd >= 0) ::close(m_out_fd);
  if (m_err_fd >= 0) ::close(m_err_fd);
}

RunResult
Process::wait()
{
  RunResult result;
  result.argv = m_argv;
  int fds[2] = {m_out_fd, m_err_fd};
  std::string* sinks[2] = {&result.out, &result.err};
  int status = 0;
  bool exited = m_reaped;
  Clock::time_point exited_at;
  while (true) {
    if (!exited) {
      pid_t w = ::waitpid(m_pid, &status, WNOHANG);
      if (w == m_pid) {
        exited = true;
        m_reaped = true;
        exited_at = Clock::now();
      }
    }
    bool open = fds[0] >= 0 || fds[1] >= 0;
    if (exited && !open) {
      break;
    }
    // Grandchildren that outlive homeboy may hold the pipes: give them a
    // moment after the exit, then stop listening.
    if (exited && since(exited_at) > 2s) {
      break;
    }
    if (!exited && since(m_start) > m_timeout) {
      result.timed_out = true;
      ::kill(-m_pid, SIGKILL);
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
      m_reaped = true;
      exited = true;
      exited_at = Clock::now() - 2s; // do not linger
      break;
    }
    struct pollfd pfds[2];
    int map[2];
    nfds_t count = 0;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        pfds[count] = {fds[i], POLLIN, 0};
        map[count++] = i;
      }
    }
    if (count == 0) {
      std::this_thread::sleep_for(5ms);
      continue;
    }
    int ready = ::poll(pfds, count, 20);
    if (ready <= 0) {
      continue;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      int idx = map[i];
      char buffer[65536];
      ssize_t n = ::read(fds[idx], buffer, sizeof buffer);
      if (n > 0) {
        sinks[idx]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        // EOF, or EIO from a pty whose slave side is closed.
        ::close(fds[idx]);
        fds[idx] = -1;
      }
    }
  }
  for (int& fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  m_out_fd = m_err_fd = -1;
  if (m_out_is_pty) {
    // The terminal turns \n into \r\n.
    std::string cleaned;
    for (char c : result.out) {
      if (c != '\r') cleaned += c;
    }
    result.out = std::move(cleaned);
  }
  result.elapsed = since(m_start);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  }
  return result;
}

// -------------------------------------------------------------- HomeboyTest

void
HomeboyTest::SetUp()
{
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  std::string pattern = base + "/hb-it-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  ASSERT_NE(::mkdtemp(buf.data()), nullptr) << std::strerror(errno);
  root_ = canonical(buf.data());
  home_ = root_ / "home";
  data_ = root_ / "data";
  work_ = root_ / "work";
  config_ = home_ / ".config" / "homeboy";
  fs::create_directories(home_);
  fs::create_directories(work_);
}

void
HomeboyTest::TearDown()
{
  const char* keep = std::getenv("HB_IT_KEEP");
  if (keep && *keep) {
    std::fprintf(stderr, "kept test dir %s\n", root_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::map<std::string, std::string>
HomeboyTest::base_env() const
{
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text(*entry);
    auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    std::string name = text.substr(0, eq);
    if (name == "HOME" || name == "NO_COLOR" || name == "CI" || name == "TERM"
        || starts_with(name, "XDG_") || starts_with(name, "HOMEBOY_")) {
      continue;
    }
    env[name] = text.substr(eq + 1);
  }
  if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  env["HOME"] = home_.string();
  env["HOMEBOY_DATA_DIR"] = data_.string();
  env["TERM"] = "xterm";
  // Keep invocation dirs inside the test dir too.
  env["HOMEBOY_INVOCATION_RUNTIME_DIR"] = (root_ / "inv").string();
  // A fixed machine speed: the tests run two at a time on a shared machine,
  // and a probe that read the load would turn their verdicts on times into
  // `inconclusive` at random. Tests of the speed index set their own.
  env["HOMEBOY_TEST_SPEED_INDEX"] = "100";
  // The same for the resource policy: a real reading on a shared machine
  // would put a warm/hot warning on stderr at random. Tests of the policy
  // set their own (or remove it).
  env["HOMEBOY_TEST_RESOURCE_STATE"] = "cold";
  return env;
}

namespace {

std::unique_ptr<Process>
spawn_in(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         const fs::path& cwd, const RunOptions& options)
{
  if (argv.empty()) {
    ADD_FAILURE() << "spawn: empty argv";
    return nullptr;
  }
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  std::string slave_name;
  if (options.stdout_tty) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
      ADD_FAILURE() << "cannot open a pty: " << std::strerror(errno);
      return nullptr;
    }
    slave_name = ::ptsname(master);
    out_pipe[0] = master;
    // Hold the slave open until the child has it, so the master never sees
    // a hang-up before the child starts.
    out_pipe[1] = ::open(slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  } else if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return nullptr;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return nullptr;
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (options.stdout_tty) {
    posix_spawn_file_actions_addopen(&actions, 1, slave_name.c_str(), O_RDWR | O_NOCTTY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  }
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  sigset_t defaults, empty;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // Its own process group, so a timeout can stop everything it started.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                    | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_entries;
  for (const auto& [k, v] : env) env_entries.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  std::vector<char*> cargv;
  for (auto& a : argv_copy) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  // posix_spawnp searches the PATH of *our* environment; resolve against the
  // child's PATH ourselves when argv[0] has no slash.
  std::string program = argv[0];
  if (program.find('/') == std::string::npos) {
    auto path_it = env.find("PATH");
    std::string path = path_it == env.end() ? "/usr/bin:/bin" : path_it->second;
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
      if (::access(candidate.c_str(), X_OK) == 0) {
        program = candidate.string();
        break;
      }
    }
  }

  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ADD_FAILURE() << "cannot spawn " << program << ": " << std::strerror(rc);
    return nullptr;
  }
  return std::make_unique<Process>(pid, out_pipe[0], err_pipe[0], options.stdout_tty, argv,
                                   options.timeout);
}

} // namespace

std::unique_ptr<Process>
HomeboyTest::start(const std::vector<std::string>& args, const RunOptions& options)
{
  std::vector<std::string> argv = {HB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = base_env();
  for (const auto& [k, v] : options.env) {
    if (v) env[k] = *v;
    else env.erase(k);
  }
  return spawn_in(argv, env, options.cwd.empty() ? work_ : options.cwd, options);
}

RunResult
HomeboyTest::run_with(const std::vector<std::string>& args, const RunOptions& options)
{
  auto process = start(args, options);
  if (!process) {
    RunResult failed;
    failed.argv = args;
    return failed;
  }
  return process->wait();
}

RunResult
HomeboyTest::run(const std::vector<std::string>& args, const EnvOverrides& env, const fs::path& cwd)
{
  RunOptions options;
  options.env = env;
  options.cwd = cwd;
  return run_with(args, options);
}

RunResult
HomeboyTest::exec(const std::vector<std::string>& argv, const RunOptions& options)
{
  auto env = base_env();
  for (const auto& [k, v] : options.env) {
    if (v) env[k] = *v;
    else env.erase(k);
  }
  auto process = spawn_in(argv, env, options.cwd.empty() ? work_ : options.cwd, options);
  if (!process) {
    RunResult failed;
    failed.argv = argv;
    return failed;
  }
  return process->wait();
}

RunResult
HomeboyTest::bench_json(const std::vector<std::string>& args, const EnvOverrides& env,
                        const fs::path& cwd)
{
  // --json goes before any `--`, after which everything is the runner's.
  std::vector<std::string> full = {"bench"};
  auto dashdash = std::find(args.begin(), args.end(), std::string("--"));
  full.insert(full.end(), args.begin(), dashdash);
  full.push_back("--json");
  full.insert(full.end(), dashdash, args.end());
  return run(full, env, cwd);
}

fs::path
HomeboyTest::fixture_runner(const std::string& name)
{
  return fs::path(HB_FIXTURES_DIR) / "runners" / name;
}

fs::path
HomeboyTest::make_component(const std::string& id, const std::string& runner,
                            const ComponentOptions& options)
{
  fs::path dir = work_ / id;
  fs::create_directories(dir);
  if (options.homeboy_json_text) {
    write_file(dir / "homeboy.json", *options.homeboy_json_text);
  } else {
    OrderedJson doc = {{"id", id}, {"scripts", {{"bench", {"./runner.sh"}}}}};
    for (const auto& [k, v] : options.extra.items()) {
      doc[k] = v;
    }
    write_file(dir / "homeboy.json", doc.dump(2) + "\n");
  }
  if (!runner.empty()) {
    fs::path source = fixture_runner(runner);
    EXPECT_TRUE(fs::is_regular_file(source)) << "no fixture runner " << source;
    fs::copy_file(source, dir / "runner.sh", fs::copy_options::overwrite_existing);
    make_executable(dir / "runner.sh");
  }
  if (options.register_it) {
    auto r = run({"component", "create", "--local-path", dir.string()});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  return dir;
}

fs::path
HomeboyTest::make_extension(const std::string& id, const std::string& runner)
{
  fs::path dir = config_ / "extensions" / id;
  fs::create_directories(dir / "scripts" / "bench");
  Json manifest = {{"id", id},
                   {"name", "Test extension " + id},
                   {"bench", {{"extension_script", "scripts/bench/bench-runner.sh"}}}};
  write_file(dir / (id + ".json"), manifest.dump(2) + "\n");
  fs::copy_file(fixture_runner(runner), dir / "scripts" / "bench" / "bench-runner.sh",
                fs::copy_options::overwrite_existing);
  make_executable(dir / "scripts" / "bench" / "bench-runner.sh");
  return dir;
}

std::vector<Json>
HomeboyTest::list_runs(const std::vector<std::string>& filters)
{
  std::vector<std::string> args = {"runs", "list", "--json", "--limit", "1000"};
  args.insert(args.end(), filters.begin(), filters.end());
  auto r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  Json payload = r.payload();
  std::vector<Json> out;
  if (payload.is_object() && payload.contains("runs") && payload["runs"].is_array()) {
    for (const auto& run : payload["runs"]) out.push_back(run);
  } else {
    ADD_FAILURE() << "runs list payload has no runs array\n" << r.describe();
  }
  return out;
}

Json
HomeboyTest::show_run(const std::string& id)
{
  auto r = run({"runs", "show", id, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  Json payload = r.payload();
  if (!payload.is_object() || !payload.contains("run")) {
    ADD_FAILURE() << "runs show payload has no run\n" << r.describe();
    return nullptr;
  }
  return payload["run"];
}

std::vector<Json>
HomeboyTest::run_findings(const std::string& run_id)
{
  auto r = run({"runs", "findings", run_id, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  Json payload = r.payload();
  std::vector<Json> out;
  if (payload.is_object() && payload.contains("findings") && payload["findings"].is_array()) {
    for (const auto& f : payload["findings"]) out.push_back(f);
  } else {
    ADD_FAILURE() << "runs findings payload has no findings array\n" << r.describe();
  }
  return out;
}

std::string
HomeboyTest::sqlite(const std::string& sql)
{
  // A busy timeout, as homeboy's own connections have: a daemon or worker
  // writing at that instant must not fail the test's statement.
  auto r = exec({"sqlite3", "-batch", "-cmd", ".timeout 10000", (data_ / "homeboy.sqlite").string(),
                 sql});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string
HomeboyTest::read_file(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void
HomeboyTest::write_file(const fs::path& path, const std::string& text)
{
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

void
HomeboyTest::make_executable(const fs::path& path, bool executable)
{
  ::chmod(path.c_str(), executable ? 0755 : 0644);
}

std::map<std::string, std::string>
HomeboyTest::read_env_dump(const fs::path& path)
{
  std::map<std::string, std::string> env;
  for (const auto& entry : read_nul_list(path)) {
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

std::vector<std::string>
HomeboyTest::read_nul_list(const fs::path& path)
{
  std::string text = read_file(path);
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\0', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool
HomeboyTest::wait_for_file(const fs::path& path, std::chrono::milliseconds timeout)
{
  auto start = Clock::now();
  while (since(start) < timeout) {
    std::error_code ec;
    if (fs::exists(path, ec)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool
HomeboyTest::process_gone(pid_t pid)
{
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  // Reparented and exited but not reaped yet: a zombie runs nothing.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool
HomeboyTest::has_escape_codes(const std::string& text)
{
  return text.find('\x1b') != std::string::npos;
}

fs::path
HomeboyTest::canonical(const fs::path& path)
{
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  return ec ? path : c;
}

std::vector<std::string>
ids_of(const std::vector<Json>& runs)
{
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.value("id", ""));
  return ids;
}

} // namespace hbit

#pragma once
// Integration test harness: every test gets a fresh temporary directory with
// its own HOME (<tmp>/home) and data dir (<tmp>/data), and drives the real
// `homeboy` binary (HB_BINARY) through fork-free posix_spawn with an argv
// vector, capturing stdout, stderr and the exit status under a timeout.
//
// Tests assert what a user sees: exit codes, stdout/stderr text, the JSON
// envelopes of `--json`, and the store as `homeboy runs ...` shows it. The
// sqlite3 command-line tool is only used where the CLI cannot show something
// (e.g. that no `running` row is left behind).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hbit {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using namespace std::chrono_literals;

/// Environment changes for one command: a value sets the variable, nullopt
/// removes it.
using EnvOverrides = std::map<std::string, std::optional<std::string>>;

struct RunOptions
{
  EnvOverrides env;
  fs::path cwd;                              // empty: the test's work dir
  std::chrono::milliseconds timeout = 30s;   // the child is SIGKILLed after this
  bool stdout_tty = false;                   // stdout is a pseudo-terminal
};

struct RunResult
{
  std::vector<std::string> argv;
  int exit_code = -1;        // the exit status, or 128 + signal
  int term_signal = 0;       // the signal that ended it, if any
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};

  /// stdout parsed as JSON; records a test failure and returns null when it
  /// is not JSON.
  Json json() const;
  /// `data.payload` of a success envelope (records a failure otherwise).
  Json payload() const;
  /// For assertion messages: the command, its exit status and its output.
  std::string describe() const;
};

/// A child started with HomeboyTest::start; wait() collects it.
class Process
{
public:
  Process(pid_t pid, int out_fd, int err_fd, bool out_is_pty, std::vector<std::string> argv,
          std::chrono::milliseconds timeout);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return m_pid; }
  /// Reads the output until both streams close and the child is reaped, or
  /// the timeout passes (then the child's process group is SIGKILLed).
  RunResult wait();

private:
  pid_t m_pid;
  int m_out_fd;
  int m_err_fd;
  bool m_out_is_pty;
  bool m_reaped = false;
  std::vector<std::string> m_argv;
  std::chrono::milliseconds m_timeout;
  std::chrono::steady_clock::time_point m_start;
};

struct ComponentOptions
{
  bool register_it = true;        // run `homeboy component create --local-path DIR`
  Json extra = Json::object();    // merged into the generated homeboy.json
  std::optional<std::string> homeboy_json_text; // written verbatim instead
};

class HomeboyTest : public ::testing::Test
{
protected:
  void SetUp() override;
  void TearDown() override;

  // --- running commands -------------------------------------------------
  /// Runs `homeboy <args...>`.
  RunResult run(const std::vector<std::string>& args, const EnvOverrides& env = {},
                const fs::path& cwd = {});
  /// The same with a timeout, a pty for stdout, ...
  RunResult run_with(const std::vector<std::string>& args, const RunOptions& options);
  /// Starts `homeboy <args...>` without waiting.
  std::unique_ptr<Process> start(const std::vector<std::string>& args,
                                 const RunOptions& options = {});
  /// Runs any program (argv[0] looked up in PATH) in the test environment.
  RunResult exec(const std::vector<std::string>& argv, const RunOptions& options = {});

  /// The environment every command gets: ours minus HOME, XDG_*, HOMEBOY_*,
  /// NO_COLOR and CI, plus HOME and HOMEBOY_DATA_DIR inside the temp dir and
  /// a fixed machine-speed index (HOMEBOY_TEST_SPEED_INDEX=100).
  std::map<std::string, std::string> base_env() const;

  // --- components --------------------------------------------------------
  /// Creates <work>/<id>/ with homeboy.json {"id", "scripts": {"bench":
  /// ["./runner.sh"]}} and the fixture runner tests/fixtures/runners/<runner>
  /// copied to runner.sh, and registers it unless told not to.
  fs::path make_component(const std::string& id, const std::string& runner,
                          const ComponentOptions& options = {});
  /// Writes <HOME>/.config/homeboy/extensions/<id>/<id>.json with a bench
  /// capability and copies `runner` to scripts/bench/bench-runner.sh.
  fs::path make_extension(const std::string& id, const std::string& runner);
  static fs::path fixture_runner(const std::string& name);

  // --- reading what a user sees -----------------------------------------
  /// `homeboy runs list --json --limit 1000 <filters>`: payload.runs.
  std::vector<Json> list_runs(const std::vector<std::string>& filters = {});
  /// `homeboy runs show <id> --json`: payload.run.
  Json show_run(const std::string& id);
  /// `homeboy runs findings <id> --json`: payload.findings.
  std::vector<Json> run_findings(const std::string& run_id);
  /// Runs `homeboy bench <args> --json` and returns the result; the caller
  /// checks the exit code.
  RunResult bench_json(const std::vector<std::string>& args, const EnvOverrides& env = {},
                       const fs::path& cwd = {});
  /// Runs one SQL statement with the sqlite3 CLI against the store; returns
  /// its stdout without the trailing newline.
  std::string sqlite(const std::string& sql);

  // --- files and processes -------------------------------------------------
  static std::string read_file(const fs::path& path);
  static void write_file(const fs::path& path, const std::string& text);
  static void make_executable(const fs::path& path, bool executable = true);
  /// NAME=value records separated by NUL bytes (`env -0`).
  static std::map<std::string, std::string> read_env_dump(const fs::path& path);
  /// Strings separated (terminated) by NUL bytes (`printf '%s\0' "$@"`).
  static std::vector<std::string> read_nul_list(const fs::path& path);
  static bool wait_for_file(const fs::path& path, std::chrono::milliseconds timeout);
  /// True when no such process exists (or it is only an unreaped zombie).
  static bool process_gone(pid_t pid);
  static bool has_escape_codes(const std::string& text);
  static fs::path canonical(const fs::path& path);

  fs::path root_;   // the per-test temp dir
  fs::path home_;   // HOME
  fs::path data_;   // HOMEBOY_DATA_DIR
  fs::path work_;   // default cwd; components live here
  fs::path config_; // <HOME>/.config/homeboy
};

/// Returns the ids of `runs` in order.
std::vector<std::string> ids_of(const std::vector<Json>& runs);

} // namespace hbit

#pragma once
// The one process supervisor: every child homeboy runs goes through
// run_process. The child gets a process group that dies with us (a
// GroupGuard's: ours when the caller passes none), an explicit environment
// and working directory, /dev/null as stdin, and its stdout/stderr captured to
// files and/or a callback. Timeout and cancellation stop the whole group
// (SIGTERM, a grace period, then SIGKILL).

#include "util/error.hpp"
#include "util/group_guard.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

/// A child's environment, built from a base (usually our own) plus changes.
class Environment
{
public:
  static Environment current();
  void set(const std::string& name, const std::string& value) { m_vars[name] = value; }
  void unset(const std::string& name) { m_vars.erase(name); }
  const std::string* get(const std::string& name) const;
  std::vector<std::string> entries() const; // "NAME=value"

private:
  std::map<std::string, std::string> m_vars;
};

enum class OutputStream { stdout_stream, stderr_stream };

struct SpawnSpec
{
  std::vector<std::string> argv;              // argv[0] is looked up in our PATH
  std::filesystem::path cwd;                  // empty: inherit
  Environment env = Environment::current();
  std::filesystem::path stdout_path;          // empty: not written to a file
  std::filesystem::path stderr_path;
  /// Called from the supervising thread with each chunk the child writes.
  std::function<void(OutputStream, std::string_view)> on_output;
  std::int64_t timeout_ms = 0;                // 0: none
  std::int64_t kill_grace_ms = 3000;          // SIGTERM to SIGKILL
  /// Polled about every `tick_ms`; true stops the child (cancelled).
  std::function<bool()> should_cancel;
  std::function<void()> on_tick;
  /// Called once, right after the child started, with its pid and its
  /// process group id (the group guard's pid).
  std::function<void(int pid, int pgid)> on_spawn;
  /// The group to start the child in; null: a guard of its own, for this
  /// child alone.
  GroupGuard* group = nullptr;
  int tick_ms = 100;
};

struct ProcessResult
{
  int pid = 0;
  int pgid = 0;
  std::optional<int> exit_code; // when the child exited
  std::optional<int> signal;    // when a signal ended it
  bool timed_out = false;
  bool cancelled = false;
  std::int64_t wall_ms = 0;
  double user_seconds = 0;
  double system_seconds = 0;
  std::int64_t max_rss_bytes = 0;

  /// The exit code a shell would report: the code, or 128 + signal.
  int shell_exit_code() const;
  /// For a child that is itself a shell (`sh -c`): an exit code of 128 + n
  /// means the command it ran was killed by signal n. Moves that into
  /// `signal` so callers see what happened.
  void interpret_shell_status();
  /// "exited with code 3", "killed by SIGKILL", ...
  std::string describe() const;
};

/// Runs a child to completion. Fails only when it cannot be started (error
/// `process.spawn_failed` naming the program and the reason).
Result<ProcessResult> run_process(const SpawnSpec& spec);

/// Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal, so a
/// long operation can settle its state before exiting.
void install_interrupt_handlers();
/// The first interrupting signal received, or 0.
int interrupt_signal();

/// Starts `program` (argv[0] of `args` is what the child sees) with `env`
/// in a session of its own, so no hang-up or Ctrl-C of ours reaches it:
/// stdin /dev/null, stdout and stderr appended to `log`, a clear signal
/// mask and the usual signals at their defaults. Does not wait; the child's
/// pid, or `process.spawn_failed` saying "<program>: <reason>".
Result<int> spawn_detached(const std::string& program, std::vector<std::string> args,
                           const Environment& env, const std::filesystem::path& log);

/// Whether a process with this pid exists, is not a zombie and, if
/// `start_time` is given, started at that time (guards against pid reuse).
/// Linux: /proc/<pid>/stat.
bool process_alive(int pid, std::optional<std::uint64_t> start_time = std::nullopt);
std::optional<std::uint64_t> process_start_time(int pid);
/// Sends `signal` to every process of the session `session_id` (Linux:
/// /proc/<pid>/stat), whatever process group it moved to; returns how many.
int kill_session(int session_id, int signal);
/// Sends `signal` to what is left of the process group `pgid` that a
/// process started at `leader_start_time` led: the whole group while that
/// leader lives; once it is gone, each member that started no earlier than
/// it (a reused group id has younger members only if its leader is ours).
/// Returns how many processes were signalled.
int kill_process_group(int pgid, std::optional<std::uint64_t> leader_start_time, int signal);

} // namespace hb

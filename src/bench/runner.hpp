#pragma once
// Finding and invoking a component's bench runner (compat.md "Runner
// environment"): the component's own scripts.bench, else the first linked
// extension that declares `bench`.

#include "bench/runtime_helpers.hpp"
#include "model/component.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hb::bench {

struct Runner
{
  std::string extension_id;           // "component-script" for scripts.bench
  std::filesystem::path extension_path;
  /// Each command's argv, run in order; the first failure stops the rest.
  std::vector<std::vector<std::string>> commands;
  std::string description;            // for messages: the script path or commands
};

/// Resolves the runner. Errors: `runner.not_found` (no scripts.bench and no
/// linked extension with a bench capability), `runner.not_executable`, and
/// the extension's own manifest errors.
Result<Runner> resolve_runner(const Paths& paths, const Component& component,
                              const std::vector<std::string>& runner_args);

struct RunnerInvocation
{
  std::string run_id;
  std::filesystem::path run_dir;
  std::filesystem::path results_file;
  /// Names this invocation's logs: runner.stdout<tag>.log (".round-2", ...).
  std::string log_tag;
  std::uint64_t iterations = 10;
  std::optional<std::uint64_t> warmup;
  std::vector<std::string> scenarios;
  bool list_only = false;
  std::vector<std::string> runner_args;
  std::string settings_json = "{}";
  /// `bench_env` settings: set after the component's `env`, before job_env.
  std::vector<std::pair<std::string, std::string>> bench_env;
  /// Set after the component's `env` (--ci-profile's job env); the
  /// HOMEBOY_* contract variables still win.
  std::vector<std::pair<std::string, std::string>> job_env;
  /// HOMEBOY_INVOCATION_* and TMPDIR (app/bench/isolation.hpp): set last,
  /// so a component's env cannot point two invocations at one directory.
  std::vector<std::pair<std::string, std::string>> invocation_env;
  /// The process group to start the runner in (util/group_guard); null:
  /// one of its own.
  GroupGuard* group = nullptr;
  /// --shared-state: HOMEBOY_BENCH_SHARED_STATE (empty: unset).
  std::filesystem::path shared_state;
  /// --concurrency N > 1: this instance (0-based) and N, exported as
  /// HOMEBOY_BENCH_INSTANCE_ID and HOMEBOY_BENCH_CONCURRENCY.
  std::optional<std::uint32_t> instance_id;
  std::uint32_t concurrency = 1;
  /// Called with each runner command's pid once it started (the peak-RSS
  /// monitor of app/bench attaches there).
  std::function<void(int pid)> on_spawn;
};

/// The child's environment: ours, the component's `env`, the runtime helper
/// variables, then every HOMEBOY_* variable of the runner contract.
Environment runner_environment(const Component& component, const Runner& runner,
                               const std::vector<HelperFile>& helpers,
                               const RunnerInvocation& invocation);

struct RunnerExit
{
  ProcessResult process;
  std::size_t commands_run = 0;
};

/// Runs the runner's commands in the component directory, capturing output
/// to <run dir>/runner.stdout.log and runner.stderr.log and passing it to
/// `on_output`. Stops at the first failing command or when `should_cancel`
/// says so.
Result<RunnerExit> invoke_runner(const Runner& runner, const Component& component,
                                 const Environment& env, const RunnerInvocation& invocation,
                                 const std::function<void(OutputStream, std::string_view)>& on_output,
                                 const std::function<bool()>& should_cancel);

/// The commit checked out at `dir` (read from .git without running git), or "".
std::string read_git_sha(const std::filesystem::path& dir);

} // namespace hb::bench

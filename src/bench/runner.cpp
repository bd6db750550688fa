#include "bench/runner.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdlib>
#include <unistd.h>

namespace hb::bench {

namespace stdfs = std::filesystem;

namespace {

// The first word of a scripts.bench command, when it names a file by path
// (./bench.sh, bin/run), must be executable: catching it here gives a fix
// instead of a shell's "exit 126" after a run was recorded.
Result<void>
check_script_program(const Component& component, const std::string& command)
{
  size_t start = command.find_first_not_of(" \t");
  if (start == std::string::npos) {
    return {};
  }
  size_t end = command.find_first_of(" \t;&|<>()$`\"'", start);
  std::string program = command.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (program.find('/') == std::string::npos) {
    return {}; // looked up in PATH, or a shell builtin
  }
  stdfs::path path = program;
  if (path.is_relative()) {
    path = component.local_path / path;
  }
  std::error_code ec;
  if (!stdfs::exists(path, ec)) {
    return make_error("runner.not_found",
                      fmt::format("bench command `{}` of component `{}` names {}, which does not "
                                  "exist (fix `scripts.bench` in {})",
                                  command, component.id, path.lexically_normal().string(),
                                  (component.local_path / "homeboy.json").string()));
  }
  if (stdfs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) != 0) {
    return make_error("runner.not_executable",
                      fmt::format("bench runner {} of component `{}` is not executable; run "
                                  "`chmod +x {}`",
                                  path.lexically_normal().string(), component.id,
                                  path.lexically_normal().string()));
  }
  return {};
}

} // namespace

Result<Runner>
resolve_runner(const Paths& paths, const Component& component,
               const std::vector<std::string>& runner_args)
{
  Runner runner;
  if (!component.bench_scripts.empty()) {
    runner.extension_id = "component-script";
    runner.extension_path = component.local_path;
    for (const auto& script : component.bench_scripts) {
      if (auto checked = check_script_program(component, script); !checked) {
        return Unexpected(checked.error());
      }
      // Passthrough args reach a script command as "$@" (appended when
      // present) and always as HOMEBOY_BENCH_ARGS_JSON.
      std::string command = runner_args.empty() ? script : script + " \"$@\"";
      std::vector<std::string> argv = {"/bin/sh", "-c", command, "homeboy-bench"};
      argv.insert(argv.end(), runner_args.begin(), runner_args.end());
      runner.commands.push_back(std::move(argv));
    }
    runner.description = fmt::format("scripts.bench of component `{}`", component.id);
    return runner;
  }
  for (const auto& ext_id : component.extension_ids) {
    auto ext = load_extension(paths, ext_id);
    if (!ext) {
      return Unexpected(ext.error());
    }
    if (!ext->bench_script) {
      continue;
    }
    std::error_code ec;
    const auto& script = *ext->bench_script;
    if (!stdfs::is_regular_file(script, ec)) {
      return make_error("runner.not_found",
                        fmt::format("extension `{}` declares bench script {}, which does not "
                                    "exist (fix `bench.extension_script` in {})",
                                    ext_id, script.string(), ext->manifest_path.string()));
    }
    if (::access(script.c_str(), X_OK) != 0) {
      return make_error("runner.not_executable",
                        fmt::format("bench runner {} of extension `{}` is not executable; run "
                                    "`chmod +x {}`",
                                    script.string(), ext_id, script.string()));
    }
    runner.extension_id = ext_id;
    runner.extension_path = ext->dir;
    std::vector<std::string> argv = {script.string()};
    argv.insert(argv.end(), runner_args.begin(), runner_args.end());
    runner.commands.push_back(std::move(argv));
    runner.description = script.string();
    return runner;
  }
  std::string linked = component.extension_ids.empty()
                         ? "it links no extensions"
                         : fmt::format("none of its extensions ({}) declares a `bench` capability",
                                       fmt::join(component.extension_ids, ", "));
  return make_error("runner.not_found",
                    fmt::format("component `{}` has no bench runner: no `scripts.bench` in {} and "
                                "{}; add \"scripts\": {{\"bench\": [\"./bench.sh\"]}} to its "
                                "homeboy.json or link an extension with `bench.extension_script`",
                                component.id, (component.local_path / "homeboy.json").string(),
                                linked));
}

namespace {

bool
truthy(const std::string* value)
{
  if (value == nullptr) {
    return false;
  }
  std::string v;
  for (char c : *value) {
    if (c != ' ' && c != '\t') {
      v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

} // namespace

Environment
runner_environment(const Component& component, const Runner& runner,
                   const std::vector<HelperFile>& helpers, const RunnerInvocation& invocation)
{
  Environment env = Environment::current();
  // Never leak a caller's values into a run (a rig's workloads arrive
  // through the component's env, set below; shared state and instances
  // are set last, from the request).
  for (const char* name : {"HOMEBOY_BENCH_SHARED_STATE", "HOMEBOY_BENCH_INSTANCE_ID",
                           "HOMEBOY_BENCH_CONCURRENCY", "HOMEBOY_BENCH_EXTRA_WORKLOADS"}) {
    env.unset(name);
  }
  for (const auto& [name, value] : component.env) {
    env.set(name, value);
  }
  for (const auto& [name, value] : invocation.bench_env) {
    env.set(name, value);
  }
  for (const auto& [name, value] : invocation.job_env) {
    env.set(name, value);
  }
  for (const auto& helper : helpers) {
    env.set(helper.env_var, helper.path.string());
  }
  // Progress lines are requested when the user asked for them, or by default
  // outside CI.
  const std::string* progress = env.get("HOMEBOY_BENCH_PROGRESS");
  bool want_progress = progress ? truthy(progress) : env.get("CI") == nullptr;
  env.set("HOMEBOY_BENCH_PROGRESS", want_progress ? "1" : "0");
  env.set("HOMEBOY_BENCH_PROGRESS_STREAM", "stderr");

  env.set("HOMEBOY_RUN_DIR", invocation.run_dir.string());
  env.set("HOMEBOY_BENCH_RESULTS_FILE", invocation.results_file.string());
  env.set("HOMEBOY_BENCH_ITERATIONS", std::to_string(invocation.iterations));
  if (invocation.warmup) {
    env.set("HOMEBOY_BENCH_WARMUP_ITERATIONS", std::to_string(*invocation.warmup));
  } else {
    env.unset("HOMEBOY_BENCH_WARMUP_ITERATIONS");
  }
  if (!invocation.scenarios.empty()) {
    env.set("HOMEBOY_BENCH_SCENARIOS", fmt::format("{}", fmt::join(invocation.scenarios, ",")));
  } else {
    env.unset("HOMEBOY_BENCH_SCENARIOS");
  }
  if (invocation.list_only) {
    env.set("HOMEBOY_BENCH_LIST_ONLY", "1");
  } else {
    env.unset("HOMEBOY_BENCH_LIST_ONLY");
  }
  env.set("HOMEBOY_BENCH_ARGS_JSON", dump_json(Json(invocation.runner_args)));
  env.set("HOMEBOY_BENCH_RUN_ID", invocation.run_id);
  if (!invocation.shared_state.empty()) {
    env.set("HOMEBOY_BENCH_SHARED_STATE", invocation.shared_state.string());
  }
  if (invocation.instance_id) {
    env.set("HOMEBOY_BENCH_INSTANCE_ID", std::to_string(*invocation.instance_id));
    env.set("HOMEBOY_BENCH_CONCURRENCY", std::to_string(invocation.concurrency));
  }
  env.set("HOMEBOY_BENCH_RESPONSIVENESS_FILE",
          (invocation.run_dir / "bench-responsiveness.jsonl").string());
  // Where the sidecar writer (runtime-helpers.md 8.6) puts findings, as the
  // original points them for every extension-script run.
  env.set("HOMEBOY_LINT_FINDINGS_FILE", (invocation.run_dir / "lint-findings.json").string());
  env.set("HOMEBOY_TEST_FAILURES_FILE", (invocation.run_dir / "test-failures.json").string());
  env.set("HOMEBOY_TEST_RESULTS_FILE", (invocation.run_dir / "test-results.json").string());
  env.set("HOMEBOY_FIX_RESULTS_FILE", (invocation.run_dir / "fix-results.json").string());
  env.set("HOMEBOY_ANNOTATIONS_DIR", (invocation.run_dir / "annotations").string());
  env.set("HOMEBOY_EXTENSION_ID", runner.extension_id);
  env.set("HOMEBOY_EXTENSION_PATH", runner.extension_path.string());
  env.set("HOMEBOY_COMPONENT_ID", component.id);
  env.set("HOMEBOY_COMPONENT_PATH", component.local_path.string());
  env.set("HOMEBOY_SETTINGS_JSON", invocation.settings_json);
  // This homeboy, so a runner can call it back (homeboy_bench_measure_instructions
  // runs `"$HOMEBOY_BIN" runtime count-instructions`).
  std::error_code self_ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", self_ec);
  if (!self_ec) {
    env.set("HOMEBOY_BIN", self.string());
  }
  if (!invocation.invocation_env.empty()) {
    // A bench run from inside another bench's child must not inherit that
    // child's port range.
    env.unset("HOMEBOY_INVOCATION_PORT_BASE");
    env.unset("HOMEBOY_INVOCATION_PORT_MAX");
    for (const auto& [name, value] : invocation.invocation_env) {
      env.set(name, value);
    }
  }
  return env;
}

Result<RunnerExit>
invoke_runner(const Runner& runner, const Component& component, const Environment& env,
              const RunnerInvocation& invocation,
              const std::function<void(OutputStream, std::string_view)>& on_output,
              const std::function<bool()>& should_cancel)
{
  RunnerExit exit;
  std::error_code ec;
  if (invocation.log_tag.empty()) {
    stdfs::remove(invocation.run_dir / "bench-responsiveness.jsonl", ec);
  }
  // runtime-helpers.md: core creates the annotations directory. An empty
  // one is removed again after the runner, so it never counts as evidence.
  const stdfs::path annotations = invocation.run_dir / "annotations";
  stdfs::create_directories(annotations, ec);
  struct DropIfEmpty
  {
    const stdfs::path& dir;
    ~DropIfEmpty()
    {
      std::error_code ignored;
      if (stdfs::is_empty(dir, ignored)) stdfs::remove(dir, ignored);
    }
  } drop_if_empty{annotations};
  for (const auto& argv : runner.commands) {
    SpawnSpec spec;
    spec.argv = argv;
    spec.cwd = component.local_path;
    spec.env = env;
    // Several commands append to one pair of logs.
    std::string suffix = invocation.log_tag
                         + (runner.commands.size() > 1 ? fmt::format(".{}", exit.commands_run + 1) : "");
    spec.stdout_path = invocation.run_dir / ("runner.stdout" + suffix + ".log");
    spec.stderr_path = invocation.run_dir / ("runner.stderr" + suffix + ".log");
    spec.on_output = on_output;
    spec.should_cancel = should_cancel;
    spec.group = invocation.group;
    if (invocation.on_spawn) {
      spec.on_spawn = [&](int pid, int) { invocation.on_spawn(pid); };
    }
    auto result = run_process(spec);
    if (!result) {
      return Unexpected(result.error());
    }
    if (argv.front() == "/bin/sh") {
      result->interpret_shell_status();
    }
    exit.process = *result;
    ++exit.commands_run;
    if (result->shell_exit_code() != 0 || result->cancelled) {
      break;
    }
  }
  return exit;
}

std::string
read_git_sha(const stdfs::path& dir)
{
  std::error_code ec;
  stdfs::path at = stdfs::absolute(dir, ec);
  stdfs::path git_dir;
  while (true) {
    auto candidate = at / ".git";
    if (stdfs::is_directory(candidate, ec)) {
      git_dir = candidate;
      break;
    }
    if (stdfs::is_regular_file(candidate, ec)) { // worktree or submodule: "gitdir: <path>"
      auto text = fs::read_file(candidate);
      if (text && text->rfind("gitdir: ", 0) == 0) {
        std::string path = text->substr(8);
        while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
        git_dir = stdfs::path(path).is_absolute() ? stdfs::path(path) : at / path;
      }
      break;
    }
    if (!at.has_parent_path() || at.parent_path() == at) {
      return "";
    }
    at = at.parent_path();
  }
  if (git_dir.empty()) {
    return "";
  }
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
  };
  auto head = fs::read_file(git_dir / "HEAD");
  if (!head) {
    return "";
  }
  std::string ref = trim(*head);
  if (ref.rfind("ref: ", 0) != 0) {
    return ref; // detached HEAD holds the sha itself
  }
  ref = ref.substr(5);
  // A worktree keeps its refs in the common dir.
  stdfs::path common = git_dir;
  if (auto c = fs::read_file(git_dir / "commondir")) {
    common = git_dir / trim(*c);
  }
  for (const auto& base : {git_dir, common}) {
    if (auto sha = fs::read_file(base / ref)) {
      return trim(*sha);
    }
  }
  if (auto packed = fs::read_file(common / "packed-refs")) {
    size_t pos = 0;
    while (pos < packed->size()) {
      size_t end = packed->find('\n', pos);
      std::string line = packed->substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) {
        return line.substr(0, 40);
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  return "";
}

} // namespace hb::bench

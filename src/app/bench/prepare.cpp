// Stage 1 of a bench: from the request to a Prepared (component, runner or
// timed commands, settings, runtime helpers); and scenario discovery.

#include "app/bench/pipeline.hpp"

#include "app/bench/isolation.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace hb::app::pipeline {

namespace stdfs = std::filesystem;
using namespace hb::bench;

namespace {

Result<std::vector<TimedCommand>>
timed_commands(const std::vector<std::pair<std::string, std::string>>& declared, bool shell,
               const char* origin)
{
  std::vector<TimedCommand> out;
  for (const auto& [name, command] : declared) {
    if (name.empty() || command.empty()) {
      return make_error("validation.invalid_argument",
                        fmt::format("{} needs NAME=COMMAND with both parts, e.g. --exec "
                                    "'sort=sort -n data.txt'",
                                    origin));
    }
    if (std::any_of(out.begin(), out.end(), [&](const auto& c) { return c.name == name; })) {
      return make_error("validation.invalid_argument",
                        fmt::format("{}: the name `{}` is used twice; give every command its own "
                                    "name",
                                    origin, name));
    }
    if (!shell && !needs_shell(command)) {
      if (auto words = split_command(command); !words) {
        return Unexpected(words.error());
      }
    }
    out.push_back({name, command, shell});
  }
  return out;
}

Result<std::string>
merge_settings(const std::string& component_settings, const BenchRequest& request)
{
  Json settings = parse_json_or_discard(component_settings);
  if (!settings.is_object()) {
    settings = Json::object();
  }
  for (const auto& [key, value] : request.settings) {
    settings[key] = value;
  }
  for (const auto& [key, text] : request.settings_json) {
    auto value = parse_json(text, fmt::format("--setting-json {}", key));
    if (!value) {
      return make_error("validation.invalid_argument",
                        value.error().message + " (strings need quotes: --setting-json "
                          + key + "='\"text\"')");
    }
    settings[key] = std::move(*value);
  }
  return dump_json(settings);
}

/// Letters, digits and `_`, not starting with a digit.
bool
is_env_name(std::string_view name)
{
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

/// One bench_env entry as text; values are never put in messages (they may be secrets).
Result<std::string>
bench_env_value(const std::string& name, const Json& value, std::string_view origin)
{
  if (!is_env_name(name)) {
    return make_error("validation.invalid_argument",
                      fmt::format("{}: `{}` is not an environment variable name; use letters, "
                                  "digits and `_`, not starting with a digit (e.g. "
                                  "--setting bench_env.CORPUS_SIZE=1000)",
                                  origin, name));
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number()) return dump_json(value);
  return make_error("validation.invalid_argument",
                    fmt::format("{}: bench_env.{} is {}, but an environment variable holds a "
                                "string, number or boolean; give it one of those",
                                origin, name, json_type_name(value)));
}

/// The runner's bench_env variables, as the original reads them: each
/// `--setting bench_env.NAME=value`, then the last `--setting-json
/// bench_env={...}` (whose entries win). Numbers and booleans are written as
/// text (the original drops them silently); other values are refused.
Result<std::vector<std::pair<std::string, std::string>>>
bench_env_vars(const BenchRequest& request)
{
  std::map<std::string, std::string> env;
  constexpr std::string_view prefix = "bench_env.";
  for (const auto& [key, value] : request.settings) {
    if (!key.starts_with(prefix)) continue;
    auto text = bench_env_value(key.substr(prefix.size()), Json(value), "--setting");
    if (!text) return Unexpected(text.error());
    env[key.substr(prefix.size())] = std::move(*text);
  }
  for (const auto& [key, text] : request.settings_json) {
    if (!key.starts_with(prefix)) continue;
    auto value = parse_json(text, fmt::format("--setting-json {}", key));
    if (!value) return Unexpected(value.error());
    auto out = bench_env_value(key.substr(prefix.size()), *value, "--setting-json");
    if (!out) return Unexpected(out.error());
    env[key.substr(prefix.size())] = std::move(*out);
  }
  const std::string* last = nullptr;
  for (const auto& [key, text] : request.settings_json) {
    if (key == "bench_env") last = &text;
  }
  if (last) {
    auto value = parse_json(*last, "--setting-json bench_env");
    if (!value) return Unexpected(value.error());
    if (!value->is_object()) {
      return make_error("validation.invalid_argument",
                        fmt::format("--setting-json bench_env must be an object {{NAME: value}}, "
                                    "got {}",
                                    json_type_name(*value)));
    }
    for (const auto& [name, entry] : value->items()) {
      auto out = bench_env_value(name, entry, "--setting-json bench_env");
      if (!out) return Unexpected(out.error());
      env[name] = std::move(*out);
    }
  }
  return std::vector<std::pair<std::string, std::string>>(env.begin(), env.end());
}

Result<ParseOptions>
results_parse_options()
{
  ParseOptions options;
  auto limit = env_uint("HOMEBOY_BENCH_MAX_RESULTS_BYTES", 1, std::uint64_t{1} << 40);
  if (!limit) {
    return Unexpected(limit.error());
  }
  if (*limit) {
    options.max_bytes = **limit;
  }
  return options;
}

/// The CI bench job --ci-profile names, from the runner's extension.
Result<bench::CiBenchJob>
ci_bench_job(const Prepared& p, const bench::Runner& runner, const std::string& profile)
{
  if (runner.extension_id == "component-script") {
    return make_error("validation.invalid_argument",
                      fmt::format("--ci-profile reads a CI profile from the bench runner's "
                                  "extension manifest, and component `{}` runs its own "
                                  "scripts.bench; drop --ci-profile, or link the extension that "
                                  "declares profile `{}`",
                                  p.component.id, profile));
  }
  auto ext = load_extension(p.paths, runner.extension_id);
  if (!ext) {
    return Unexpected(ext.error());
  }
  return bench::resolve_ci_bench_job(*ext, profile);
}

} // namespace

Result<Prepared>
prepare(const BenchRequest& request)
{
  Prepared p;
  auto parse_options = results_parse_options();
  if (!parse_options) {
    return Unexpected(parse_options.error());
  }
  p.parse_options = std::move(*parse_options);
  auto paths = resolve_paths(request.artifact_root);
  if (!paths) {
    return Unexpected(paths.error());
  }
  p.paths = std::move(*paths);
  std::optional<stdfs::path> override;
  if (request.path_override) {
    std::error_code ec;
    override = stdfs::absolute(*request.path_override, ec).lexically_normal();
  }
  Result<Component> component = Component{};
  if (request.component_id) {
    component = load_component(p.paths, *request.component_id, request.cwd, override);
  } else if (!request.exec_commands.empty()) {
    // Ad-hoc commands: no component; baselines live in our config dir.
    component->id = "exec";
    component->local_path = override.value_or(request.cwd);
  } else {
    component = detect_component(p.paths, request.cwd, override);
  }
  if (!component) {
    return Unexpected(component.error());
  }
  p.component = std::move(*component);
  // A scenario's relative `file` is the component's; the workspace copy of
  // a workload reached twice wins (ParseOptions::workspace).
  p.parse_options.workspace = p.component.local_path;
  if (request.rig) {
    // The rig's variables reach the runner and the timed commands as the
    // component's own env does; its gates are evaluated with the workload's.
    for (const auto& entry : request.rig->env) p.component.env.push_back(entry);
    p.parse_options.extra_gates = request.rig->gates;
  }
  p.baseline_file = request.component_id || request.exec_commands.empty()
                      ? p.component.local_path / "homeboy.json"
                      : p.paths.config_root / "exec" / "homeboy.json";
  if (!request.exec_commands.empty() || !p.component.bench_commands.empty()) {
    if (request.ci_profile) {
      return make_error("validation.invalid_argument",
                        "--ci-profile reproduces a CI bench job of a runner extension, and "
                        "timed commands (--exec or bench.commands) have no runner; drop "
                        "--ci-profile");
    }
    if (!request.runner_args.empty()) {
      return make_error("validation.invalid_argument",
                        "arguments after `--` go to a runner script, and timed commands have "
                        "none; put them into the commands themselves");
    }
    if (request.exec_commands.empty() && !p.component.bench_scripts.empty()) {
      return make_error("component.invalid",
                        fmt::format("component `{}` declares both `scripts.bench` and "
                                    "`bench.commands` in {}; keep the one that should run",
                                    p.component.id, p.baseline_file.string()));
    }
    bool from_cli = !request.exec_commands.empty();
    auto commands = timed_commands(from_cli ? request.exec_commands : p.component.bench_commands,
                                   request.shell, from_cli ? "--exec" : "bench.commands");
    if (!commands) {
      return Unexpected(commands.error());
    }
    p.commands = std::move(*commands);
    if (request.count_instructions) {
      // Before anything runs or is recorded: no counter, no run (exit 2).
      auto counter = measure::select_counter();
      if (!counter) {
        return Unexpected(counter.error());
      }
      p.counter = *counter;
    }
    return p;
  }
  if (request.count_instructions) {
    return make_error("validation.invalid_argument",
                      fmt::format("--measure instructions counts commands homeboy runs itself "
                                  "(--exec NAME=COMMAND or bench.commands in homeboy.json); "
                                  "component `{}` uses a runner script, which can count a "
                                  "command with homeboy_bench_measure_instructions "
                                  "(docs/runner-contract.md)",
                                  p.component.id));
  }
  if (request.shell || request.prepare || (request.seed && !request.comparison_arm)) {
    return make_error("validation.invalid_argument",
                      fmt::format("--shell, --prepare and --seed apply to timed commands (--exec "
                                  "or bench.commands in homeboy.json; --seed also to the round "
                                  "order of --rig a,b --interleave and --against); component "
                                  "`{}` uses a runner script",
                                  p.component.id));
  }
  p.runner_args = request.runner_args;
  auto runner = resolve_runner(p.paths, p.component, p.runner_args);
  if (!runner) {
    return Unexpected(runner.error());
  }
  if (request.ci_profile) {
    auto job = ci_bench_job(p, *runner, *request.ci_profile);
    if (!job) {
      return Unexpected(job.error());
    }
    // As the original: the job's args come before the CLI's `-- args`.
    p.runner_args = job->args;
    p.runner_args.insert(p.runner_args.end(), request.runner_args.begin(),
                         request.runner_args.end());
    p.ci_job = std::move(*job);
    runner = resolve_runner(p.paths, p.component, p.runner_args);
    if (!runner) {
      return Unexpected(runner.error());
    }
  }
  p.runner = std::move(*runner);
  if (request.rig) {
    for (const auto& [extension, paths] : request.rig->workloads) {
      if (extension == p.runner.extension_id && !paths.empty()) {
        p.component.env.emplace_back("HOMEBOY_BENCH_EXTRA_WORKLOADS",
                                     fmt::format("{}", fmt::join(paths, ":")));
      }
    }
  }
  auto settings = merge_settings(p.component.settings_json, request);
  if (!settings) {
    return Unexpected(settings.error());
  }
  p.settings_json = std::move(*settings);
  auto bench_env = bench_env_vars(request);
  if (!bench_env) {
    return Unexpected(bench_env.error());
  }
  p.bench_env = std::move(*bench_env);
  auto helpers = materialize_runtime_helpers(p.paths);
  if (!helpers) {
    return Unexpected(helpers.error());
  }
  p.helpers = std::move(*helpers);
  return p;
}


bool
interrupted()
{
  return interrupt_signal() != 0;
}

namespace {

void
forward_output(const BenchRequest& request, OutputStream stream, std::string_view chunk)
{
  if (request.on_runner_output) {
    request.on_runner_output(stream, chunk);
  }
}

} // namespace

Result<RunnerExit>
run_runner(const Prepared& p, const BenchRequest& request, const RunnerInvocation& inv)
{
  RunnerInvocation grouped = inv;
  grouped.runner_args = p.runner_args;
  grouped.bench_env = p.bench_env;
  if (p.ci_job) grouped.job_env = p.ci_job->env;
  grouped.settings_json = p.settings_json;
  grouped.group = p.group;
  auto env = runner_environment(p.component, p.runner, p.helpers, grouped);
  return invoke_runner(p.runner, p.component, env, grouped,
                       [&](OutputStream s, std::string_view c) { forward_output(request, s, c); },
                       interrupted);
}

// Runs the runner in list-only mode in a scratch dir and parses its inventory.
Result<BenchResults>
discover(const Prepared& p, const BenchRequest& request)
{
  if (p.exec()) {
    BenchResults inventory;
    inventory.component_id = p.component.id;
    for (const auto& c : p.commands) {
      Scenario s;
      s.id = c.name;
      s.source = c.command;
      inventory.scenarios.push_back(std::move(s));
    }
    return inventory;
  }
  auto scratch = fs::TempDir::create(p.paths.data_root / "tmp", "discover-");
  if (!scratch) {
    return make_error("store.unwritable",
                      scratch.error().message + " (set HOMEBOY_DATA_DIR to a writable directory)");
  }
  RunnerInvocation inv;
  inv.run_id = "";
  inv.run_dir = scratch->path();
  inv.results_file = scratch->path() / "bench-results.json";
  // As the original: discovery asks for no iterations, so a runner that
  // ignores HOMEBOY_BENCH_LIST_ONLY measures nothing (its fixture runner
  // refuses to run a workload at 0).
  inv.iterations = 0;
  inv.list_only = true;
  auto child = begin_child(p, request, "");
  if (!child) return Unexpected(child.error());
  inv.invocation_env = child->env();
  auto exit = run_runner(p, request, inv);
  end_child(*child, {});
  if (!exit) {
    return Unexpected(exit.error());
  }
  if (exit->process.cancelled) {
    return make_error("bench.interrupted", "interrupted during scenario discovery; nothing was run");
  }
  if (exit->process.shell_exit_code() != 0) {
    return make_error("runner.failed",
                      fmt::format("bench runner {} failed while listing scenarios "
                                  "(HOMEBOY_BENCH_LIST_ONLY=1): {}",
                                  p.runner.description, exit->process.describe()));
  }
  ParseOptions options = p.parse_options;
  options.source_name = fmt::format("scenario inventory from {}", p.runner.description);
  options.inventory = true;
  auto parsed = parse_results_file(inv.results_file, options);
  if (!parsed && parsed.error().code == "results.missing") {
    return make_error("results.missing",
                      fmt::format("bench runner {} exited 0 in list-only mode but wrote no "
                                  "inventory to $HOMEBOY_BENCH_RESULTS_FILE",
                                  p.runner.description));
  }
  return parsed;
}

Result<void>
check_selected(const BenchResults& inventory, const std::vector<std::string>& selected)
{
  std::vector<std::string> known;
  for (const auto& s : inventory.scenarios) {
    known.push_back(s.id);
  }
  std::vector<std::string> unknown;
  for (const auto& id : selected) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      unknown.push_back(id);
    }
  }
  if (unknown.empty()) {
    return {};
  }
  Json details = {{"unknown_scenarios", unknown}, {"known_scenarios", known}};
  return make_error("validation.unknown_scenario",
                    fmt::format("unknown scenario{} {}; known scenarios: {}",
                                unknown.size() > 1 ? "s" : "", fmt::join(unknown, ", "),
                                known.empty() ? "(none)" : fmt::format("{}", fmt::join(known, ", "))),
                    dump_json(details));
}

} // namespace hb::app::pipeline

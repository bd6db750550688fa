#include "app/bench_service.hpp"

#include "app/bench_context.hpp"
#include "app/reconcile.hpp"

#include "bench/baseline.hpp"
#include "bench/command_timing.hpp"
#include "bench/runner.hpp"
#include "bench/runtime_helpers.hpp"
#include "bench/verdict.hpp"
#include "model/component.hpp"
#include "model/paths.hpp"
#include "stats/descriptive.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace hb::app {

namespace stdfs = std::filesystem;
using namespace hb::bench;

namespace {

struct Prepared
{
  Paths paths;
  Component component;
  Runner runner;                        // unless commands are timed
  std::vector<TimedCommand> commands;   // --exec or bench.commands
  std::filesystem::path baseline_file;  // the homeboy.json holding baselines
  std::vector<HelperFile> helpers;
  std::string settings_json;

  bool exec() const { return !commands.empty(); }
};

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
  Json settings = Json::parse(component_settings, nullptr, false);
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
  return settings.dump();
}

Result<Prepared>
prepare(const BenchRequest& request)
{
  Prepared p;
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
  p.baseline_file = request.component_id || request.exec_commands.empty()
                      ? p.component.local_path / "homeboy.json"
                      : p.paths.config_root / "exec" / "homeboy.json";
  if (!request.exec_commands.empty() || !p.component.bench_commands.empty()) {
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
    return p;
  }
  if (request.shell || request.prepare || request.seed) {
    return make_error("validation.invalid_argument",
                      fmt::format("--shell, --prepare and --seed apply to timed commands (--exec "
                                  "or bench.commands in homeboy.json); component `{}` uses a "
                                  "runner script",
                                  p.component.id));
  }
  auto runner = resolve_runner(p.paths, p.component, request.runner_args);
  if (!runner) {
    return Unexpected(runner.error());
  }
  p.runner = std::move(*runner);
  auto settings = merge_settings(p.component.settings_json, request);
  if (!settings) {
    return Unexpected(settings.error());
  }
  p.settings_json = std::move(*settings);
  auto helpers = materialize_runtime_helpers(p.paths);
  if (!helpers) {
    return Unexpected(helpers.error());
  }
  p.helpers = std::move(*helpers);
  return p;
}

ParseOptions
results_parse_options()
{
  ParseOptions options;
  if (const char* limit = std::getenv("HOMEBOY_BENCH_MAX_RESULTS_BYTES"); limit && *limit) {
    options.max_bytes = std::strtoull(limit, nullptr, 10);
  }
  return options;
}

bool
interrupted()
{
  return interrupt_signal() != 0;
}

void
forward_output(const BenchRequest& request, OutputStream stream, std::string_view chunk)
{
  if (request.on_runner_output) {
    request.on_runner_output(stream, chunk);
  }
}

Result<RunnerExit>
run_runner(const Prepared& p, const BenchRequest& request, const RunnerInvocation& inv)
{
  auto env = runner_environment(p.component, p.runner, p.helpers, inv);
  return invoke_runner(p.runner, p.component, env, inv,
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
  inv.iterations = request.iterations;
  inv.list_only = true;
  inv.runner_args = request.runner_args;
  inv.settings_json = p.settings_json;
  auto exit = run_runner(p, request, inv);
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
  ParseOptions options = results_parse_options();
  options.source_name = fmt::format("scenario inventory from {}", p.runner.description);
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
                    details.dump());
}

std::optional<Artifact>
file_artifact(const std::string& run_id, const stdfs::path& path, std::string kind,
              std::string label, Json metadata = Json::object())
{
  std::error_code ec;
  if (!stdfs::is_regular_file(path, ec)) {
    return std::nullopt;
  }
  Artifact a;
  a.id = new_uuid_v4();
  a.run_id = run_id;
  a.kind = std::move(kind);
  a.type = "file";
  a.path = path.string();
  a.mime = fs::mime_type_for(path);
  a.label = std::move(label);
  a.created_at = now_ms();
  if (auto digest = fs::digest_file(path)) {
    a.sha256 = digest->sha256;
    a.size_bytes = digest->size;
  }
  a.metadata_json = metadata.dump();
  return a;
}

// Evidence files the run produced: the results of every round, the logs
// (empty ones are not worth a row) and the responsiveness pings.
void
collect_run_files(BenchReport& report, const stdfs::path& run_dir)
{
  if (auto a = file_artifact(report.run_id, run_dir / "bench-results.json", "bench_results",
                             "Bench results")) {
    report.artifacts.push_back(*a);
  }
  for (const auto& round : report.decisive_rounds) {
    if (auto a = file_artifact(report.run_id,
                               run_dir / fmt::format("bench-results.round-{}.json", round.round),
                               "bench_results", fmt::format("Bench results, round {}", round.round),
                               Json{{"round", round.round}})) {
      report.artifacts.push_back(*a);
    }
  }
  std::error_code ec;
  std::vector<stdfs::path> logs;
  for (const auto& entry : stdfs::directory_iterator(run_dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind("runner.", 0) == 0 && entry.path().extension() == ".log") {
      logs.push_back(entry.path());
    }
  }
  std::sort(logs.begin(), logs.end());
  for (const auto& log : logs) {
    if (stdfs::file_size(log, ec) == 0) {
      stdfs::remove(log, ec);
      continue;
    }
    std::string stream = log.filename().string().find("stderr") != std::string::npos ? "stderr" : "stdout";
    if (auto a = file_artifact(report.run_id, log, "log", "Runner " + stream,
                               Json{{"stream", stream}})) {
      report.artifacts.push_back(*a);
    }
  }
  auto pings = run_dir / "bench-responsiveness.jsonl";
  if (auto a = file_artifact(report.run_id, pings, "responsiveness", "Responsiveness pings")) {
    report.artifacts.push_back(*a);
  }
}

// Scenario artifact pointers: indexed, not copied (bench.md). Relative paths
// are resolved against the component directory, where the runner ran.
void
collect_scenario_artifacts(BenchReport& report, const BenchResults& results,
                           const stdfs::path& component_dir)
{
  for (const auto& scenario : results.scenarios) {
    for (const auto& ref : scenario.artifacts) {
      Json meta = {{"scenario_id", scenario.id}, {"name", ref.name}, {"source", "bench"},
                   {"pointer", ref.pointer_key}};
      std::string kind = ref.kind.empty() ? "artifact" : ref.kind;
      std::string label = ref.label.empty() ? ref.name : ref.label;
      if (ref.pointer_key == "path") {
        stdfs::path path = ref.pointer;
        if (path.is_relative()) {
          path = component_dir / path;
        }
        meta["original_path"] = ref.pointer;
        if (auto a = file_artifact(report.run_id, path, kind, label, meta)) {
          report.artifacts.push_back(*a);
          continue;
        }
        std::error_code ec;
        Artifact a;
        a.id = new_uuid_v4();
        a.run_id = report.run_id;
        a.kind = kind;
        a.type = stdfs::is_directory(path, ec) ? "directory" : "file";
        a.path = path.string();
        a.label = label;
        a.created_at = now_ms();
        if (!stdfs::exists(path, ec)) {
          meta["missing"] = true;
        }
        a.metadata_json = meta.dump();
        report.artifacts.push_back(a);
      } else {
        Artifact a;
        a.id = new_uuid_v4();
        a.run_id = report.run_id;
        a.kind = kind;
        a.type = "url";
        a.path = ref.pointer;
        a.url = ref.pointer;
        a.label = label;
        a.created_at = now_ms();
        a.metadata_json = meta.dump();
        report.artifacts.push_back(a);
      }
    }
  }
}

std::vector<Finding>
findings_of(const std::string& run_id, const BenchResults& results)
{
  std::vector<Finding> out;
  for (const auto& bf : results.budget_findings) {
    Finding f;
    f.id = new_uuid_v4();
    f.run_id = run_id;
    f.tool = bf.tool;
    f.rule = bf.rule;
    f.category = bf.category;
    f.severity = bf.severity;
    f.message = bf.message;
    f.file = bf.file;
    f.line = bf.line;
    f.column = bf.column;
    f.fingerprint = bf.fingerprint;
    f.created_at = now_ms();
    Json meta = Json::parse(bf.metadata_json, nullptr, false);
    if (!meta.is_object()) {
      meta = Json::object();
    }
    if (!bf.scenario_id.empty()) {
      meta["scenario_id"] = bf.scenario_id;
    }
    meta["fails_run"] = bf.fails_run;
    f.metadata_json = meta.dump();
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<MetricRow>
metric_rows(const BenchResults& results)
{
  std::vector<MetricRow> rows;
  for (const auto& s : results.scenarios) {
    for (const auto& m : s.metrics) {
      MetricRow row{s.id, m.name, m.value, {}};
      if (const auto* samples = s.samples(m.name)) {
        row.samples = *samples;
      }
      rows.push_back(std::move(row));
    }
    // Distributions without a summary metric still deserve their samples;
    // their median stands for them where one value is shown or compared.
    for (const auto& [name, samples] : s.distributions) {
      if (!s.metric(name)) {
        rows.push_back({s.id, name, samples.empty() ? 0 : stats::median(samples), samples});
      }
    }
  }
  return rows;
}

std::string
run_metadata(const BenchRequest& request, const Prepared& p, const BenchReport& report,
             const std::string& terminal_reason)
{
  Json meta = {
    {"iterations", request.iterations},
    {"runner", {{"extension_id", p.runner.extension_id}, {"description", p.runner.description}}},
    {"exit_code", report.exit_code},
    {"passed", report.passed},
    {"status", report.status()},
  };
  if (request.warmup) meta["warmup_iterations"] = *request.warmup;
  if (!request.scenarios.empty()) meta["selected_scenarios"] = request.scenarios;
  if (!request.runner_args.empty()) meta["runner_args"] = request.runner_args;
  // Setting names only: values may be credentials.
  std::vector<std::string> setting_names;
  for (const auto& [k, v] : request.settings) setting_names.push_back(k);
  for (const auto& [k, v] : request.settings_json) setting_names.push_back(k);
  if (!setting_names.empty()) meta["setting_overrides"] = setting_names;
  // What runs bench-compare and bench history need to tell whether two runs
  // measured the same way: a fingerprint of the settings (not their values,
  // which may be credentials) and the policies the comparison used.
  if (!p.exec()) meta["settings_sha256"] = settings_fingerprint(p.settings_json);
  if (report.results) meta["metric_policies"] = policies_json(report.results->policies);
  meta["baseline"] = {{"key", report.baseline_key},
                      {"found", report.baseline_found},
                      {"compared", report.comparison.has_value()},
                      {"saved", report.baseline_saved},
                      {"ratcheted", report.ratcheted},
                      {"ignore_baseline", request.ignore_baseline},
                      {"requested_save", request.save_baseline},
                      {"requested_ratchet", request.ratchet}};
  meta["measured_by"] = report.measured_by;
  if (report.exec_seed) {
    Json commands = Json::array();
    for (const auto& c : p.commands) commands.push_back({{"name", c.name}, {"command", c.command}});
    meta["exec"] = {{"seed", *report.exec_seed}, {"shell", request.shell}, {"commands", commands}};
    if (request.prepare) meta["exec"]["prepare"] = *request.prepare;
    if (!report.command_failures.empty()) meta["exec"]["failures"] = report.command_failures;
  }
  meta["host"] = host_to_json(report.host);
  meta["statistics"] = {{"rules", request.statistics == Statistics::sound ? "sound" : "documented"},
                        {"correction", to_string(request.correction)},
                        {"alpha", request.alpha},
                        {"regression_threshold_percent", request.regression_threshold},
                        {"looks", report.looks}};
  if (request.until_decisive) meta["statistics"]["until_decisive"] = *request.until_decisive;
  if (!report.decisive_rounds.empty()) {
    Json rounds = Json::array();
    for (const auto& r : report.decisive_rounds) {
      rounds.push_back({{"round", r.round}, {"iterations", r.iterations}, {"scenarios", r.scenario_ids}});
    }
    meta["statistics"]["rounds"] = std::move(rounds);
  }
  std::vector<std::string> warnings = bench_warnings(report);
  if (!warnings.empty()) meta["warnings"] = warnings;
  if (report.comparison) {
    meta["regression"] = report.comparison->regression;
    meta["has_improvements"] = report.comparison->has_improvements;
    meta["inconclusive"] = report.comparison->inconclusive;
    Json verdicts = Json::object();
    for (const auto& sc : report.comparison->scenarios) verdicts[sc.id] = to_string(sc.verdict);
    meta["verdicts"] = std::move(verdicts);
    if (!report.comparison->reasons.empty()) meta["regression_reasons"] = report.comparison->reasons;
  }
  if (report.results) {
    meta["scenario_count"] = report.results->scenarios.size();
    size_t failed_gates = 0;
    for (const auto& g : report.results->gate_results) failed_gates += g.passed ? 0 : 1;
    meta["gate_failure_count"] = failed_gates;
    meta["results_iterations"] = report.results->iterations;
  }
  if (report.failure) {
    meta["failure"] = {{"code", report.failure->code}, {"message", report.failure->message}};
  }
  if (report.process) {
    const auto& pr = *report.process;
    Json proc = {{"pid", pr.pid}, {"wall_ms", pr.wall_ms}, {"user_seconds", pr.user_seconds},
                 {"system_seconds", pr.system_seconds}, {"max_rss_bytes", pr.max_rss_bytes}};
    if (pr.exit_code) proc["exit_code"] = *pr.exit_code;
    if (pr.signal) proc["signal"] = *pr.signal;
    meta["process"] = std::move(proc);
  }
  if (!terminal_reason.empty()) meta["terminal_reason"] = terminal_reason;
  return meta.dump();
}

void
add_hints(BenchReport& report, const std::string& component_id, bool ad_hoc)
{
  // Ad-hoc --exec runs have no component to name: the same command line
  // with --baseline is the way to save one.
  std::string again = ad_hoc ? "by running this command again with --baseline"
                             : fmt::format("with homeboy bench {} --baseline", component_id);
  if (!report.run_id.empty()) {
    report.hints.push_back(fmt::format("Show this run: homeboy runs show {}", report.run_id));
    report.hints.push_back(
      fmt::format("List bench runs: homeboy runs list --kind bench --component {}", component_id));
  }
  if (report.results && !report.baseline_found && !report.baseline_saved && !report.failure) {
    report.hints.push_back(
      fmt::format("No baseline yet: save one {}", again));
  }
  if (report.comparison && report.comparison->regression) {
    report.hints.push_back(
      fmt::format("Accept the new numbers as the baseline {}", again));
  }
}

/// What one measurement (the first run, or an --until-decisive round)
/// produced.
struct Round
{
  std::optional<ProcessResult> process;
  std::optional<BenchResults> results; // parsed, even when the round failed
  std::optional<Error> failure;
  std::string terminal_reason;
  int exit_code = 0;
  bool cancelled = false;
  std::vector<std::string> command_failures;
  std::optional<std::uint64_t> seed;
};

Error
interrupted_error(int sig, const char* what)
{
  return Error{"bench.interrupted",
               fmt::format("interrupted by SIG{}; {} and the run recorded as cancelled",
                           sigabbrev_np(sig), what),
               "{}"};
}

void
mark_cancelled(Round& round, const char* what)
{
  int sig = interrupt_signal() ? interrupt_signal() : SIGINT;
  round.cancelled = true;
  round.exit_code = 128 + sig;
  round.failure = interrupted_error(sig, what);
  round.terminal_reason = "cancelled_by_user";
}

Round
measure_with_runner(const Prepared& p, const BenchRequest& request, const std::string& run_id,
                    const stdfs::path& run_dir, const stdfs::path& results_file,
                    const std::string& round_tag, std::uint64_t iterations,
                    const std::vector<std::string>& scenarios)
{
  Round round;
  RunnerInvocation inv;
  inv.run_id = run_id;
  inv.run_dir = run_dir;
  inv.results_file = results_file;
  inv.log_tag = round_tag;
  inv.iterations = iterations;
  inv.warmup = request.warmup;
  inv.scenarios = scenarios;
  inv.runner_args = request.runner_args;
  inv.settings_json = p.settings_json;
  auto exit = run_runner(p, request, inv);
  if (!exit) {
    round.failure = exit.error();
    round.exit_code = 1;
    round.terminal_reason = "runner_failed";
    return round;
  }
  round.process = exit->process;
  const auto& proc = exit->process;
  ParseOptions options = results_parse_options();
  options.source_name = fmt::format("results file {}", results_file.string());
  std::error_code ec;
  bool have_results = stdfs::exists(results_file, ec);
  Result<BenchResults> parsed = have_results ? parse_results_file(results_file, options)
                                             : Result<BenchResults>(make_error("results.missing", ""));
  if (proc.cancelled) {
    mark_cancelled(round, "the runner's process group was stopped");
    if (parsed) round.results = std::move(*parsed);
  } else if (proc.shell_exit_code() != 0) {
    round.exit_code = bench_exit_code(proc.shell_exit_code(), false, false);
    std::string hint;
    if (proc.exit_code == 126) hint = " (a command was not executable: check its permissions)";
    if (proc.exit_code == 127) hint = " (a command was not found: check scripts.bench)";
    round.failure = Error{"runner.failed",
                          fmt::format("bench runner {} {}{}; its output is in the run's log "
                                      "artifacts",
                                      p.runner.description, proc.describe(), hint),
                          "{}"};
    round.terminal_reason = proc.signal ? "runner_crashed" : "runner_failed";
    if (parsed) round.results = std::move(*parsed);
  } else if (!have_results) {
    round.exit_code = 1;
    round.failure = Error{"results.missing",
                          fmt::format("bench runner {} exited 0 but wrote no results file; a "
                                      "runner must write its JSON results to "
                                      "$HOMEBOY_BENCH_RESULTS_FILE ({})",
                                      p.runner.description, results_file.string()),
                          "{}"};
    round.terminal_reason = "results_missing";
  } else if (!parsed) {
    round.exit_code = 1;
    round.failure = parsed.error();
    round.terminal_reason = "results_invalid";
  } else {
    round.results = std::move(*parsed);
  }
  return round;
}

// --exec and bench.commands: homeboy times the commands itself and writes an
// ordinary results file, which then goes through the same parser as a
// runner's.
Round
measure_commands(const Prepared& p, const BenchRequest& request, const stdfs::path& results_file,
                 std::uint64_t iterations, const std::vector<std::string>& scenarios,
                 std::uint64_t seed)
{
  Round round;
  round.seed = seed;
  std::vector<TimedCommand> commands;
  for (const auto& c : p.commands) {
    if (scenarios.empty() || std::find(scenarios.begin(), scenarios.end(), c.name) != scenarios.end()) {
      commands.push_back(c);
    }
  }
  TimingOptions options;
  options.iterations = iterations;
  options.warmup = request.warmup.value_or(0);
  options.prepare = request.prepare;
  options.force_shell = request.shell;
  options.cwd = p.component.local_path;
  for (const auto& [name, value] : p.component.env) {
    options.env.set(name, value);
  }
  options.seed = seed;
  options.should_cancel = interrupted;
  auto run = time_commands(commands, options);
  if (!run) {
    round.failure = run.error();
    round.exit_code = 1;
    round.terminal_reason =
      run.error().code == "bench.command_spawn_failed" ? "spawn_failed" : "command_failed";
    return round;
  }
  for (const auto& c : run->commands) {
    if (c.failures.empty()) {
      continue;
    }
    const auto& first = c.failures.front();
    std::string tail = first.stderr_tail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    if (auto nl = tail.rfind('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
    round.command_failures.push_back(
      fmt::format("{}: {} iteration{} of {} failed, first {} {}{}; failed iterations are left "
                  "out of the timings",
                  c.name, c.failures.size(), c.failures.size() == 1 ? "" : "s",
                  iterations + options.warmup, first.warmup ? "(warmup)" : "",
                  first.describe(), tail.empty() ? "" : ": " + tail));
  }
  auto written = fs::write_file_atomic(
    results_file, timing_results_json(*run, options, request.regression_threshold,
                                      p.component.id));
  if (!written) {
    round.failure = written.error();
    round.exit_code = 1;
    round.terminal_reason = "results_invalid";
    return round;
  }
  ParseOptions parse_options = results_parse_options();
  parse_options.source_name = fmt::format("results file {}", results_file.string());
  auto parsed = parse_results_file(results_file, parse_options);
  if (!parsed) {
    round.failure = parsed.error();
    round.exit_code = 1;
    round.terminal_reason = "results_invalid";
    return round;
  }
  round.results = std::move(*parsed);
  if (run->cancelled) {
    mark_cancelled(round, "the command being timed was stopped");
  }
  return round;
}

Round
measure(const Prepared& p, const BenchRequest& request, const std::string& run_id,
        const stdfs::path& run_dir, std::uint64_t round_number, std::uint64_t iterations,
        const std::vector<std::string>& scenarios, std::uint64_t seed)
{
  std::string tag = round_number > 1 ? fmt::format(".round-{}", round_number) : "";
  auto results_file = run_dir / ("bench-results" + tag + ".json");
  return p.exec() ? measure_commands(p, request, results_file, iterations, scenarios, seed + round_number - 1)
                  : measure_with_runner(p, request, run_id, run_dir, results_file, tag, iterations,
                                        scenarios);
}

std::uint64_t
sample_count(const Scenario& s)
{
  std::size_t n = 0;
  for (const auto& [name, samples] : s.distributions) {
    n = std::max(n, samples.size());
  }
  return n ? n : s.iterations;
}

// Appends a round's samples to the scenarios it re-ran, and its failures;
// the normalised document follows, so the JSON shows what was compared.
void
merge_round(BenchResults& into, const BenchResults& round, const std::vector<std::string>& ids,
            std::uint64_t round_number)
{
  auto doc = std::make_shared<Json>(*into.document);
  for (const auto& s : round.scenarios) {
    if (std::find(ids.begin(), ids.end(), s.id) == ids.end()) {
      continue;
    }
    Scenario* target = into.find(s.id);
    if (!target) {
      continue;
    }
    for (const auto& [name, samples] : s.distributions) {
      auto dist = std::find_if(target->distributions.begin(), target->distributions.end(),
                               [&](const auto& d) { return d.first == name; });
      if (dist != target->distributions.end()) {
        dist->second.insert(dist->second.end(), samples.begin(), samples.end());
      }
    }
    target->iterations += s.iterations;
    if (!s.passed) {
      target->passed = false;
      for (const auto& reason : s.failure_reasons) {
        target->failure_reasons.push_back(fmt::format("round {}: {}", round_number, reason));
      }
    }
    if (doc->contains("scenarios") && (*doc)["scenarios"].is_array()) {
      for (auto& entry : (*doc)["scenarios"]) {
        if (entry.value("id", "") != target->id) continue;
        entry["iterations"] = target->iterations;
        if (entry.contains("metrics") && entry["metrics"].is_object()) {
          for (const auto& [name, samples] : target->distributions) {
            entry["metrics"]["distributions"][name] = samples;
          }
        }
      }
    }
  }
  for (const auto& g : round.gate_results) {
    if (!g.passed && std::find(ids.begin(), ids.end(), g.scenario_id) != ids.end()) {
      into.gate_results.push_back(g);
    }
  }
  for (const auto& f : round.budget_findings) {
    if (f.fails_run) into.budget_findings.push_back(f);
  }
  into.document = std::move(doc);
}

// Diagnoses the metrics that are compared (all sampled ones when the runner
// declares no policies): side figures such as user or system time are
// coarse and would bury the warnings that matter.
void
diagnose_samples(BenchReport& report)
{
  const BenchResults& results = *report.results;
  for (const auto& s : results.scenarios) {
    for (const auto& [name, samples] : s.distributions) {
      if (results.policies.empty() || results.policy(name)) {
        report.diagnostics.push_back({s.id, name, stats::diagnose(samples)});
      }
    }
  }
}

// --baseline saves the run; --ratchet moves only the metrics that improved.
void
save_or_ratchet(const Prepared& p, const BenchRequest& request, BenchReport& report,
                const std::optional<Baseline>& baseline, std::string& terminal_reason)
{
  if (!request.save_baseline && !request.ratchet) {
    return;
  }
  const bool regression = report.comparison && report.comparison->regression;
  const bool improved = report.comparison && report.comparison->has_improvements;
  if (!report.passed) {
    report.notes.push_back(request.save_baseline ? "baseline not saved: gates or budgets failed"
                                                 : "baseline not ratcheted: gates or budgets failed");
    return;
  }
  Baseline next;
  if (request.save_baseline) {
    next = make_baseline(*report.results, now_ms(), report.host);
  } else if (!report.comparison) {
    report.notes.push_back("baseline not ratcheted: there is no baseline to improve on yet (save "
                           "one with --baseline)");
    return;
  } else if (regression) {
    report.notes.push_back("baseline not ratcheted: the run regressed");
    return;
  } else if (!improved) {
    report.notes.push_back("baseline not ratcheted: nothing improved significantly beyond its "
                           "threshold");
    return;
  } else {
    next = ratchet_baseline(*baseline, *report.results, *report.comparison);
    for (const auto& sc : report.comparison->scenarios) {
      for (const auto& d : sc.metric_deltas) {
        if (d.improvement) report.ratcheted_metrics.push_back(sc.id + "/" + d.name);
      }
    }
    if (!report.comparison->new_scenario_ids.empty()) {
      report.notes.push_back("--ratchet leaves new scenarios out of the baseline; add them with "
                             "--baseline");
    }
  }
  auto written = write_baseline(p.paths, p.baseline_file, report.baseline_key, next);
  if (!written) {
    report.failure = written.error();
    report.exit_code = 1;
    terminal_reason = "baseline_write_failed";
    return;
  }
  (request.save_baseline ? report.baseline_saved : report.ratcheted) = true;
}

void
apply_round(BenchReport& report, Round& round, std::string& terminal_reason)
{
  if (round.process) report.process = round.process;
  report.command_failures.insert(report.command_failures.end(), round.command_failures.begin(),
                                 round.command_failures.end());
  if (round.failure) {
    report.failure = round.failure;
    report.exit_code = round.exit_code;
    report.cancelled = round.cancelled;
    terminal_reason = round.terminal_reason;
  }
}

} // namespace

Result<BenchReport>
run_bench(const BenchRequest& request)
{
  install_interrupt_handlers();
  if (request.until_decisive && *request.until_decisive < request.iterations) {
    return make_error("validation.invalid_argument",
                      fmt::format("--until-decisive={} is below --iterations {}: MAX counts all "
                                  "samples of a scenario, the first round's included; give at "
                                  "least {}",
                                  *request.until_decisive, request.iterations, request.iterations));
  }
  auto prepared = prepare(request);
  if (!prepared) {
    return Unexpected(prepared.error());
  }
  Prepared& p = *prepared;
  // Open the store before anything runs: an unusable data dir must fail
  // before minutes of benchmarking are spent.
  auto store = open_sqlite_store(p.paths.store_path);
  if (!store) {
    return Unexpected(store.error());
  }
  BenchReport report;
  report.component_id = p.component.id;
  report.iterations = request.iterations;
  report.baseline_key = baseline_key("");
  report.measured_by = p.exec() ? "exec" : "runner";
  report.host = host_fingerprint();

  std::optional<Baseline> baseline;
  if (!request.ignore_baseline && !request.save_baseline) {
    auto read = read_baseline(p.baseline_file, report.baseline_key);
    if (!read) {
      return Unexpected(read.error());
    }
    baseline = std::move(*read);
    report.baseline_found = baseline.has_value();
  }
  if (!request.scenarios.empty()) {
    auto inventory = discover(p, request);
    if (!inventory) {
      return Unexpected(inventory.error());
    }
    if (auto ok = check_selected(*inventory, request.scenarios); !ok) {
      return Unexpected(ok.error());
    }
  }
  if (interrupted()) {
    return make_error("bench.interrupted", "interrupted before the runner started; nothing was run");
  }

  report.run_id = new_uuid_v4();
  auto run_dir = p.paths.run_dir(report.run_id);
  if (auto made = fs::create_directories(run_dir); !made) {
    return make_error("store.unwritable",
                      made.error().message + " (set --artifact-root or HOMEBOY_ARTIFACT_ROOT to "
                                             "a writable directory)");
  }
  Run run;
  run.id = report.run_id;
  run.kind = "bench";
  run.status = RunStatus::running;
  run.component_id = p.component.id;
  run.command = request.command_line;
  run.cwd = request.cwd.string();
  run.git_sha = read_git_sha(p.component.local_path);
  run.homeboy_version = request.homeboy_version;
  run.created_at = now_ms();
  run.started_at = run.created_at;
  run.heartbeat_at = run.created_at;
  run.owner_pid = static_cast<int>(::getpid());
  run.lease_owner = owner_label(run.owner_pid.value());
  run.owner_start_time = process_start_time(::getpid());
  run.metadata_json = Json{{"iterations", request.iterations},
                           {"runner", {{"extension_id", p.runner.extension_id}}}}
                        .dump();
  if (auto inserted = (*store)->insert_run(run); !inserted) {
    std::error_code ec;
    stdfs::remove_all(run_dir, ec);
    return Unexpected(inserted.error());
  }

  // The command order's seed is printed, so a surprising order can be rerun.
  std::uint64_t seed = request.seed.value_or(static_cast<std::uint64_t>(now_ms()));
  if (p.exec()) report.exec_seed = seed;
  std::string terminal_reason;
  Round first = measure(p, request, report.run_id, run_dir, 1, request.iterations,
                        request.scenarios, seed);
  apply_round(report, first, terminal_reason);
  if (first.results) {
    report.results = std::move(*first.results);
  }
  if (report.results && !report.failure) {
    BenchResults& results = *report.results;
    CompareOptions options{request.regression_threshold, request.statistics, request.correction,
                           request.alpha};
    // --until-decisive looks at the data several times; each look gets an
    // equal share of alpha (Bonferroni over the looks), so stopping early
    // does not raise the false-alarm rate.
    report.looks = planned_looks(request.iterations, request.until_decisive);
    report.decisive_max = request.until_decisive;
    options.alpha = request.alpha / static_cast<double>(report.looks);
    if (baseline) {
      report.comparison = compare_to_baseline(*baseline, results, options);
    }
    for (std::uint64_t round_number = 2;
         report.comparison && report.comparison->inconclusive && request.until_decisive
         && !report.failure && !interrupted();
         ++round_number) {
      std::vector<std::string> ids;
      std::uint64_t extra = 0;
      for (const auto& id : report.comparison->inconclusive_scenario_ids()) {
        const Scenario* s = results.find(id);
        std::uint64_t have = s ? sample_count(*s) : *request.until_decisive;
        if (have < *request.until_decisive) {
          ids.push_back(id);
          std::uint64_t step = decisive_round_iterations(have, *request.until_decisive);
          extra = extra ? std::min(extra, step) : step;
        }
      }
      if (ids.empty() || extra == 0) {
        break;
      }
      Round more = measure(p, request, report.run_id, run_dir, round_number, extra, ids, seed);
      report.decisive_rounds.push_back({round_number, extra, ids});
      if (more.results) {
        merge_round(results, *more.results, ids, round_number);
      }
      apply_round(report, more, terminal_reason);
      report.comparison = compare_to_baseline(*baseline, results, options);
    }
    diagnose_samples(report);
    if (report.comparison && baseline->host) {
      report.comparison->host_differences = differences(*baseline->host, report.host);
    }
    report.passed = results.passed() && !report.failure;
    bool regression = report.comparison && report.comparison->regression;
    bool undecided = request.fail_on_inconclusive && report.comparison
                     && report.comparison->inconclusive;
    if (!report.failure) {
      report.exit_code = bench_exit_code(0, report.passed, regression || undecided);
      terminal_reason = !report.passed ? "gate_failed"
                        : regression   ? "regression"
                        : undecided    ? "inconclusive"
                                       : "";
      save_or_ratchet(p, request, report, baseline, terminal_reason);
    }
  }
  if (report.failure && report.exit_code == 0) {
    report.exit_code = 1;
  }
  const RunStatus final_status = report.cancelled        ? RunStatus::cancelled
                                 : report.exit_code == 0 ? RunStatus::succeeded
                                                         : RunStatus::failed;

  collect_run_files(report, run_dir);
  if (report.results) {
    collect_scenario_artifacts(report, *report.results, p.component.local_path);
  }
  RunOutcome outcome;
  outcome.status = final_status;
  outcome.terminal_reason = terminal_reason;
  outcome.exit_code = report.exit_code;
  outcome.finished_at = now_ms();
  outcome.metadata_json = run_metadata(request, p, report, terminal_reason);
  outcome.artifacts = report.artifacts;
  if (report.results) {
    for (const auto& s : report.results->scenarios) {
      outcome.scenario_ids.push_back(s.id);
    }
    outcome.metrics = metric_rows(*report.results);
    outcome.findings = findings_of(report.run_id, *report.results);
  }
  if (auto settled = (*store)->settle_run(report.run_id, RunStatus::running, 0, outcome); !settled) {
    // The run stays `running`; `homeboy runs reconcile` will settle it.
    report.failure = settled.error();
    report.exit_code = report.exit_code ? report.exit_code : 1;
  }
  add_hints(report, p.component.id, p.component.id == "exec" && !request.component_id);
  return report;
}

Result<ScenarioList>
list_scenarios(const BenchRequest& request)
{
  install_interrupt_handlers();
  auto prepared = prepare(request);
  if (!prepared) {
    return Unexpected(prepared.error());
  }
  auto inventory = discover(*prepared, request);
  if (!inventory) {
    return Unexpected(inventory.error());
  }
  if (!request.scenarios.empty()) {
    if (auto ok = check_selected(*inventory, request.scenarios); !ok) {
      return Unexpected(ok.error());
    }
    auto& all = inventory->scenarios;
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const Scenario& s) {
                               return std::find(request.scenarios.begin(), request.scenarios.end(),
                                                s.id) == request.scenarios.end();
                             }),
              all.end());
  }
  return ScenarioList{prepared->component.id, std::move(*inventory)};
}

} // namespace hb::app

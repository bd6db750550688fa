#include "app/bench_service.hpp"

#include "app/reconcile.hpp"

#include "bench/baseline.hpp"
#include "bench/runner.hpp"
#include "bench/runtime_helpers.hpp"
#include "bench/verdict.hpp"
#include "model/component.hpp"
#include "model/paths.hpp"
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
  Runner runner;
  std::vector<HelperFile> helpers;
  std::string settings_json;
};

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
  auto component = request.component_id
                     ? load_component(p.paths, *request.component_id, request.cwd, override)
                     : detect_component(p.paths, request.cwd, override);
  if (!component) {
    return Unexpected(component.error());
  }
  p.component = std::move(*component);
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

// Runs the runner in list-only mode in a scratch dir and parses its inventory.
Result<BenchResults>
discover(const Prepared& p, const BenchRequest& request)
{
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
  auto env = runner_environment(p.component, p.runner, p.helpers, inv);
  auto exit = invoke_runner(p.runner, p.component, env, inv,
                            [&](OutputStream s, std::string_view c) { forward_output(request, s, c); },
                            interrupted);
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

// Evidence files the run produced; empty logs are not worth a row.
void
collect_run_files(BenchReport& report, const stdfs::path& run_dir, const stdfs::path& results_file)
{
  if (auto a = file_artifact(report.run_id, results_file, "bench_results", "Bench results")) {
    report.artifacts.push_back(*a);
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
    // Distributions without a summary metric still deserve their samples.
    for (const auto& [name, samples] : s.distributions) {
      if (!s.metric(name)) {
        rows.push_back({s.id, name, samples.empty() ? 0 : samples.front(), samples});
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
  meta["baseline"] = {{"key", report.baseline_key},
                      {"found", report.baseline_found},
                      {"compared", report.comparison.has_value()},
                      {"saved", report.baseline_saved},
                      {"ratcheted", report.ratcheted},
                      {"ignore_baseline", request.ignore_baseline},
                      {"requested_save", request.save_baseline},
                      {"requested_ratchet", request.ratchet}};
  if (report.comparison) {
    meta["regression"] = report.comparison->regression;
    meta["has_improvements"] = report.comparison->has_improvements;
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
add_hints(BenchReport& report, const std::string& component_id)
{
  if (!report.run_id.empty()) {
    report.hints.push_back(fmt::format("Show this run: homeboy runs show {}", report.run_id));
    report.hints.push_back(
      fmt::format("List bench runs: homeboy runs list --kind bench --component {}", component_id));
  }
  if (report.results && !report.baseline_found && !report.baseline_saved && !report.failure) {
    report.hints.push_back(
      fmt::format("No baseline yet: save this run as one with homeboy bench {} --baseline",
                  component_id));
  }
  if (report.comparison && report.comparison->regression) {
    report.hints.push_back(
      fmt::format("Accept the new numbers as the baseline with homeboy bench {} --baseline",
                  component_id));
  }
}

} // namespace

Result<BenchReport>
run_bench(const BenchRequest& request)
{
  install_interrupt_handlers();
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
  auto baseline_file = p.component.local_path / "homeboy.json";
  BenchReport report;
  report.component_id = p.component.id;
  report.iterations = request.iterations;
  report.baseline_key = baseline_key("");

  std::optional<Baseline> baseline;
  if (!request.ignore_baseline && !request.save_baseline) {
    auto read = read_baseline(baseline_file, report.baseline_key);
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
  auto run_dir = p.paths.artifact_root / report.run_id;
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

  RunnerInvocation inv;
  inv.run_id = report.run_id;
  inv.run_dir = run_dir;
  inv.results_file = run_dir / "bench-results.json";
  inv.iterations = request.iterations;
  inv.warmup = request.warmup;
  inv.scenarios = request.scenarios;
  inv.runner_args = request.runner_args;
  inv.settings_json = p.settings_json;
  auto env = runner_environment(p.component, p.runner, p.helpers, inv);
  auto exit = invoke_runner(p.runner, p.component, env, inv,
                            [&](OutputStream s, std::string_view c) { forward_output(request, s, c); },
                            interrupted);

  std::string terminal_reason;
  RunStatus final_status = RunStatus::failed;
  if (!exit) {
    report.failure = exit.error();
    report.exit_code = 1;
    terminal_reason = "runner_failed";
  } else {
    report.process = exit->process;
    const auto& proc = exit->process;
    ParseOptions options = results_parse_options();
    options.source_name = fmt::format("results file {}", inv.results_file.string());
    std::error_code ec;
    bool have_results = stdfs::exists(inv.results_file, ec);
    Result<BenchResults> parsed = have_results ? parse_results_file(inv.results_file, options)
                                               : Result<BenchResults>(make_error("results.missing", ""));
    if (proc.cancelled) {
      int sig = interrupt_signal();
      report.cancelled = true;
      report.exit_code = 128 + (sig ? sig : SIGINT);
      report.failure = Error{"bench.interrupted",
                             fmt::format("interrupted by SIG{}; the runner's process group was "
                                         "stopped and the run recorded as cancelled",
                                         sigabbrev_np(sig ? sig : SIGINT)),
                             "{}"};
      terminal_reason = "cancelled_by_user";
      final_status = RunStatus::cancelled;
      if (parsed) report.results = std::move(*parsed);
    } else if (proc.shell_exit_code() != 0) {
      report.exit_code = bench_exit_code(proc.shell_exit_code(), false, false);
      std::string hint;
      if (proc.exit_code == 126) hint = " (a command was not executable: check its permissions)";
      if (proc.exit_code == 127) hint = " (a command was not found: check scripts.bench)";
      report.failure = Error{"runner.failed",
                             fmt::format("bench runner {} {}{}; its output is in the run's log "
                                         "artifacts",
                                         p.runner.description, proc.describe(), hint),
                             "{}"};
      terminal_reason = proc.signal ? "runner_crashed" : "runner_failed";
      if (parsed) report.results = std::move(*parsed);
    } else if (!have_results) {
      report.exit_code = 1;
      report.failure = Error{"results.missing",
                             fmt::format("bench runner {} exited 0 but wrote no results file; a "
                                         "runner must write its JSON results to "
                                         "$HOMEBOY_BENCH_RESULTS_FILE ({})",
                                         p.runner.description, inv.results_file.string()),
                             "{}"};
      terminal_reason = "results_missing";
    } else if (!parsed) {
      report.exit_code = 1;
      report.failure = parsed.error();
      terminal_reason = "results_invalid";
    } else {
      report.results = std::move(*parsed);
      const BenchResults& results = *report.results;
      report.passed = results.passed();
      if (baseline) {
        report.comparison =
          compare_to_baseline(*baseline, results, CompareOptions{request.regression_threshold});
      }
      bool regression = report.comparison && report.comparison->regression;
      report.exit_code = bench_exit_code(0, report.passed, regression);
      terminal_reason = !report.passed ? "gate_failed" : regression ? "regression" : "";
      final_status = report.exit_code == 0 ? RunStatus::succeeded : RunStatus::failed;

      if (request.save_baseline || request.ratchet) {
        bool improved = report.comparison && report.comparison->has_improvements && !regression;
        if (!report.passed) {
          report.notes.push_back(request.save_baseline
                                   ? "baseline not saved: gates or budgets failed"
                                   : "baseline not ratcheted: gates or budgets failed");
        } else if (request.ratchet && !request.save_baseline && !improved) {
          report.notes.push_back(!report.comparison
                                   ? "baseline not ratcheted: there is no baseline to improve "
                                     "on yet (save one with --baseline)"
                                 : regression ? "baseline not ratcheted: the run regressed"
                                              : "baseline not ratcheted: nothing improved");
        } else {
          auto written = write_baseline(p.paths, baseline_file, report.baseline_key,
                                        make_baseline(results, now_ms()));
          if (!written) {
            report.failure = written.error();
            report.exit_code = 1;
            terminal_reason = "baseline_write_failed";
            final_status = RunStatus::failed;
          } else {
            (request.save_baseline ? report.baseline_saved : report.ratcheted) = true;
          }
        }
      }
    }
  }

  collect_run_files(report, run_dir, inv.results_file);
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
  add_hints(report, p.component.id);
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

// Stage 2 of a bench: measuring. One round runs the runner (or times the
// commands) and parses what it wrote; --until-decisive's later rounds are
// merged into the first.

#include "app/bench/pipeline.hpp"

#include "app/bench/instances.hpp"
#include "app/bench/isolation.hpp"

#include "bench/machine_speed.hpp"
#include "bench/verdict.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/peak_rss.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>

namespace hb::app::pipeline {

namespace stdfs = std::filesystem;
using namespace hb::bench;

namespace {

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

} // namespace

Round
measure_with_runner(const Prepared& p, const BenchRequest& request, const std::string& run_id,
                    const stdfs::path& run_dir, const stdfs::path& results_file,
                    const std::string& log_tag, std::uint64_t iterations,
                    const std::vector<std::string>& scenarios, std::optional<std::uint32_t> instance)
{
  Round round;
  RunnerInvocation inv;
  inv.run_id = run_id;
  inv.run_dir = run_dir;
  inv.results_file = results_file;
  inv.log_tag = log_tag;
  inv.iterations = iterations;
  inv.warmup = request.warmup;
  inv.scenarios = scenarios;
  if (request.shared_state) inv.shared_state = *request.shared_state;
  if (instance) {
    inv.instance_id = instance;
    inv.concurrency = static_cast<std::uint32_t>(request.concurrency);
  }
  // The peak RSS of the runner's whole process tree (util/peak_rss.hpp).
  PeakRssMonitor memory;
  inv.on_spawn = [&memory](int pid) { memory.attach(pid); };
  auto child = begin_child(p, request, run_id);
  if (!child) {
    round.failure = child.error();
    round.exit_code = 1;
    round.terminal_reason = "invocation_refused";
    return round;
  }
  inv.invocation_env = child->env();
  auto exit = run_runner(p, request, inv);
  end_child(*child, run_dir);
  if (!exit) {
    round.failure = exit.error();
    round.exit_code = 1;
    round.terminal_reason = "runner_failed";
    return round;
  }
  round.process = exit->process;
  {
    PeakRss peak = memory.finish(static_cast<std::uint64_t>(std::max<std::int64_t>(
      exit->process.max_rss_bytes, 0)));
    BenchReport::MemoryPeak entry;
    entry.instance = instance;
    entry.bytes = peak.bytes;
    entry.method = to_string(peak.method);
    round.memory.push_back(entry);
  }
  const auto& proc = exit->process;
  ParseOptions options = p.parse_options;
  options.source_name = fmt::format("results file {}", results_file.string());
  options.scenarios = scenarios; // a runner may ignore HOMEBOY_BENCH_SCENARIOS
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
    if (parsed && measured_nothing(*parsed)) {
      // As the original: a runner that failed after writing only its
      // scenario inventory measured nothing. Those are not results, so they
      // are neither compared nor saved as a baseline.
      round.failure->message += "; it failed before measuring: its results file holds only the "
                                "scenario inventory (no metrics), so there are no results";
    } else if (parsed) {
      round.results = std::move(*parsed);
    }
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

namespace {

// --exec and bench.commands: homeboy times the commands itself and writes an
// ordinary results file, which then goes through the same parser as a
// runner's.
Round
measure_commands(const Prepared& p, const BenchRequest& request, const std::string& run_id,
                 const stdfs::path& run_dir, const stdfs::path& results_file,
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
  options.group = p.group;
  options.counter = p.counter;
  // One invocation for the round: every timed command and iteration of it
  // shares the dirs (a round is one child workload run).
  auto child = begin_child(p, request, run_id);
  if (!child) {
    round.failure = child.error();
    round.exit_code = 1;
    round.terminal_reason = "invocation_refused";
    return round;
  }
  options.env.unset("HOMEBOY_INVOCATION_PORT_BASE");
  options.env.unset("HOMEBOY_INVOCATION_PORT_MAX");
  options.env.unset("HOMEBOY_BENCH_SHARED_STATE");
  if (request.shared_state) {
    options.env.set("HOMEBOY_BENCH_SHARED_STATE", request.shared_state->string());
  }
  if (request.on_progress) {
    options.on_iteration = [&](const std::string& name, std::uint64_t iteration, bool warmup) {
      BenchProgress progress;
      progress.kind = BenchProgress::Kind::scenario;
      progress.scenario = warmup ? name + " (warmup)" : name;
      progress.iteration = iteration;
      progress.iterations = warmup ? options.warmup : iterations;
      request.on_progress(progress);
    };
  }
  for (const auto& [name, value] : child->env()) {
    options.env.set(name, value);
  }
  auto run = time_commands(commands, options);
  end_child(*child, run_dir);
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
      fmt::format("{}: {} iteration{} of {} failed, first {}{}{}; failed iterations are left "
                  "out of the {}{}",
                  c.name, c.failures.size(), c.failures.size() == 1 ? "" : "s",
                  iterations + options.warmup, first.warmup ? "(warmup) " : "",
                  first.describe(), tail.empty() ? "" : ": " + tail,
                  p.counter ? "counts" : "timings",
                  p.counter == measure::Counter::cachegrind
                    ? "; check that the command runs without Valgrind"
                    : ""));
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
  ParseOptions parse_options = p.parse_options;
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

} // namespace

Round
measure(const Prepared& p, const BenchRequest& request, const std::string& run_id,
        const stdfs::path& run_dir, std::uint64_t round_number, std::uint64_t iterations,
        const std::vector<std::string>& scenarios, std::uint64_t seed)
{
  std::string tag = round_number > 1 ? fmt::format(".round-{}", round_number) : "";
  auto results_file = run_dir / ("bench-results" + tag + ".json");
  Round round =
    p.exec()                  ? measure_commands(p, request, run_id, run_dir, results_file,
                                                 iterations, scenarios, seed + round_number - 1)
    : request.concurrency > 1 ? measure_instances(p, request, run_id, run_dir, results_file, tag,
                                                  iterations, scenarios)
                              : measure_with_runner(p, request, run_id, run_dir, results_file,
                                                    tag, iterations, scenarios);
  for (auto& peak : round.memory) peak.invocation = round_number;
  return round;
}

double
speed_probe()
{
  if (const char* fixed = std::getenv("HOMEBOY_TEST_SPEED_INDEX"); fixed && *fixed) {
    char* end = nullptr;
    double v = std::strtod(fixed, &end);
    if (end && *end == '\0' && v > 0 && std::isfinite(v)) return v;
  }
  return probe_speed_index();
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
        if (json_member_or(entry, "id", "") != target->id) continue;
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
      if (!results.policies.empty() && !results.policy(name)) continue;
      // --runs N: each invocation on its own, so that a shift between
      // sessions is not read as a drift and iterations are numbered as the
      // runner numbered them.
      const auto* sizes = find_session_sizes(s.sessions, name);
      auto sessions = sizes ? split_sessions(samples, sizes) : std::nullopt;
      if (!sessions || sessions->size() < 2) {
        report.diagnostics.push_back({s.id, name, stats::diagnose(samples)});
        continue;
      }
      for (std::size_t k = 0; k < sessions->size(); ++k) {
        report.diagnostics.push_back({s.id, name, stats::diagnose((*sessions)[k]), k + 1});
      }
    }
  }
  // The drift test runs once per series: a run of 12 series at 0.01 would
  // warn by chance one run in nine. Judged at 0.01 / series (Bonferroni),
  // the run as a whole warns by chance at most one run in a hundred.
  const double alpha = stats::kTrendAlpha / static_cast<double>(report.diagnostics.size());
  for (auto& entry : report.diagnostics) {
    auto& trend = entry.diagnostics.trend;
    if (trend.flagged && trend.p_value > alpha) trend.flagged = false;
  }
}

void
apply_round(BenchReport& report, Round& round, std::string& terminal_reason)
{
  if (round.process) report.process = round.process;
  report.memory_peaks.insert(report.memory_peaks.end(), round.memory.begin(), round.memory.end());
  report.command_failures.insert(report.command_failures.end(), round.command_failures.begin(),
                                 round.command_failures.end());
  if (round.failure) {
    report.failure = round.failure;
    report.exit_code = round.exit_code;
    report.cancelled = round.cancelled;
    terminal_reason = round.terminal_reason;
  }
}

} // namespace hb::app::pipeline

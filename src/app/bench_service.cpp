// `homeboy bench` as one call: the order of the stages in app/bench/ and of
// the writes that make a bench crash-consistent (record the run, measure,
// settle, then commit the baseline).

#include "app/bench_service.hpp"

#include "app/bench/baseline_commit.hpp"
#include "app/bench/pipeline.hpp"
#include "app/bench_context.hpp"
#include "app/reconcile.hpp"

#include "bench/baseline.hpp"
#include "bench/command_timing.hpp"
#include "bench/invocations.hpp"
#include "bench/runner.hpp"
#include "bench/runtime_helpers.hpp"
#include "bench/verdict.hpp"
#include "model/component.hpp"
#include "model/paths.hpp"
#include "stats/descriptive.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"
#include "util/host.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/fault.hpp"
#include "util/last_resort.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace hb::app {

namespace stdfs = std::filesystem;
using namespace hb::bench;
using namespace hb::app::pipeline;

namespace {

// How a bench that stopped before measuring is settled: failed, with the
// error in metadata.failure.
RunOutcome
failed_outcome(const char* terminal_reason, int exit_code, const Error& error)
{
  RunOutcome outcome;
  outcome.status = RunStatus::failed;
  outcome.terminal_reason = terminal_reason;
  outcome.exit_code = exit_code;
  outcome.finished_at = now_ms();
  outcome.metadata_json =
    dump_json(Json{{"failure", {{"code", error.code}, {"message", error.message}}}});
  return outcome;
}

// The first measurement: one invocation, or --runs N of them one after
// another, combined (bench/invocations.hpp). An invocation that fails stops
// the rest; its results (and the first's) stay in the report for the record.
void
measure_invocations(const Prepared& p, const BenchRequest& request, BenchReport& report,
                    const stdfs::path& run_dir, std::uint64_t seed, std::string& terminal_reason)
{
  std::vector<BenchResults> invocations;
  for (std::uint64_t k = 1; k <= request.runs && !report.failure; ++k) {
    if (k > 1 && interrupted()) {
      report.failure = Error{"bench.interrupted",
                             fmt::format("interrupted after {} of {} invocations (--runs); the run "
                                         "is recorded as cancelled",
                                         k - 1, request.runs),
                             "{}"};
      report.cancelled = true;
      report.exit_code = 130;
      terminal_reason = "cancelled_by_user";
      break;
    }
    // The machine's speed at both ends of the session (about 20 ms).
    const double before = speed_probe();
    Round round = measure(p, request, report.run_id, run_dir, k, request.iterations,
                          request.scenarios, seed);
    const double after = speed_probe();
    if (!report.machine_speed) report.machine_speed.emplace();
    report.machine_speed->sessions.push_back((before + after) / 2);
    apply_round(report, round, terminal_reason);
    report.invocations = k;
    if (round.results) invocations.push_back(std::move(*round.results));
  }
  if (invocations.empty()) return;
  if (report.failure || invocations.size() == 1) {
    report.results = std::move(invocations.front());
    return;
  }
  auto combined = combine_invocations(std::move(invocations));
  if (!combined) {
    report.failure = combined.error();
    report.exit_code = 1;
    terminal_reason = "results_invalid";
    return;
  }
  report.results = std::move(*combined);
}

} // namespace

Result<BenchReport>
run_bench(const BenchRequest& request)
{
  install_interrupt_handlers();
  if (request.runs == 0 || request.runs > k_max_runs) {
    return make_error("validation.invalid_argument",
                      fmt::format("--runs must be between 1 and {}, got {}; --runs 3 runs the "
                                  "benchmark in three separate invocations",
                                  k_max_runs, request.runs));
  }
  if (request.runs > 1 && request.until_decisive) {
    return make_error("validation.invalid_argument",
                      "--runs and --until-decisive cannot be combined: --until-decisive adds "
                      "iterations to one invocation, --runs adds invocations (sessions); on a "
                      "noisy machine more invocations is what decides, so use --runs alone");
  }
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
  // Leftovers of a bench killed earlier: finish or roll back its baseline
  // record, and remove its temporary copy of homeboy.json.
  (void)recover_pending_baselines(**store, p.paths);
  remove_stale_temp_files(p.baseline_file);
  // Every child of this bench (discovery, runner, timed commands) starts in
  // one process group that dies with us.
  auto group = GroupGuard::create();
  if (!group) {
    return Unexpected(group.error());
  }
  p.group = &*group;
  BenchReport report;
  report.component_id = p.component.id;
  report.iterations = request.iterations;
  // Counts have a baseline of their own, so a time baseline and an
  // instruction baseline of the same commands live side by side.
  report.baseline_key = p.counter ? "bench.instructions" : baseline_key("");
  report.measured_by = p.exec() ? "exec" : "runner";
  if (p.counter) report.counter = measure::counter_name(*p.counter);
  report.host = host_fingerprint();

  std::optional<Baseline> baseline;
  std::optional<Baseline> next_baseline;
  if (!request.ignore_baseline && !request.save_baseline) {
    auto read = read_baseline(p.baseline_file, report.baseline_key);
    if (!read) {
      return Unexpected(read.error());
    }
    baseline = std::move(*read);
    report.baseline_found = baseline.has_value();
  } else {
    // Not compared, but whether one exists is still the truth to record and
    // report (a malformed one is not read for anything, so it is no error
    // here; --baseline replaces it).
    auto read = read_baseline(p.baseline_file, report.baseline_key);
    report.baseline_found = read && read->has_value();
    report.baseline_ignored = request.ignore_baseline;
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
  // runtime: where `runs reconcile` finds what is left of a killed bench.
  Json runtime = {{"host", hostname()}, {"pgid", group->pgid()}};
  if (group->start_time()) runtime["start_time"] = *group->start_time();
  run.metadata_json = dump_json(Json{{"iterations", request.iterations},
                                     {"runner", {{"extension_id", p.runner.extension_id}}},
                                     {"runtime", runtime}});
  // The row first, then its directory: a kill in between leaves a run that
  // reconcile settles, never a directory no run owns.
  if (auto inserted = (*store)->insert_run(run); !inserted) {
    return Unexpected(inserted.error());
  }
  if (auto made = fs::create_directories(run_dir); !made) {
    Error error{"store.unwritable",
                made.error().message + " (set --artifact-root or HOMEBOY_ARTIFACT_ROOT to a "
                                       "writable directory)",
                "{}"};
    (void)(*store)->settle_run(run.id, RunStatus::running, 0,
                               failed_outcome("artifact_root_unwritable", 1, error));
    return Unexpected(error);
  }
  // Should homeboy itself fail from here on, the run is settled, not left
  // `running` (util/last_resort).
  LastResortAction settle_on_internal_error([&](const std::string& what) {
    (void)(*store)->settle_run(run.id, RunStatus::running, 0,
                               failed_outcome("internal_error", k_internal_error_exit,
                                              Error{"internal_error", what, "{}"}));
  });

  // The command order's seed is printed, so a surprising order can be rerun.
  std::uint64_t seed = request.seed.value_or(static_cast<std::uint64_t>(now_ms()));
  if (p.exec()) report.exec_seed = seed;
  std::string terminal_reason;
  measure_invocations(p, request, report, run_dir, seed, terminal_reason);
  if (report.results && !report.failure) {
    BenchResults& results = *report.results;
    CompareOptions options{request.regression_threshold, request.statistics, request.correction,
                           request.alpha};
    // Session by session (the default): --runs N gives each side's
    // sessions, the store's history this host's spread between them.
    options.session_aware = request.session_aware;
    options.current_speed = report.machine_speed;
    // Counts are compared by the point test: no session spread to estimate.
    if (options.session_aware && baseline && !p.counter) {
      options.history = session_history(**store, p, request, report.host.hostname, now_ms());
      report.history_metrics = options.history.size();
    }
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
      next_baseline = planned_baseline(request, report, baseline);
    }
  }
  if (next_baseline) {
    if (auto marked = mark_baseline_pending(p.paths, report.run_id, p.baseline_file,
                                            report.baseline_key, request.ratchet);
        !marked) {
      report.failure = marked.error();
      report.exit_code = 1;
      terminal_reason = "baseline_write_failed";
      next_baseline.reset();
    } else {
      report.baseline_pending = true;
      kill_here_if_asked("bench.baseline_marked");
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
    // The run stays `running`; `homeboy runs reconcile` will settle it. The
    // baseline is written only for a run the store records as succeeded.
    report.failure = settled.error();
    report.exit_code = report.exit_code ? report.exit_code : 1;
    if (next_baseline) {
      drop_baseline_marker(p.paths, report.run_id);
      report.baseline_pending = false;
      report.notes.push_back("baseline not saved: the run could not be recorded");
    }
  } else if (next_baseline) {
    auto committed = commit_baseline(**store, p.paths, report.run_id, p.baseline_file,
                                     report.baseline_key, std::move(*next_baseline),
                                     request.ratchet);
    report.baseline_pending = false;
    if (committed) {
      (request.save_baseline ? report.baseline_saved : report.ratcheted) = true;
    } else {
      // The run itself succeeded and is recorded so; only the baseline failed.
      report.failure = committed.error();
      report.exit_code = 1;
      report.notes.push_back(fmt::format("baseline not {}: {}",
                                         request.save_baseline ? "saved" : "ratcheted",
                                         committed.error().message));
    }
  }
  add_hints(report, p, p.component.id == "exec" && !request.component_id);
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
  auto group = GroupGuard::create();
  if (!group) {
    return Unexpected(group.error());
  }
  prepared->group = &*group;
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

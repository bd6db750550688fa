// One bench run from its record to its settle, in the order that makes a
// bench crash-consistent: the run is recorded before anything is measured,
// settled with all its evidence, and only then is the baseline committed.
// run_bench drives one session; a comparison drives one per side and
// interleaves their invocations (compare_arms.cpp).

#include "app/bench/baseline_commit.hpp"
#include "model/host_id.hpp"
#include "app/bench/job_link.hpp"
#include "app/bench/pipeline.hpp"
#include "app/bench/resume.hpp"
#include "app/bench/instances.hpp"
#include "app/bench/isolation.hpp"
#include "app/bench_context.hpp"
#include "app/reconcile.hpp"

#include "bench/invocations.hpp"
#include "util/fault.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <unistd.h>

namespace hb::app::pipeline {

namespace stdfs = std::filesystem;
using namespace hb::bench;

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

} // namespace

Result<std::unique_ptr<Session>>
open_session(const BenchRequest& request, bool compare_baseline)
{
  auto prepared = prepare(request);
  if (!prepared) {
    return Unexpected(prepared.error());
  }
  // --shared-state / --concurrency: refused or the directory made before
  // anything is recorded.
  if (auto ok = check_instances(request, prepared->exec()); !ok) {
    return Unexpected(ok.error());
  }
  auto session = std::make_unique<Session>();
  Session& s = *session;
  s.p = std::move(*prepared);
  Prepared& p = s.p;
  // Open the store before anything runs: an unusable data dir must fail
  // before minutes of benchmarking are spent.
  auto store = open_store(p.paths);
  if (!store) {
    return Unexpected(store.error());
  }
  s.store = std::move(*store);
  // Leftovers of a bench killed earlier: finish or roll back its baseline
  // record, and remove its temporary copy of homeboy.json.
  (void)recover_pending_baselines(*s.store, p.paths);
  remove_stale_temp_files(p.baseline_file);
  // Every child of this bench (discovery, runner, timed commands) starts in
  // one process group that dies with us.
  auto group = GroupGuard::create();
  if (!group) {
    return Unexpected(group.error());
  }
  s.group = std::move(*group);
  p.group = &s.group;
  BenchReport& report = s.report;
  report.component_id = p.component.id;
  report.iterations = request.iterations;
  if (request.rig) {
    report.rig_id = request.rig->id;
    report.rig_state_json = request.rig->state_json;
  }
  // Counts have a baseline of their own, so a time baseline and an
  // instruction baseline of the same commands live side by side.
  report.baseline_key = baseline_key(report.rig_id);
  if (p.counter) {
    report.baseline_key = report.rig_id.empty() ? "bench.instructions"
                                                : report.baseline_key + ".instructions";
  }
  report.measured_by = p.exec() ? "exec" : "runner";
  if (p.counter) report.counter = measure::counter_name(*p.counter);
  report.host = host_fingerprint();
  report.resources_state = resources_state_of(request.resources_json);

  auto read = read_baseline(p.baseline_file, report.baseline_key);
  if (compare_baseline && !request.ignore_baseline && !request.save_baseline) {
    if (!read) {
      return Unexpected(read.error());
    }
    s.baseline = std::move(*read);
    report.baseline_found = s.baseline.has_value();
    if (s.baseline && !s.baseline->run_id.empty()) {
      report.baseline_resources_state = recorded_resources_state(*s.store, s.baseline->run_id);
    }
  } else {
    // Not compared, but whether one exists is still the truth to record and
    // report (a malformed one is not read for anything, so it is no error
    // here; --baseline replaces it).
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
  s.run_dir = p.paths.run_dir(report.run_id);
  Run run = owned_run(report.run_id, "bench", request.command_line, request.cwd.string(),
                      request.homeboy_version);
  run.component_id = p.component.id;
  run.rig_id = report.rig_id;
  run.git_sha = read_git_sha(p.component.local_path);
  // runtime: where `runs reconcile` finds what is left of a killed bench.
  Json runtime = {{"host", host_id()}, {"pgid", s.group.pgid()}};
  if (s.group.start_time()) runtime["start_time"] = *s.group.start_time();
  Json metadata = {{"iterations", request.iterations},
                   {"runner", {{"extension_id", p.runner.extension_id}}},
                   {"runtime", runtime},
                   {"fingerprint", measurement_fingerprint(p, request)}};
  std::optional<std::string> job = parent_job(*s.store);
  run.metadata_json = dump_json(metadata);
  if (job) run.metadata_json = with_job(run.metadata_json, *job);
  // The row first, then its directory: a kill in between leaves a run that
  // reconcile settles, never a directory no run owns.
  if (auto inserted = s.store->insert_run(run); !inserted) {
    return Unexpected(inserted.error());
  }
  if (job) announce_to_job(*s.store, *job, run);
  if (auto made = fs::create_directories(s.run_dir); !made) {
    Error error{"store.unwritable",
                made.error().message + " (set --artifact-root or HOMEBOY_ARTIFACT_ROOT to a "
                                       "writable directory)",
                "{}"};
    (void)s.store->settle_run(run.id, RunStatus::running, 0,
                              failed_outcome("artifact_root_unwritable", 1, error));
    return Unexpected(error);
  }
  // Should homeboy itself fail from here on, the run is settled, not left
  // `running` (util/last_resort).
  Store* store_ptr = s.store.get();
  std::string run_id = run.id;
  s.settle_on_internal_error =
    std::make_unique<LastResortAction>([store_ptr, run_id](const std::string& what) {
      (void)store_ptr->settle_run(run_id, RunStatus::running, 0,
                                  failed_outcome("internal_error", k_internal_error_exit,
                                                 Error{"internal_error", what, "{}"}));
    });
  // The command order's seed is printed, so a surprising order can be rerun.
  s.seed = request.seed.value_or(static_cast<std::uint64_t>(now_ms()));
  if (p.exec()) report.exec_seed = s.seed;
  return session;
}

bool
measure_invocation(Session& s, const BenchRequest& request, std::uint64_t k,
                   std::uint64_t iterations, bool probe_speed)
{
  BenchReport& report = s.report;
  if (report.failure) {
    return false;
  }
  if (k > 1 && interrupted()) {
    report.failure = Error{"bench.interrupted",
                           fmt::format("interrupted after {} invocation{}; the run is recorded "
                                       "as cancelled",
                                       k - 1, k == 2 ? "" : "s"),
                           "{}"};
    report.cancelled = true;
    report.exit_code = 130;
    s.terminal_reason = "cancelled_by_user";
    return false;
  }
  if (request.on_progress) {
    BenchProgress progress;
    progress.kind = BenchProgress::Kind::invocation_started;
    progress.invocation = k;
    progress.invocations = request.runs;
    request.on_progress(progress);
  }
  // The machine's speed at both ends of the session (about 20 ms).
  const double before = probe_speed ? speed_probe() : 0;
  Round round = measure(s.p, request, report.run_id, s.run_dir, k, iterations, request.scenarios,
                        s.seed);
  if (probe_speed) {
    const double after = speed_probe();
    if (!report.machine_speed) report.machine_speed.emplace();
    report.machine_speed->sessions.push_back((before + after) / 2);
  }
  apply_round(report, round, s.terminal_reason);
  report.invocations = k;
  if (round.results) s.invocations.push_back(std::move(*round.results));
  return !report.failure;
}

void
combine(Session& s)
{
  BenchReport& report = s.report;
  if (s.invocations.empty()) return;
  if (report.failure || s.invocations.size() == 1) {
    report.results = std::move(s.invocations.front());
    s.invocations.clear();
    return;
  }
  auto combined = combine_invocations(std::move(s.invocations));
  s.invocations.clear();
  if (!combined) {
    report.failure = combined.error();
    report.exit_code = 1;
    s.terminal_reason = "results_invalid";
    return;
  }
  report.results = std::move(*combined);
}

void
settle(Session& s, const BenchRequest& request, std::optional<Baseline> next_baseline)
{
  BenchReport& report = s.report;
  Prepared& p = s.p;
  if (next_baseline) {
    if (auto marked = mark_baseline_pending(p.paths, report.run_id, p.baseline_file,
                                            report.baseline_key, request.ratchet);
        !marked) {
      report.failure = marked.error();
      report.exit_code = 1;
      s.terminal_reason = "baseline_write_failed";
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

  collect_run_files(report, s.run_dir);
  if (report.results) {
    collect_scenario_artifacts(report, *report.results, p.component.local_path);
  }
  RunOutcome outcome;
  outcome.status = final_status;
  outcome.terminal_reason = s.terminal_reason;
  outcome.exit_code = report.exit_code;
  outcome.finished_at = now_ms();
  outcome.metadata_json = run_metadata(request, p, report, s.terminal_reason);
  if (auto job = parent_job(*s.store)) outcome.metadata_json = with_job(outcome.metadata_json, *job);
  outcome.artifacts = report.artifacts;
  if (report.results) {
    for (const auto& sc : report.results->scenarios) {
      outcome.scenario_ids.push_back(sc.id);
    }
    outcome.metrics = metric_rows(*report.results);
    outcome.findings = findings_of(report.run_id, *report.results);
  }
  if (auto settled = s.store->settle_run(report.run_id, RunStatus::running, 0, outcome);
      !settled) {
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
    auto committed = commit_baseline(*s.store, p.paths, report.run_id, p.baseline_file,
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
  // Settled: an internal error from here on has nothing left to settle.
  s.settle_on_internal_error.reset();
}

} // namespace hb::app::pipeline

// `homeboy bench` as one call: the order of the stages in app/bench/ and of
// the writes that make a bench crash-consistent (record the run, measure,
// settle, then commit the baseline).

#include "app/bench_service.hpp"

#include "app/bench/baseline_commit.hpp"
#include "app/bench/pipeline.hpp"
#include "app/bench/resume.hpp"
#include "bench/kept_results.hpp"
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

Result<BenchReport> run_session(const BenchRequest& request, const ResumePlan* resume);

} // namespace

Result<BenchReport>
run_bench(const BenchRequest& request)
{
  if (!request.resume_from) return run_session(request, nullptr);
  if (request.runs > 1 || request.until_decisive || request.concurrency > 1 || request.comparison_arm) {
    return make_error("validation.invalid_option",
                      "--resume continues one interrupted invocation: drop --runs, "
                      "--until-decisive, --concurrency and comparisons (--rig a,b, --against)");
  }
  auto plan = plan_resume(request);
  if (!plan) return Unexpected(plan.error());
  BenchRequest narrowed = request;
  narrowed.scenarios = plan->nothing_left ? std::vector<std::string>{} : plan->remaining;
  return run_session(narrowed, &*plan);
}

namespace {

Result<BenchReport>
run_session(const BenchRequest& request, const ResumePlan* resume)
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
  auto opened = open_session(request, true);
  if (!opened) {
    return Unexpected(opened.error());
  }
  Session& s = **opened;
  Prepared& p = s.p;
  BenchReport& report = s.report;
  std::optional<Baseline>& baseline = s.baseline;
  std::optional<Baseline> next_baseline;

  // The first measurement: one invocation, or --runs N of them one after
  // another, combined (bench/invocations.hpp). An invocation that fails
  // stops the rest; its results (and the first's) stay for the record.
  if (resume && resume->nothing_left) {
    report.results = resume->kept;
  } else {
    for (std::uint64_t k = 1; k <= request.runs; ++k) {
      if (!measure_invocation(s, request, k, request.iterations)) break;
    }
    combine(s);
  }
  if (resume) {
    // The interrupted run's finished scenarios join the measured ones; both
    // runs say so (the old one by an event, this one in metadata.resume).
    std::optional<BenchResults> measured =
      resume->nothing_left ? std::nullopt : std::optional<BenchResults>(report.results);
    if (!report.results) report.results = BenchResults{p.component.id, request.iterations};
    std::vector<std::string> kept = add_kept_scenarios(*report.results, resume->kept);
    report.resume_json = resume_json(*resume, kept, report.run_id, measured ? &*measured : nullptr);
    (void)s.store->append_event(resume->from_run, "resumed",
                                dump_json(Json{{"run_id", report.run_id}, {"kept", kept}}), now_ms());
  }
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
      options.history = session_history(*s.store, p, request, report.host.hostname, now_ms());
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
        const Scenario* sc = results.find(id);
        std::uint64_t have = sc ? sample_count(*sc) : *request.until_decisive;
        if (have < *request.until_decisive) {
          ids.push_back(id);
          std::uint64_t step = decisive_round_iterations(have, *request.until_decisive);
          extra = extra ? std::min(extra, step) : step;
        }
      }
      if (ids.empty() || extra == 0) {
        break;
      }
      Round more = measure(p, request, report.run_id, s.run_dir, round_number, extra, ids, s.seed);
      report.decisive_rounds.push_back({round_number, extra, ids});
      if (more.results) {
        merge_round(results, *more.results, ids, round_number);
      }
      apply_round(report, more, s.terminal_reason);
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
      s.terminal_reason = !report.passed ? "gate_failed"
                          : regression   ? "regression"
                          : undecided    ? "inconclusive"
                                         : "";
      next_baseline = planned_baseline(request, report, baseline);
    }
  }
  settle(s, request, std::move(next_baseline));
  add_hints(report, p, p.component.id == "exec" && !request.component_id);
  return std::move(report);
}

} // namespace

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

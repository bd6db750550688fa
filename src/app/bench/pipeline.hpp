#pragma once
// The stages of `homeboy bench` (app::run_bench): prepare (component,
// runner or timed commands, settings, helpers), measure (one round of the
// runner or the commands, and --until-decisive's extra rounds), record (the
// run's artifacts, findings, metric rows and metadata), and the baseline
// commit (crash-consistent --baseline / --ratchet). Internal to app/: only
// bench_service.cpp and these stages include it.

#include "app/bench_service.hpp"

#include "bench/command_timing.hpp"
#include "bench/compare.hpp"
#include "bench/runner.hpp"
#include "bench/runtime_helpers.hpp"
#include "model/component.hpp"
#include "model/paths.hpp"
#include "store/store.hpp"
#include "util/group_guard.hpp"
#include "util/last_resort.hpp"

#include "bench/ci_profile.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hb::app::pipeline {

/// Everything resolved before a bench records its run.
struct Prepared
{
  Paths paths;
  Component component;
  bench::Runner runner;                        // unless commands are timed
  std::vector<bench::TimedCommand> commands;   // --exec or bench.commands
  /// --measure instructions: the counter every iteration uses.
  std::optional<measure::Counter> counter;
  std::filesystem::path baseline_file;  // the homeboy.json holding baselines
  std::vector<bench::HelperFile> helpers;
  std::string settings_json;
  /// What the runner gets after its path: --ci-profile's job args, then the
  /// CLI's `-- args`.
  std::vector<std::string> runner_args;
  /// `--setting bench_env.NAME=value` and `--setting-json bench_env={...}`:
  /// variables for the runner (values never logged: they may be secrets).
  std::vector<std::pair<std::string, std::string>> bench_env;
  /// --ci-profile: the CI job reproduced (its env reaches the runner).
  std::optional<bench::CiBenchJob> ci_job;
  /// The results parser's options (HOMEBOY_BENCH_MAX_RESULTS_BYTES).
  bench::ParseOptions parse_options;

  /// The process group every child of this bench starts in, so none
  /// outlives homeboy (util/group_guard); owned by run_bench/list_scenarios.
  GroupGuard* group = nullptr;

  bool exec() const { return !commands.empty(); }
};

/// Resolves the component, what measures it and the settings; an error
/// means nothing can run.
Result<Prepared> prepare(const BenchRequest& request);
/// True once SIGINT/SIGTERM/SIGHUP arrived.
bool interrupted();
/// Runs the runner once with `inv`, in the bench's process group, with the
/// request's runner arguments and the merged settings.
Result<bench::RunnerExit> run_runner(const Prepared& p, const BenchRequest& request,
                                     const bench::RunnerInvocation& inv);
/// The runner in list-only mode in a scratch dir: its scenario inventory.
Result<bench::BenchResults> discover(const Prepared& p, const BenchRequest& request);
/// An error naming unknown ids among `selected`, and the known ones.
Result<void> check_selected(const bench::BenchResults& inventory,
                            const std::vector<std::string>& selected);

/// What one measurement (the first run, or an --until-decisive round)
/// produced.
struct Round
{
  std::optional<ProcessResult> process;
  std::optional<bench::BenchResults> results; // parsed, even when the round failed
  std::optional<Error> failure;
  std::string terminal_reason;
  int exit_code = 0;
  bool cancelled = false;
  std::vector<std::string> command_failures;
  std::optional<std::uint64_t> seed;
  /// The peak RSS of each runner invocation's process tree in this round.
  std::vector<BenchReport::MemoryPeak> memory;
};

/// One runner invocation writing `results_file` (logs tagged `log_tag`);
/// with `instance`, instance *instance of request.concurrency.
Round measure_with_runner(const Prepared& p, const BenchRequest& request,
                          const std::string& run_id, const std::filesystem::path& run_dir,
                          const std::filesystem::path& results_file, const std::string& log_tag,
                          std::uint64_t iterations, const std::vector<std::string>& scenarios,
                          std::optional<std::uint32_t> instance = std::nullopt);

/// One round: the runner, or the timed commands, writing
/// bench-results[.round-N].json into `run_dir`.
Round measure(const Prepared& p, const BenchRequest& request, const std::string& run_id,
              const std::filesystem::path& run_dir, std::uint64_t round_number,
              std::uint64_t iterations, const std::vector<std::string>& scenarios,
              std::uint64_t seed);
/// One session's machine-speed index: the probe at its start and its end
/// (`before`, then this call after the session), averaged. The test seam
/// HOMEBOY_TEST_SPEED_INDEX=<number> replaces the probe.
double speed_probe();
/// Earlier runs the session history looks at: the newest this many, within
/// this window.
inline constexpr std::size_t k_history_runs = 30;
inline constexpr TimeMs k_history_window_ms = 30LL * 24 * 3600 * 1000;
/// The session spread per scenario and metric from the store's earlier runs
/// of this component that measured the same way on `host` (same
/// iterations, workload kind and settings; one session each), pooled
/// between change points (app/bench/history.cpp). Empty when the store has
/// fewer than two such runs or cannot be read: the comparison then goes
/// without, never fails.
std::vector<bench::HistorySpread> session_history(Store& store, const Prepared& p,
                                                  const BenchRequest& request,
                                                  const std::string& host, TimeMs now);
/// Samples a scenario has (the longest distribution, else its iterations).
std::uint64_t sample_count(const bench::Scenario& s);
/// Appends an --until-decisive round's samples to the scenarios it re-ran.
void merge_round(bench::BenchResults& into, const bench::BenchResults& round,
                 const std::vector<std::string>& ids, std::uint64_t round_number);
/// Within-run diagnostics of the compared metrics.
void diagnose_samples(BenchReport& report);
/// Takes a round's process, failures and terminal reason into the report.
void apply_round(BenchReport& report, Round& round, std::string& terminal_reason);

/// The run's evidence files (results of every round, non-empty logs, pings).
void collect_run_files(BenchReport& report, const std::filesystem::path& run_dir);
/// Scenario artifact pointers, indexed (not copied).
void collect_scenario_artifacts(BenchReport& report, const bench::BenchResults& results,
                                const std::filesystem::path& component_dir);
std::vector<Finding> findings_of(const std::string& run_id, const bench::BenchResults& results);
std::vector<MetricRow> metric_rows(const bench::BenchResults& results);
/// The run's metadata as stored when it settles.
std::string run_metadata(const BenchRequest& request, const Prepared& p,
                         const BenchReport& report, const std::string& terminal_reason);
void add_hints(BenchReport& report, const Prepared& p, bool ad_hoc);

/// One bench run from its record to its settle: what run_bench does for one
/// run, and a comparison (compare_arms.hpp) for each of its sides, whose
/// invocations it interleaves. Owned by one thread; heap-allocated because
/// the internal-error action refers to it.
struct Session
{
  Prepared p;
  std::unique_ptr<Store> store;
  GroupGuard group;
  BenchReport report;
  /// The baseline compared with (read unless --ignore-baseline/--baseline).
  std::optional<bench::Baseline> baseline;
  std::filesystem::path run_dir;
  std::string terminal_reason;
  std::uint64_t seed = 0;
  /// Each invocation's results, in order, until combine() joins them.
  std::vector<bench::BenchResults> invocations;
  std::unique_ptr<LastResortAction> settle_on_internal_error;
};

/// Prepares, opens the store, reads the baseline (unless `compare_baseline`
/// is false), checks --scenario ids, then records the run as `running` and
/// creates its directory. An error means nothing was recorded.
Result<std::unique_ptr<Session>> open_session(const BenchRequest& request, bool compare_baseline);
/// Invocation `k` (1-based) with `iterations` iterations, between two speed
/// probes unless `probe_speed` is false (interleaved rounds pair the sides
/// instead, and 40 ms of probes a round would dwarf a short round). False
/// when it failed or was interrupted (report.failure says why); the session
/// then measures no more.
bool measure_invocation(Session& s, const BenchRequest& request, std::uint64_t k,
                        std::uint64_t iterations, bool probe_speed = true);
/// Joins the invocations into report.results (samples kept by session).
void combine(Session& s);
/// Collects the run's files, settles it, then commits `next_baseline`
/// (crash-consistent); the report says what happened.
void settle(Session& s, const BenchRequest& request, std::optional<bench::Baseline> next_baseline);

} // namespace hb::app::pipeline

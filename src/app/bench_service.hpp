#pragma once
// `homeboy bench` as one service call: resolve the component and its runner,
// record the run before the runner starts, run it under the supervisor,
// validate its results, evaluate gates, compare with the baseline, save or
// ratchet the baseline, and settle the run with all its evidence.

#include "bench/compare.hpp"
#include "bench/results/results.hpp"
#include "model/run.hpp"
#include "stats/diagnostics.hpp"
#include "util/host.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"
#include "util/process.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hb::app {

/// The most invocations --runs accepts.
inline constexpr std::uint64_t k_max_runs = 100;

/// What a bench is doing, for a progress display: which invocation, which
/// scenario and iteration when known (a runner's progress line names its
/// scenario; timed commands count their iterations).
struct BenchProgress
{
  enum class Kind { invocation_started, scenario };
  Kind kind = Kind::scenario;
  std::uint64_t invocation = 1;  // 1-based (--runs N)
  std::uint64_t invocations = 1;
  std::string scenario;          // empty: not known
  std::uint64_t iteration = 0;   // 1-based; 0: not known
  std::uint64_t iterations = 0;  // per scenario; 0: not known
};

/// The most runner instances --concurrency accepts.
inline constexpr std::uint64_t k_max_concurrency = 64;

struct BenchRequest
{
  std::optional<std::string> component_id; // else detected from cwd
  std::filesystem::path cwd;
  std::optional<std::filesystem::path> path_override;     // --path
  std::optional<std::filesystem::path> artifact_root;     // --artifact-root
  std::uint64_t iterations = 10;
  std::optional<std::uint64_t> warmup;
  std::vector<std::string> scenarios;                     // --scenario, repeatable
  bool save_baseline = false;                             // --baseline
  bool ignore_baseline = false;
  bool ratchet = false;
  double regression_threshold = 5.0;
  bench::Statistics statistics = bench::Statistics::sound;   // --statistics
  stats::Correction correction = stats::Correction::holm;     // --correction
  double alpha = 0.05;                                        // --alpha
  bool fail_on_inconclusive = false;
  /// --session-aware (the default) / --no-session-aware: compare session by
  /// session too (bench::CompareOptions::session_aware).
  bool session_aware = true;
  /// --runs N: N separate invocations of the runner (or the timed commands),
  /// each a session (bench/invocations.hpp); 1 to k_max_runs.
  std::uint64_t runs = 1;
  /// --until-decisive[=MAX]: re-run inconclusive scenarios up to MAX samples.
  std::optional<std::uint64_t> until_decisive;
  /// --exec NAME=COMMAND (repeatable): commands homeboy times itself.
  std::vector<std::pair<std::string, std::string>> exec_commands;
  bool shell = false;                                         // --shell
  std::optional<std::string> prepare;                         // --prepare
  std::optional<std::uint64_t> seed;                          // --seed (command order)
  /// An arm of a comparison (compare_arms): --seed also orders the rounds,
  /// so a runner component accepts it.
  bool comparison_arm = false;
  /// --measure instructions: count each timed command's instructions
  /// (measure/instruction_counter.hpp) instead of timing it.
  bool count_instructions = false;
  std::vector<std::pair<std::string, std::string>> settings;      // --setting k=v
  std::vector<std::pair<std::string, std::string>> settings_json; // --setting-json k=json
  std::vector<std::string> runner_args;                   // after --
  /// --ci-profile <ID>: the extension's CI profile whose one bench job's
  /// args and env this run reproduces (bench/ci_profile.hpp).
  std::optional<std::string> ci_profile;
  std::string command_line;                               // recorded on the run
  std::string homeboy_version;
  /// Receives the runner's stdout and stderr as they arrive.
  std::function<void(OutputStream, std::string_view)> on_runner_output;
  /// --rig <id> (and each side of a comparison): what the rig adds to the
  /// run. Empty: not pinned.
  struct RigPin
  {
    std::string id;                 // recorded on the run; baseline key bench.rig.<id>
    std::string state_json = "{}";  // the rig_state snapshot, recorded in metadata
    /// Variables for the runner and the timed commands.
    std::vector<std::pair<std::string, std::string>> env;
    /// The rig's metric_gates: (scenario id, gate), evaluated with the workload's.
    std::vector<std::pair<std::string, bench::Gate>> gates;
    /// bench_workloads: extension id -> workload paths; the runner's
    /// extension's reach it as HOMEBOY_BENCH_EXTRA_WORKLOADS (':'-joined).
    std::vector<std::pair<std::string, std::vector<std::string>>> workloads;
    /// Each workload's port_range_size / named_leases, by extension id: what
    /// the child's invocation leases (app/bench/isolation.hpp).
    struct Isolation
    {
      std::string extension;
      std::uint64_t port_range_size = 0;
      std::vector<std::string> named_leases;
    };
    std::vector<Isolation> isolation;
  };
  std::optional<RigPin> rig;
  /// --shared-state DIR: HOMEBOY_BENCH_SHARED_STATE for every runner
  /// instance (created when missing; a file there is refused).
  std::optional<std::filesystem::path> shared_state;
  /// --concurrency N: runner instances at once (app/bench/instances.hpp);
  /// N > 1 needs shared_state.
  std::uint64_t concurrency = 1;
  /// --resume RUN: keep the scenarios interrupted bench RUN finished and
  /// measure the rest (app/bench/resume.hpp).
  std::optional<std::string> resume_from;
  /// Receives what the bench is doing now (the CLI's progress line); may
  /// be called from several threads at once.
  std::function<void(const BenchProgress&)> on_progress;
  /// The resource policy's assessment before the run (resources/
  /// resources.hpp assessment_json), recorded as metadata.resources; empty:
  /// not assessed.
  std::string resources_json;
};

/// What one scenario's samples of one metric say about the run itself.
struct SampleDiagnostics
{
  std::string scenario_id;
  std::string metric;
  stats::Diagnostics diagnostics;
  /// --runs N: the invocation these samples came from (1-based); 0 when the
  /// scenario has one session.
  std::size_t invocation = 0;
};

/// One --until-decisive round after the first.
struct DecisiveRound
{
  std::uint64_t round = 0;
  std::uint64_t iterations = 0;
  std::vector<std::string> scenario_ids;
};

struct BenchReport
{
  std::string component_id;
  std::uint64_t iterations = 0;
  int exit_code = 0;
  bool passed = false;   // runner succeeded and every gate and budget passed
  bool cancelled = false;
  std::optional<bench::BenchResults> results;
  std::optional<bench::BaselineComparison> comparison;
  std::string baseline_key;
  bool baseline_found = false;
  /// --ignore-baseline: a baseline may exist (baseline_found) but was not compared.
  bool baseline_ignored = false;
  bool baseline_saved = false;
  bool ratcheted = false;
  /// Between the settle and the baseline write (baseline_commit.hpp).
  bool baseline_pending = false;
  std::vector<std::string> ratcheted_metrics; // "<scenario>/<metric>"
  std::vector<std::string> notes; // baseline not saved because ..., etc.
  std::vector<SampleDiagnostics> diagnostics;
  HostFingerprint host;
  std::vector<DecisiveRound> decisive_rounds;
  /// Invocations that ran (--runs N; 1 without it).
  std::uint64_t invocations = 1;
  /// The machine-speed index of each invocation (bench/machine_speed.hpp).
  std::optional<bench::MachineSpeed> machine_speed;
  /// Metrics whose session spread the store's history measured.
  std::size_t history_metrics = 0;
  std::uint64_t looks = 1;    // comparisons planned (--until-decisive)
  std::optional<std::uint64_t> decisive_max; // --until-decisive's MAX
  std::optional<std::uint64_t> exec_seed; // command order seed for --exec
  /// "runner" or "exec": who measured.
  std::string measured_by = "runner";
  /// --measure instructions: the counter used ("cachegrind (valgrind)").
  std::optional<std::string> counter;
  std::vector<Artifact> artifacts;
  std::string run_id;              // empty when nothing was recorded
  std::optional<ProcessResult> process;
  /// --exec: iterations that failed, per command (never folded into timings).
  std::vector<std::string> command_failures;
  /// Set when the run failed for a reason other than its verdict (runner
  /// crash, missing or invalid results, interruption). The run is recorded.
  std::optional<Error> failure;
  std::vector<std::string> hints;
  /// --rig: the pinned rig and its snapshot (the request's RigPin).
  std::string rig_id;
  std::string rig_state_json;
  /// A side of a comparison: {id, role, reference_run_id, ...} recorded
  /// under metadata.comparison (JSON object text; empty: none).
  std::string comparison_json;
  /// --resume: metadata.resume (which run each scenario came from); empty
  /// when not resumed.
  std::string resume_json;
  /// The machine's state (cold / warm / hot) when this run started, and
  /// when the compared baseline's run started (empty: not known).
  std::string resources_state;
  std::string baseline_resources_state;
  /// The peak RSS of each runner invocation's process tree
  /// (util/peak_rss.hpp), in the order they ran.
  struct MemoryPeak
  {
    std::uint64_t invocation = 1;           // --runs N: 1-based; later rounds continue
    std::optional<std::uint32_t> instance;  // --concurrency: 0-based
    std::uint64_t bytes = 0;
    std::string method;                     // "cgroup_v2" or "sampler"
  };
  std::vector<MemoryPeak> memory_peaks;

  const char* status() const { return passed ? "passed" : "failed"; }
};

/// Runs a bench. An error means nothing was run or recorded (unknown
/// component, no runner, bad arguments, unusable store); once the run is
/// recorded every outcome, failures included, comes back as a BenchReport.
Result<BenchReport> run_bench(const BenchRequest& request);

struct ScenarioList
{
  std::string component_id;
  bench::BenchResults inventory;
  std::string rig_id; // `bench list --rig`: the rig whose checkout was listed
};

/// `bench list`: asks the runner for its scenarios (HOMEBOY_BENCH_LIST_ONLY=1)
/// without running any workload; nothing is recorded.
Result<ScenarioList> list_scenarios(const BenchRequest& request);

/// Everything a reader should be warned about, one sentence each: iterations
/// of timed commands that failed, a baseline measured on another host, and
/// the within-run diagnostics (outliers, drift, bimodality) per scenario and
/// metric.
std::vector<std::string> bench_warnings(const BenchReport& report);

/// compat.md's `baseline_comparison` object, and one of its metric_deltas.
Json baseline_comparison_json(const bench::BaselineComparison& comparison);
Json metric_delta_json(const bench::MetricDelta& delta);
/// A metric's change in percent with its interval, {estimate, lower, upper,
/// confidence, method}: the session comparison's where it applied, else the
/// samples' interval; null when neither was computed.
Json change_percent_json(const bench::MetricDelta& delta);

/// The `single` payload of compat.md's bench envelope.
Json bench_payload(const BenchReport& report);
/// The compact `comparison_summary` payload for --json-summary.
Json bench_summary_payload(const BenchReport& report);
Json scenario_list_payload(const ScenarioList& list);

} // namespace hb::app

#pragma once
// A comparison of several sides ("arms") of one bench in one session: the
// rigs of `homeboy bench --rig a,b[,c]`, or a git revision against the
// working tree (`--against`). Every arm is recorded as its own bench run;
// the first arm is the reference. Sequentially (the original's mode) each
// arm runs all its iterations in turn; interleaved, the iterations are cut
// into rounds and each round runs every arm once, in a shuffled order, so
// drift of the machine during the session hits every arm alike and the
// rounds pair the samples (stats::SessionOptions::paired).
//
// Who calls: the CLI (rigs) and app/against (git trees), from one thread.
// What is durable when run_comparison returns: every arm's run is settled
// (or left `running` for `runs reconcile` if the store failed), and the
// comparison itself is recorded as a bench run whose metadata links them.

#include "app/bench_service.hpp"
#include "bench/compare.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

/// One side of a comparison.
struct Arm
{
  /// Its name in the envelope (`rigs[].rig_id`): a rig id, or a git tree's
  /// label ("main@1a2b3c4", "working-tree"). Unique within a comparison.
  std::string id;
  /// The tree the component is measured in (as --path); timed commands run
  /// there. Empty: the component's own path.
  std::optional<std::filesystem::path> component_path;
  /// The rig pinned on the arm's run (pin.id empty for a git tree: the run
  /// is not rig-pinned), its env, gates and state snapshot.
  BenchRequest::RigPin pin;
};

struct ComparisonRequest
{
  BenchRequest bench;     // component, iterations, scenarios, statistics, ...
  std::vector<Arm> arms;  // arms[0] is the reference; two or more
  bool interleave = false;
  /// Interleaved rounds; 0: min(iterations, 10). Iterations are spread over
  /// the rounds as evenly as they divide.
  std::uint64_t rounds = 0;
  /// --rig-concurrency: sequential arms measured this many at a time.
  std::uint64_t concurrency = 1;
  /// The envelope's `comparison` word: "cross_rig" or "against".
  std::string comparison = "cross_rig";
  /// A `regressed` verdict fails the comparison (exit 1), as `homeboy bench`
  /// does with a baseline (--against). Off: the original's cross-rig rule,
  /// where only the rigs' own statuses set the exit code.
  bool fail_on_regression = false;
  /// Sentences the caller wants in the envelope (default-baseline expansion).
  std::vector<std::string> notes;
};

/// One arm's outcome: its bench report, or why it could not start.
struct ArmResult
{
  Arm arm;
  std::optional<BenchReport> report;
  std::optional<Error> error;

  bool passed() const { return report && report->passed && report->exit_code == 0; }
  int exit_code() const { return report ? report->exit_code : 1; }
};

struct ComparisonReport
{
  std::string comparison = "cross_rig";
  std::string component_id;
  std::uint64_t iterations = 0;
  bool interleaved = false;
  std::uint64_t rounds = 0;       // interleaved rounds; 0 when sequential
  std::uint64_t order_seed = 0;   // seeds the per-round order
  std::vector<std::vector<std::string>> round_orders; // arm ids, per round
  std::vector<ArmResult> arms;
  /// Each non-reference arm against the reference (verdicts[i] is arms[i+1]),
  /// corrected within the arm (Holm by default) at alpha / (arms - 1), so
  /// the family of all cells keeps the false-alarm rate.
  std::vector<std::optional<bench::BaselineComparison>> verdicts;
  int exit_code = 0;
  bool passed = false;
  bool regression = false;
  /// Some cell could not be decided (--fail-on-inconclusive fails on it).
  bool inconclusive = false;
  std::string run_id; // the comparison's own record
  std::vector<std::string> notes;
  std::vector<std::string> hints;
};

/// One row of the comparison: a metric of a reference scenario, with each
/// other arm's value and verdict (index i is arms[i + 1]).
struct ComparisonRow
{
  std::string scenario_id;
  std::string metric;
  double reference = 0;
  std::vector<std::optional<double>> current;      // absent: that arm lacks it
  std::vector<const bench::MetricDelta*> verdicts; // null: not compared by samples
};

/// The rows in the reference's scenario order, metrics by name (metric
/// groups flattened as `<group>.<metric>`, as the original does). Points
/// into `report`.
std::vector<ComparisonRow> comparison_rows(const ComparisonReport& report);
/// (current - reference) / reference * 100; from a zero reference, 0 or a
/// signed infinity.
double delta_percent(double reference, double current);
/// delta_percent as a reader sees it: "+4.2%", "-0.3%", "+∞".
std::string delta_percent_text(double reference, double current);

/// Runs every arm and compares them. An error means nothing was measured
/// (bad request, unusable store); an arm that fails is reported in its
/// entry, the others still run and report.
Result<ComparisonReport> run_comparison(const ComparisonRequest& request);

/// The comparison envelope's payload (bench.md "Output shape (cross-rig)").
Json comparison_payload(const ComparisonReport& report);
/// reports.side_by_side as a Markdown table, for a PR comment.
std::string side_by_side_markdown(const ComparisonReport& report);

} // namespace hb::app

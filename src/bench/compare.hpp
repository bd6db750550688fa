#pragma once
// Baseline comparison: one entry point, compare_to_baseline(), that gives
// every metric a verdict. Two rule sets:
//
// - sound (the default): metrics with samples are tested one-sided in each
//   direction (Mann-Whitney U, Kolmogorov-Smirnov or Welch's t, as the policy
//   names), the p-values of a run are corrected as one family (Holm by
//   default), and the change of the median gets a 95 % interval. A metric
//   is `regressed` when the worse-direction test is significant after
//   correction and the change is worse beyond the policy's thresholds,
//   `improved` likewise in the better direction, `unchanged` when two
//   one-sided tests at alpha show the change is inside the thresholds (the
//   1 - 2 alpha Hodges-Lehmann interval lies within them), and
//   `inconclusive` otherwise.
//   Sessions (docs/bench.md "Sessions"): unless `session_aware` is off, each
//   sampled metric is also compared session by session
//   (stats::compare_sessions: the change of session centres against the
//   spread between sessions, from the run's and the baseline's sessions,
//   the caller's history, or, with one session a side and nothing else, an
//   assumed spread). The p-value of each direction is the larger of the two
//   tests' (both must find the change), `unchanged` needs both equivalence
//   intervals inside the thresholds, and `inconclusive` carries a `reason`
//   and a `remedy`.
// - documented: compat.md "Comparison, as documented", kept so old verdicts
//   can be reproduced and so the decision-quality study can put both side
//   by side.
//
// Metrics without samples (point_delta policies, the legacy p95_ms rule) are
// compared by the point test in both rule sets: regressed beyond the
// thresholds, improved beyond them in the other direction, else unchanged.

#include "bench/baseline.hpp"
#include "bench/results/results.hpp"
#include "stats/correction.hpp"
#include "stats/sessions.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::bench {

enum class Verdict { unchanged, improved, regressed, inconclusive };
const char* to_string(Verdict verdict); // "unchanged" | "improved" | ...

/// Why a metric stayed `inconclusive`: what the summary line counts.
enum class Undecided
{
  none,
  one_session,       // one session a side and no run history
  session_spread,    // the samples differ, the sessions' spread explains it
  interval_too_wide, // neither shown beyond nor within the thresholds
  machine_speed,     // the machine's own change of speed explains it
  conditions_differ, // the two sides' samples spread too differently
};
const char* to_string(Undecided why); // "one_session" | ... (JSON `undecided`)
/// A few words for the summary line: "one session a side, no history".
const char* describe(Undecided why);

enum class Statistics { sound, documented };
std::optional<Statistics> parse_statistics(std::string_view text);
std::optional<stats::Correction> parse_correction(std::string_view text); // none|holm|bh
const char* to_string(stats::Correction correction);                     // "none"|"holm"|"bh"

/// A change with its interval. `unit` is "percent" (relative change of the
/// median) or "value" (Hodges-Lehmann shift, in the metric's unit).
struct Interval
{
  double estimate = 0;
  double lower = 0;
  double upper = 0;
  double confidence = 0.95;
  const char* unit = "percent";
  const char* method = ""; // "bootstrap" | "hodges_lehmann"
};

struct MetricDelta
{
  std::string name;
  double baseline_value = 0; // the summary value, or the median for sample tests
  double current_value = 0;
  double delta = 0;          // current - baseline
  std::optional<double> delta_pct;
  Direction direction = Direction::lower_is_better;
  RegressionTest regression_test = RegressionTest::point_delta;
  std::size_t baseline_samples = 0;
  std::size_t current_samples = 0;
  std::optional<double> statistic; // U, D or t for sample tests
  std::optional<double> z;         // Mann-Whitney's normal approximation
  /// Sample tests: one-sided p of "current is worse", before and after the
  /// run's correction; and the same for "current is better". With sessions
  /// compared, each is the larger of the policy's test's (within_*) and the
  /// session comparison's.
  std::optional<double> p_value;
  std::optional<double> p_value_adjusted;
  std::optional<double> improvement_p_value;
  std::optional<double> improvement_p_value_adjusted;
  /// The policy's test alone (samples taken as independent), before
  /// correction; set when the session comparison also ran.
  std::optional<double> within_p_value;
  std::optional<double> within_improvement_p_value;
  std::string method; // "exact", "normal", "asymptotic", "t", "point", "documented", ...
  std::optional<Interval> interval; // relative change of the median, percent
  std::optional<Interval> shift;    // Hodges-Lehmann shift
  /// The Hodges-Lehmann shift's 1 - 2 alpha interval, in the metric's unit:
  /// `unchanged` rests on it (equivalence by two one-sided tests at alpha).
  std::optional<Interval> equivalence;
  Verdict verdict = Verdict::unchanged;
  bool regression = false;  // verdict == regressed
  bool improvement = false; // verdict == improved
  std::string note; // why a sample test fell back to the point delta, ...
  /// The session comparison (sound rules, sampled metrics, session_aware):
  /// session counts, the change of session centres with its interval, the
  /// spread used and where it came from (`source`, `noise_estimated`).
  std::optional<stats::SessionComparison> sessions;
  /// Why the verdict is `inconclusive`, and what would decide it (`--runs 3`,
  /// more history, an interleaved comparison, more iterations); empty
  /// otherwise.
  std::string reason;
  std::string remedy;
  Undecided undecided = Undecided::none;
  /// Times and rates when the machine ran at a clearly different speed than
  /// for the baseline (machine_speed.hpp): the change in percent with the
  /// speed taken out (the current value divided by the slowdown, or, for a
  /// rate, multiplied by it).
  std::optional<double> speed_adjusted_pct;
};

struct ScenarioComparison
{
  std::string id;
  std::vector<MetricDelta> metric_deltas;
  /// regressed if any metric regressed; else inconclusive if any is; else
  /// improved if any improved; else unchanged.
  Verdict verdict = Verdict::unchanged;
  bool regression = false;
  bool improvement = false;
};

struct BaselineComparison
{
  double threshold_percent = 5.0;
  Statistics statistics = Statistics::sound;
  stats::Correction correction = stats::Correction::holm;
  double alpha = 0.05;
  std::size_t tests = 0; // size of the corrected family
  std::vector<ScenarioComparison> scenarios;
  std::vector<std::string> new_scenario_ids;
  std::vector<std::string> removed_scenario_ids;
  bool regression = false;
  bool has_improvements = false;
  bool inconclusive = false; // some scenario is inconclusive
  std::vector<std::string> reasons; // "<scenario>: <metric> <b> → <c> (+x.x%)"
  /// One sentence per host property that differs from the baseline's host.
  std::vector<std::string> host_differences;
  /// The run's machine speed against the baseline's, when both have one.
  std::optional<SpeedComparison> machine_speed;

  const ScenarioComparison* find(const std::string& scenario_id) const;
  std::vector<std::string> inconclusive_scenario_ids() const;
};

/// What the store's history says about the session spread of one scenario's
/// metric on this host.
struct HistorySpread
{
  std::string scenario_id;
  std::string metric;
  stats::SessionSpread spread;
};

struct CompareOptions
{
  /// --regression-threshold: the legacy p95_ms tolerance in percent.
  double threshold_percent = 5.0;
  Statistics statistics = Statistics::sound;
  stats::Correction correction = stats::Correction::holm;
  double alpha = 0.05;
  /// Seeds the bootstrap, so the same data always prints the same interval.
  std::uint64_t seed = 0x686f6d65626f79;
  /// Resamples of the bootstrap interval of the median change; 0 skips it
  /// (the Hodges-Lehmann interval relative to the baseline median is shown
  /// instead). No verdict depends on it.
  std::size_t bootstrap_resamples = 2000;
  /// Compare sampled metrics session by session too (sound rules only).
  /// Off: the verdicts of the independent-samples tests alone (the rules
  /// before issue 12, kept for the decision-quality study).
  bool session_aware = true;
  /// The single-session rule's assumed session spread.
  stats::SessionPrior session_prior;
  /// The session spread on this host per scenario and metric, from the run
  /// history (stats::history_spread); metrics not listed have none.
  std::vector<HistorySpread> history;
  /// This run's machine-speed index per session. With the baseline's, a
  /// regression (improvement) of a time or rate that the machine's own
  /// slowdown (speed-up) explains is `inconclusive`, not a verdict on the
  /// code (sound rules only).
  std::optional<MachineSpeed> current_speed;
  /// The two sides were measured interleaved (session j of each in round
  /// j): sampled metrics with as many sessions a side are decided by the
  /// paired session comparison alone (stats::SessionOptions::paired), whose
  /// equivalence interval also decides `unchanged`. The independent-samples
  /// test still runs and is reported as within_p_value.
  bool paired_sessions = false;
};

BaselineComparison compare_to_baseline(const Baseline& baseline, const BenchResults& current,
                                       const CompareOptions& options);

/// --ratchet: the baseline with only the metrics whose verdict is `improved`
/// moved to the current run's value and samples; every other scenario,
/// metric and sample stays as it was.
Baseline ratchet_baseline(const Baseline& baseline, const BenchResults& current,
                          const BaselineComparison& comparison);

/// --until-decisive: a scenario with `samples` samples and a budget of `max`
/// gets min(samples, max - samples) more iterations per round, so its samples
/// double until the budget is spent.
std::uint64_t decisive_round_iterations(std::uint64_t samples, std::uint64_t max);
/// How many comparisons ("looks") that allows: the first, then one per
/// round. Each look is judged at alpha / looks (Bonferroni over the looks),
/// so stopping at the first decisive look keeps the false-alarm rate.
std::uint64_t planned_looks(std::uint64_t samples, std::optional<std::uint64_t> max);

/// Formats a metric value for reports: up to 4 significant decimals, no
/// trailing zeros.
std::string format_value(double value);

} // namespace hb::bench

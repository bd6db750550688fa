#pragma once
// Session-aware comparison: a session (one invocation of a benchmark) is a
// unit of noise. On a real machine the samples of one session sit close
// together while whole sessions move (load from other jobs, CPU frequency,
// cache and page-cache state), so a test that treats every sample as
// independent reports a session shift as a change with p < 0.001.
//
// The model is the two-level random-effects design of Kalibera and Jones
// ("Rigorous Benchmarking in Reasonable Time", ISMM 2013), on the log scale:
//
//   log x[j][k] = mu(side) + b[j] + e[j][k],  b ~ N(0, sb^2),  e ~ N(0, sw^2)
//
// Each session is reduced to its centre (the median of its log samples); the
// change is the difference of the mean log centres of the two sides, whose
// variance is (sb^2 + sw^2 / n) (1 / J_base + 1 / J_cur). The variance of a
// centre is estimated from the centres themselves (Student's pooled t on
// the log centres: the session spread is a property of the host, the same on
// both sides), pooled with the run history's estimate when the caller has
// one. With one session per side and no history nothing measures it; then an
// assumed session spread, scaled by how noisy the sessions themselves are
// (SessionPrior), stands in, and the result says it was assumed.
//
// Pure numerics: no JSON, no policy. Inputs must be finite.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hb::stats {

/// What the run history says about the session spread on this host: the
/// standard deviation of log session centres of earlier runs and its
/// degrees of freedom (number of runs minus the number of groups).
struct SessionSpread
{
  double log_sd = 0;
  double df = 0;
};

/// The single-session rule's assumption when neither sessions nor history
/// measure the session spread: an assumed log-scale spread of session
/// centres sqrt(floor^2 + (within_ratio * sw)^2), where sw is the larger of
/// the two sessions' robust within-session log spreads (1.4826 MAD). A quiet
/// session earns a small allowance (floor); a noisy one, which says its
/// machine was unsettled, a proportionally large one. Defaults and their
/// justification: docs/bench.md "Sessions".
///
/// The same allowance is the least session spread a comparison with
/// measured sessions or history uses when the two sides were measured under
/// different conditions: one side's typical within-session spread is more
/// than `conditions_ratio` times the other's and above `floor` (a quiet
/// baseline against a run on a loaded machine). Sessions measured on a
/// quiet machine and a run of a few sessions under a steady load agree with
/// each other and can show a shift that is only the load's.
struct SessionPrior
{
  double floor = 0.03;
  double within_ratio = 2.0;
  double conditions_ratio = 2.0;
};

struct SessionOptions
{
  double confidence = 0.95;
  /// The equivalence interval is the 1 - 2 alpha interval (two one-sided
  /// tests at alpha), as for the sample tests.
  double alpha = 0.05;
  std::optional<SessionSpread> history;
  SessionPrior prior;
  /// Interleaved measurement: session j of both sides ran back to back in
  /// round j (bench --interleave, --against), so session j of one side is
  /// paired with session j of the other. With as many sessions a side, two
  /// or more, the comparison is Yuen's trimmed paired t on the differences
  /// of log centres: `paired_trim` of the rounds cut from each end (none
  /// below 5 rounds), df = rounds - 2 cut - 1. Whatever moved the machine
  /// between rounds moved both sides of a round and cancels; a round that
  /// one time slice hit is cut. History and the single-session rule are not
  /// used then (source "paired").
  bool paired = false;
  double paired_trim = 0.2;
};

struct SessionComparison
{
  /// False when the method cannot be applied at all (a non-positive value,
  /// an empty side, a single value per side); `reason` says why, and every
  /// figure below is left at its default (p-values 1).
  bool applicable = false;
  std::size_t baseline_sessions = 0;
  std::size_t current_sessions = 0;
  /// Relative change of the (geometric) mean session centre, in percent,
  /// with its `confidence` interval and the 1 - 2 alpha equivalence interval.
  double estimate_pct = 0;
  double lower_pct = 0;
  double upper_pct = 0;
  double equivalence_lower_pct = 0;
  double equivalence_upper_pct = 0;
  /// One-sided p-values of "current is larger" and "current is smaller".
  double p_greater = 1;
  double p_less = 1;
  double log_difference = 0; // mean log centre, current minus baseline
  double standard_error = 0; // of log_difference
  double df = 0;             // infinite when the spread is assumed
  double session_log_sd = 0; // the spread of a session centre that was used
  double within_log_sd = 0;  // the larger robust within-session log spread
  /// Paired comparisons: the rounds cut from each end of the sorted
  /// differences (the estimate is the mean of the rest).
  std::size_t trimmed_rounds = 0;
  /// True when sessions or history measured the session spread; false when
  /// it was assumed (SessionPrior) or the method was not applicable.
  bool noise_estimated = false;
  /// "sessions", "history", "sessions+history", "paired", "assumed" or "none".
  const char* source = "none";
  /// The typical (median over sessions) robust within-session log spread of
  /// each side, and whether they differ enough that the measured session
  /// spread was raised to the SessionPrior allowance of the noisier side.
  double baseline_within_log_sd = 0;
  double current_within_log_sd = 0;
  bool conditions_differ = false;
  /// Empty when noise_estimated; else why it could not be estimated.
  std::string reason;
};

/// Compares session centres: `baseline` and `current` hold one vector of
/// per-iteration samples per session (a legacy baseline is one session);
/// Student's pooled t on log centres, pooled with `options.history`, when
/// either side has two or more sessions or there is history, else the
/// single-session rule (SessionPrior, normal reference), flagged as assumed.
SessionComparison compare_sessions(const std::vector<std::vector<double>>& baseline,
                                   const std::vector<std::vector<double>>& current,
                                   const SessionOptions& options = {});

/// The centre of one session: the median of the logarithms of its samples
/// (positive, non-empty).
double session_log_centre(const std::vector<double>& samples);

/// The history estimate from earlier runs' session centres (each run's
/// median, say), in groups that share one true centre (one group per
/// stretch of history without a change point or a fingerprint change): the
/// pooled standard deviation of their logarithms, df = sum(n_g - 1).
/// Non-positive centres are skipped; groups of one add nothing; no df at all
/// gives nullopt.
std::optional<SessionSpread> history_spread(const std::vector<std::vector<double>>& centres);

} // namespace hb::stats

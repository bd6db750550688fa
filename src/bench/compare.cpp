#include "bench/compare.hpp"

#include "stats/descriptive.hpp"
#include "stats/documented_tests.hpp"
#include "stats/effect_size.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/mann_whitney.hpp"
#include "stats/welch.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace hb::bench {

const char*
to_string(Verdict verdict)
{
  switch (verdict) {
  case Verdict::unchanged: return "unchanged";
  case Verdict::improved: return "improved";
  case Verdict::regressed: return "regressed";
  case Verdict::inconclusive: return "inconclusive";
  }
  return "unchanged";
}

const char*
to_string(Undecided why)
{
  switch (why) {
  case Undecided::none: return "none";
  case Undecided::one_session: return "one_session";
  case Undecided::session_spread: return "session_spread";
  case Undecided::interval_too_wide: return "interval_too_wide";
  case Undecided::machine_speed: return "machine_speed";
  case Undecided::conditions_differ: return "conditions_differ";
  }
  return "none";
}

const char*
describe(Undecided why)
{
  switch (why) {
  case Undecided::one_session: return "one session a side and no run history";
  case Undecided::session_spread: return "within the spread between sessions";
  case Undecided::interval_too_wide: return "interval too wide for the threshold";
  case Undecided::machine_speed: return "the machine's speed changed";
  case Undecided::conditions_differ: return "measured under different conditions";
  case Undecided::none: break;
  }
  return "undecided";
}

std::optional<Statistics>
parse_statistics(std::string_view text)
{
  if (text == "sound") return Statistics::sound;
  if (text == "documented") return Statistics::documented;
  return std::nullopt;
}

std::optional<stats::Correction>
parse_correction(std::string_view text)
{
  if (text == "holm") return stats::Correction::holm;
  if (text == "bh") return stats::Correction::benjamini_hochberg;
  if (text == "none") return stats::Correction::none;
  return std::nullopt;
}

const char*
to_string(stats::Correction correction)
{
  switch (correction) {
  case stats::Correction::holm: return "holm";
  case stats::Correction::benjamini_hochberg: return "bh";
  case stats::Correction::none: return "none";
  }
  return "holm";
}

const ScenarioComparison*
BaselineComparison::find(const std::string& scenario_id) const
{
  for (const auto& s : scenarios) {
    if (s.id == scenario_id) {
      return &s;
    }
  }
  return nullptr;
}

std::vector<std::string>
BaselineComparison::inconclusive_scenario_ids() const
{
  std::vector<std::string> ids;
  for (const auto& s : scenarios) {
    if (s.verdict == Verdict::inconclusive) {
      ids.push_back(s.id);
    }
  }
  return ids;
}

std::string
format_value(double value)
{
  if (std::fabs(value) >= 1e15 || (value != 0 && std::fabs(value) < 1e-4)) {
    return fmt::format("{:.4g}", value);
  }
  std::string text = fmt::format("{:.4f}", value);
  while (text.back() == '0') {
    text.pop_back();
  }
  if (text.back() == '.') {
    text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

namespace {

/// Above this many samples on a side the bootstrap (O(resamples n)) gives way
/// to the Hodges-Lehmann interval relative to the baseline median.
constexpr std::size_t k_bootstrap_max_samples = 5000;
constexpr double k_confidence = 0.95;

// The point test of compat.md: `bad` is how much worse current is; both
// thresholds, when set, must be exceeded.
bool
beyond_thresholds(double bad, double baseline, const MetricPolicy& policy, bool legacy)
{
  if (bad <= 0) {
    return false;
  }
  if (legacy && baseline == 0) {
    return false; // a zero baseline never regresses
  }
  if (bad <= policy.threshold_absolute.value_or(0)) {
    return false;
  }
  if (policy.threshold_percent) {
    // Any rise from zero is infinitely large relative to it.
    if (baseline != 0 && bad / std::fabs(baseline) * 100 <= *policy.threshold_percent) {
      return false;
    }
  }
  return true;
}

// Sound rules: is the change shown to lie inside the policy's tolerance?
// Two one-sided tests at alpha (TOST) reject "worse by the threshold or
// more" and "better by the threshold or more" exactly when the 1 - 2 alpha
// interval of the shift lies inside the thresholds. Either threshold
// suffices, since a regression must exceed both; a percent threshold is
// taken of the baseline median.
bool
shown_within_thresholds(const MetricDelta& d, const MetricPolicy& policy)
{
  if (!d.equivalence) {
    return false;
  }
  auto inside = [&](double bound) {
    return d.equivalence->lower >= -bound && d.equivalence->upper <= bound;
  };
  return (policy.threshold_absolute && inside(*policy.threshold_absolute))
         || (policy.threshold_percent && d.baseline_value != 0
             && inside(*policy.threshold_percent / 100 * std::fabs(d.baseline_value)));
}

bool
has_thresholds(const MetricPolicy& policy)
{
  return policy.threshold_percent || policy.threshold_absolute;
}

// The session comparison's 1 - 2 alpha interval of the change of session
// centres inside the thresholds (either suffices, as for the shift); an
// absolute threshold is taken relative to the baseline median.
bool
sessions_within_thresholds(const stats::SessionComparison& s, const MetricDelta& d,
                           const MetricPolicy& policy)
{
  auto inside = [&](double pct) {
    return s.equivalence_lower_pct >= -pct && s.equivalence_upper_pct <= pct;
  };
  return (policy.threshold_percent && inside(*policy.threshold_percent))
         || (policy.threshold_absolute && d.baseline_value != 0
             && inside(*policy.threshold_absolute / std::fabs(d.baseline_value) * 100));
}

std::string
threshold_text(const MetricPolicy& policy)
{
  if (policy.threshold_percent) {
    return fmt::format("±{}%", format_value(*policy.threshold_percent));
  }
  if (policy.threshold_absolute) {
    return fmt::format("±{}", format_value(*policy.threshold_absolute));
  }
  return "no change";
}

constexpr const char* k_session_remedy =
  "measure several sessions (`--runs 3`), let run history on this host build up, or compare "
  "both builds interleaved in one session (`homeboy bench --exec` alternates its commands)";

stats::TestResult
run_test(RegressionTest test, std::span<const double> base, std::span<const double> cur,
         stats::Worse worse)
{
  switch (test) {
  case RegressionTest::kolmogorov_smirnov: return stats::kolmogorov_smirnov(base, cur, worse);
  case RegressionTest::welch_t: return stats::welch_t_test(base, cur, worse);
  default: return stats::mann_whitney_u(base, cur, worse);
  }
}

// Intervals for the change: the Hodges-Lehmann shift at 95 % and at
// 1 - 2 alpha (the equivalence test's); the relative change of the median by
// bootstrap when the baseline is positive and the samples small enough, else
// the shift relative to the baseline median. Intervals whose attainable
// coverage falls short of their level (too few samples: Mann-Whitney's null
// puts too much on its extremes) are left out, so they never establish
// `unchanged`.
void
add_intervals(MetricDelta& d, const std::vector<double>& base, const std::vector<double>& cur,
              const CompareOptions& options)
{
  auto hl = stats::hodges_lehmann(base, cur, k_confidence);
  if (std::string_view(hl.method) == "insufficient") {
    return;
  }
  d.shift = Interval{hl.estimate, hl.lower, hl.upper, hl.coverage, "value", "hodges_lehmann"};
  const double level = 1 - 2 * options.alpha;
  auto eq = stats::hodges_lehmann(base, cur, level);
  if (eq.coverage >= level - 1e-9) {
    d.equivalence = Interval{eq.estimate, eq.lower, eq.upper, eq.coverage, "value",
                             "hodges_lehmann"};
  }
  if (options.bootstrap_resamples > 0
      && std::max(base.size(), cur.size()) <= k_bootstrap_max_samples) {
    auto rel = stats::relative_median_change(base, cur, options.seed,
                                             options.bootstrap_resamples, k_confidence);
    if (std::string_view(rel.method) == "bootstrap") {
      d.interval = Interval{rel.estimate * 100, rel.lower * 100, rel.upper * 100, k_confidence,
                            "percent", "bootstrap"};
      return;
    }
  }
  if (d.baseline_value != 0) {
    double scale = 100 / std::fabs(d.baseline_value);
    d.interval = Interval{hl.estimate * scale, hl.lower * scale, hl.upper * scale, hl.coverage,
                          "percent", "hodges_lehmann"};
  }
}

struct Compared
{
  MetricDelta delta;
  MetricPolicy policy;
  bool sample_test = false;
  bool legacy = false;
  bool documented_significant = false;
  /// The policy's test alone, after the run's correction (sessions compared).
  bool within_worse_significant = false;
  bool within_better_significant = false;
};

/// Where each side's samples split into sessions; null: one session.
struct SessionInput
{
  const std::vector<std::size_t>* baseline_sizes = nullptr;
  const std::vector<std::size_t>* current_sizes = nullptr;
  const stats::SessionSpread* history = nullptr;
};

stats::SessionComparison
compare_by_session(const std::vector<double>& base, const std::vector<double>& cur,
                   const SessionInput& input, const CompareOptions& options)
{
  auto base_sessions = split_sessions(base, input.baseline_sizes);
  auto cur_sessions = split_sessions(cur, input.current_sizes);
  if (!base_sessions || !cur_sessions) {
    stats::SessionComparison out;
    out.reason = fmt::format("the {}'s session sizes do not add up to its samples",
                             base_sessions ? "run" : "baseline");
    return out;
  }
  stats::SessionOptions so;
  so.confidence = k_confidence;
  so.alpha = options.alpha;
  so.prior = options.session_prior;
  so.paired = options.paired_sessions;
  if (input.history) {
    so.history = *input.history;
  }
  return stats::compare_sessions(*base_sessions, *cur_sessions, so);
}

const stats::SessionSpread*
history_for(const CompareOptions& options, const std::string& scenario, const std::string& metric)
{
  for (const auto& h : options.history) {
    if (h.scenario_id == scenario && h.metric == metric) {
      return &h.spread;
    }
  }
  return nullptr;
}

Compared
compare_metric(const std::string& name, const MetricPolicy& policy, double base_value,
               double cur_value, const std::vector<double>* base_samples,
               const std::vector<double>* cur_samples, bool legacy, const CompareOptions& options,
               const SessionInput& session_input)
{
  Compared out{{}, policy, false, legacy, false};
  MetricDelta& d = out.delta;
  d.name = name;
  d.direction = policy.direction;
  d.regression_test = policy.effective_test();
  d.baseline_samples = base_samples ? base_samples->size() : 0;
  d.current_samples = cur_samples ? cur_samples->size() : 0;
  const bool lower_better = policy.direction == Direction::lower_is_better;

  out.sample_test = d.regression_test != RegressionTest::point_delta;
  if (out.sample_test && (d.baseline_samples == 0 || d.current_samples == 0)) {
    d.note = d.baseline_samples == 0 ? "baseline has no samples; compared summary values"
                                     : "run has no samples; compared summary values";
    d.regression_test = RegressionTest::point_delta;
    out.sample_test = false;
  }
  if (out.sample_test) {
    base_value = stats::median(*base_samples);
    cur_value = stats::median(*cur_samples);
  }
  d.baseline_value = base_value;
  d.current_value = cur_value;
  d.delta = cur_value - base_value;
  if (base_value != 0) {
    d.delta_pct = d.delta / std::fabs(base_value) * 100;
  }
  if (!out.sample_test) {
    d.method = "point";
    return out;
  }
  if (options.statistics == Statistics::documented
      && d.regression_test != RegressionTest::welch_t) {
    auto test = d.regression_test == RegressionTest::mann_whitney_u
                  ? stats::documented_mann_whitney(*base_samples, *cur_samples, lower_better)
                  : stats::documented_kolmogorov_smirnov(*base_samples, *cur_samples,
                                                         lower_better);
    d.statistic = test.statistic;
    d.method = "documented"; // no p-value: a fixed critical value
    out.documented_significant = test.significant;
    return out;
  }
  auto worse = lower_better ? stats::Worse::greater : stats::Worse::less;
  auto better = lower_better ? stats::Worse::less : stats::Worse::greater;
  auto regress = run_test(d.regression_test, *base_samples, *cur_samples, worse);
  auto improve = run_test(d.regression_test, *base_samples, *cur_samples, better);
  d.statistic = regress.statistic;
  d.z = regress.z;
  d.p_value = regress.p_value;
  d.improvement_p_value = improve.p_value;
  d.method = regress.method;
  add_intervals(d, *base_samples, *cur_samples, options);
  if (options.session_aware) {
    auto sessions = compare_by_session(*base_samples, *cur_samples, session_input, options);
    if (sessions.applicable) {
      d.within_p_value = d.p_value;
      d.within_improvement_p_value = d.improvement_p_value;
      const double s_worse = lower_better ? sessions.p_greater : sessions.p_less;
      const double s_better = lower_better ? sessions.p_less : sessions.p_greater;
      // Paired rounds: the independent-samples test mistakes the rounds'
      // common drift for noise of each sample, so the paired test decides.
      const bool paired = std::string_view(sessions.source) == "paired";
      d.p_value = paired ? s_worse : std::max(*d.p_value, s_worse);
      d.improvement_p_value =
        paired ? s_better : std::max(*d.improvement_p_value, s_better);
    } else {
      d.note = "not compared by session: " + sessions.reason;
    }
    d.sessions = std::move(sessions);
  }
  return out;
}

// Why a sampled metric stayed inconclusive, and what would decide it.
void
explain_inconclusive(MetricDelta& d, const Compared& c, const MetricPolicy& policy)
{
  const stats::SessionComparison* s = d.sessions && d.sessions->applicable ? &*d.sessions : nullptr;
  const bool within_says_changed = c.within_worse_significant || c.within_better_significant;
  if (s && s->conditions_differ) {
    d.reason = fmt::format(
      "the run's samples spread {:.1f}% within a session against the baseline's {:.1f}%: the two "
      "were measured under different conditions (a busier or quieter machine), so the spread "
      "between sessions is taken as at least {:.1f}%, and the sessions' centres moved by {:+.1f}% "
      "(95% interval {:+.1f}% to {:+.1f}%)",
      std::expm1(s->current_within_log_sd) * 100, std::expm1(s->baseline_within_log_sd) * 100,
      std::expm1(s->session_log_sd) * 100, s->estimate_pct, s->lower_pct, s->upper_pct);
    d.remedy = "re-run when the machine is as quiet (or as busy) as when the baseline was "
               "recorded, save the baseline under the conditions the runs will see, or count "
               "instructions (`--measure instructions`)";
    d.undecided = Undecided::conditions_differ;
  } else if (s && !s->noise_estimated) {
    d.reason = fmt::format(
      "one session per side and no run history: the sessions' centres differ by {:+.1f}% "
      "(95% interval {:+.1f}% to {:+.1f}%), and a shift between two sessions of this size "
      "cannot be told from a real change",
      s->estimate_pct, s->lower_pct, s->upper_pct);
    d.remedy = k_session_remedy;
    d.undecided = Undecided::one_session;
  } else if (s && within_says_changed) {
    d.reason = fmt::format(
      "the samples differ, but the sessions' centres moved by {:+.1f}% (95% interval {:+.1f}% "
      "to {:+.1f}%), no more than the spread between sessions ({:.1f}%, from {}) explains",
      s->estimate_pct, s->lower_pct, s->upper_pct, std::expm1(s->session_log_sd) * 100,
      s->source);
    d.remedy = "measure more sessions (`--runs N` with a larger N on either side) to narrow "
               "the interval";
    d.undecided = Undecided::session_spread;
  } else if (s) {
    d.reason = fmt::format("the change of the sessions' centres ({:+.1f}%, 95% interval "
                           "{:+.1f}% to {:+.1f}%) is neither shown beyond nor within {}",
                           s->estimate_pct, s->lower_pct, s->upper_pct, threshold_text(policy));
    d.remedy = "more sessions (`--runs N`) or iterations narrow the interval; a wider "
               "threshold may suit this metric's noise";
    d.undecided = Undecided::interval_too_wide;
  } else {
    d.reason = fmt::format("the change is neither shown beyond nor within {}",
                           threshold_text(policy));
    d.remedy = "more iterations narrow the interval (`--until-decisive`); a wider threshold may "
               "suit this metric's noise";
    d.undecided = Undecided::interval_too_wide;
  }
}

bool
paired(const stats::SessionComparison* s)
{
  return s && std::string_view(s->source) == "paired";
}

void
decide(MetricDelta& d, const Compared& c, double alpha)
{
  const MetricPolicy& policy = c.policy;
  const bool lower_better = policy.direction == Direction::lower_is_better;
  double bad = lower_better ? d.delta : -d.delta;
  if (d.sessions && paired(&*d.sessions)) {
    // Paired rounds: the size of the change is the paired estimate (the
    // trimmed mean of the rounds' differences), the same figure the test
    // judged, not the difference of the pooled medians.
    const double shift = d.sessions->estimate_pct / 100 * std::fabs(d.baseline_value);
    bad = lower_better ? shift : -shift;
  }
  const bool worse_beyond = beyond_thresholds(bad, d.baseline_value, policy, c.legacy);
  const bool better_beyond = beyond_thresholds(-bad, d.baseline_value, policy, c.legacy);

  if (!c.sample_test) {
    d.verdict = worse_beyond ? Verdict::regressed
                : better_beyond ? Verdict::improved
                                : Verdict::unchanged;
  } else if (d.method == "documented") {
    // compat.md: regression when the test fires and the medians moved
    // beyond the tolerances; improvement whenever current is better.
    d.verdict = (c.documented_significant && worse_beyond) ? Verdict::regressed
                : bad < 0                          ? Verdict::improved
                                                   : Verdict::unchanged;
  } else {
    const bool worse_significant = d.p_value_adjusted.value_or(1) <= alpha;
    const bool better_significant = d.improvement_p_value_adjusted.value_or(1) <= alpha;
    const stats::SessionComparison* sessions =
      d.sessions && d.sessions->applicable ? &*d.sessions : nullptr;
    if (worse_significant && worse_beyond) {
      d.verdict = Verdict::regressed;
    } else if (better_significant && better_beyond) {
      d.verdict = Verdict::improved;
    } else if (has_thresholds(policy)
                 ? (paired(sessions) || shown_within_thresholds(d, policy))
                     && (!sessions || sessions_within_thresholds(*sessions, d, policy))
                 : !worse_significant && !better_significant
                     && (!sessions || sessions->noise_estimated)) {
      d.verdict = Verdict::unchanged;
    } else {
      d.verdict = Verdict::inconclusive;
      explain_inconclusive(d, c, policy);
    }
    if (sessions && !sessions->noise_estimated && d.verdict != Verdict::inconclusive) {
      d.note = "one session per side and no run history: the session spread was assumed";
    }
  }
  d.regression = d.verdict == Verdict::regressed;
  d.improvement = d.verdict == Verdict::improved;
}

// A regression (improvement) of a time or a rate that is no longer beyond
// the thresholds once the machine's own change of speed is taken out is the
// machine's, not the code's: inconclusive, saying so. The speed index comes
// from one probe per session end, so it only corrects a clearly different
// speed (k_speed_tolerance); it never makes a verdict out of nothing.
void
discount_machine_speed(MetricDelta& d, const SpeedComparison& speed, const MetricPolicy& policy,
                       bool legacy)
{
  const int sensitivity = speed_sensitivity(d.name);
  if (sensitivity == 0 || !speed.differs() || d.baseline_value == 0) {
    return;
  }
  // How much the machine alone scaled this metric.
  const double factor = sensitivity > 0 ? speed.slowdown() : 1 / speed.slowdown();
  const double adjusted = d.current_value / factor;
  const double base = d.baseline_value;
  d.speed_adjusted_pct = (adjusted - base) / std::fabs(base) * 100;
  const bool lower_better = policy.direction == Direction::lower_is_better;
  const bool machine_made_worse = lower_better == (factor > 1);
  const double bad = lower_better ? adjusted - base : base - adjusted;
  const bool explained =
    (d.verdict == Verdict::regressed && machine_made_worse
     && !beyond_thresholds(bad, base, policy, legacy))
    || (d.verdict == Verdict::improved && !machine_made_worse
        && !beyond_thresholds(-bad, base, policy, legacy));
  if (!explained) {
    return;
  }
  d.verdict = Verdict::inconclusive;
  d.regression = false;
  d.improvement = false;
  d.reason = fmt::format("the machine {}; that explains a change of {}: with the machine's speed "
                         "taken out it is {:+.1f}%, not beyond {}",
                         speed.describe(),
                         d.delta_pct ? fmt::format("{:+.1f}%", *d.delta_pct) : "this size",
                         *d.speed_adjusted_pct, threshold_text(policy));
  d.remedy = "re-run when the machine runs at the baseline's speed (a quieter moment or "
             "machine), measure more sessions (`--runs 3`), or count instructions "
             "(`--measure instructions`), which the machine's speed does not change";
  d.undecided = Undecided::machine_speed;
}

Verdict
scenario_verdict(const std::vector<MetricDelta>& deltas)
{
  auto any = [&](Verdict v) {
    return std::any_of(deltas.begin(), deltas.end(), [v](const auto& d) { return d.verdict == v; });
  };
  if (any(Verdict::regressed)) return Verdict::regressed;
  if (any(Verdict::inconclusive)) return Verdict::inconclusive;
  if (any(Verdict::improved)) return Verdict::improved;
  return Verdict::unchanged;
}

std::string
reason_text(const std::string& scenario, const MetricDelta& d)
{
  std::string pct = d.delta_pct ? fmt::format(" ({:+.1f}%)", *d.delta_pct) : "";
  return fmt::format("{}: {} {} → {}{}", scenario, d.name, format_value(d.baseline_value),
                     format_value(d.current_value), pct);
}

} // namespace

BaselineComparison
compare_to_baseline(const Baseline& baseline, const BenchResults& current,
                    const CompareOptions& options)
{
  BaselineComparison out;
  out.threshold_percent = options.threshold_percent;
  out.statistics = options.statistics;
  out.correction = options.correction;
  out.alpha = options.alpha;
  const bool legacy = current.policies.empty();
  const MetricPolicy legacy_rule = legacy_policy(options.threshold_percent);

  // Pass 1: every metric's test and intervals; the policy rides along.
  std::vector<std::vector<Compared>> compared;
  for (const auto& scenario : current.scenarios) {
    const BaselineScenario* base = baseline.find(scenario.id);
    if (!base) {
      out.new_scenario_ids.push_back(scenario.id);
      continue;
    }
    ScenarioComparison sc;
    sc.id = scenario.id;
    std::vector<Compared> rows;
    auto consider = [&](const std::string& name, const MetricPolicy& policy) {
      const double* cur = scenario.metric(name);
      const double* old = base->metric(name);
      const auto* cur_samples = scenario.samples(name);
      const auto* old_samples = base->samples(name);
      // A metric given only as samples is compared on its samples.
      bool on_samples = policy.effective_test() != RegressionTest::point_delta && cur_samples
                        && old_samples && !cur_samples->empty() && !old_samples->empty();
      if (!on_samples && (!cur || !old)) {
        return;
      }
      SessionInput sessions{base->session_sizes(name), find_session_sizes(scenario.sessions, name),
                            history_for(options, scenario.id, name)};
      rows.push_back(compare_metric(name, policy, old ? *old : 0, cur ? *cur : 0, old_samples,
                                    cur_samples, legacy, options, sessions));
    };
    if (legacy) {
      consider(std::string(k_legacy_metric), legacy_rule);
    } else {
      for (const auto& [name, policy] : current.policies) {
        consider(name, policy);
      }
    }
    out.scenarios.push_back(std::move(sc));
    compared.push_back(std::move(rows));
  }

  // Pass 2: one correction over the run's family, per direction.
  std::vector<MetricDelta*> family;
  std::vector<double> worse_p;
  std::vector<double> better_p;
  for (auto& rows : compared) {
    for (auto& c : rows) {
      if (c.delta.improvement_p_value) {
        family.push_back(&c.delta);
        worse_p.push_back(*c.delta.p_value);
        better_p.push_back(*c.delta.improvement_p_value);
      }
    }
  }
  out.tests = family.size();
  auto worse_adj = stats::correct_p_values(worse_p, options.alpha, options.correction);
  auto better_adj = stats::correct_p_values(better_p, options.alpha, options.correction);
  for (std::size_t i = 0; i < family.size(); ++i) {
    family[i]->p_value_adjusted = worse_adj.adjusted[i];
    family[i]->improvement_p_value_adjusted = better_adj.adjusted[i];
  }
  // The policy's test alone, corrected the same way: only to say, of an
  // inconclusive metric, that its samples differ but its sessions do not.
  std::vector<Compared*> within;
  std::vector<double> within_worse;
  std::vector<double> within_better;
  for (auto& rows : compared) {
    for (auto& c : rows) {
      if (c.delta.within_p_value && c.delta.within_improvement_p_value) {
        within.push_back(&c);
        within_worse.push_back(*c.delta.within_p_value);
        within_better.push_back(*c.delta.within_improvement_p_value);
      }
    }
  }
  auto within_worse_adj = stats::correct_p_values(within_worse, options.alpha, options.correction);
  auto within_better_adj =
    stats::correct_p_values(within_better, options.alpha, options.correction);
  for (std::size_t i = 0; i < within.size(); ++i) {
    within[i]->within_worse_significant = within_worse_adj.adjusted[i] <= options.alpha;
    within[i]->within_better_significant = within_better_adj.adjusted[i] <= options.alpha;
  }

  // Pass 3: verdicts.
  if (options.statistics == Statistics::sound) {
    out.machine_speed = compare_speed(baseline.machine_speed, options.current_speed);
  }
  for (std::size_t s = 0; s < out.scenarios.size(); ++s) {
    ScenarioComparison& sc = out.scenarios[s];
    for (auto& c : compared[s]) {
      decide(c.delta, c, options.alpha);
      if (out.machine_speed) {
        discount_machine_speed(c.delta, *out.machine_speed, c.policy, c.legacy);
      }
      if (c.delta.regression) {
        out.reasons.push_back(reason_text(sc.id, c.delta));
      }
      sc.metric_deltas.push_back(std::move(c.delta));
    }
    sc.verdict = scenario_verdict(sc.metric_deltas);
    sc.regression = sc.verdict == Verdict::regressed;
    sc.improvement = std::any_of(sc.metric_deltas.begin(), sc.metric_deltas.end(),
                                 [](const auto& d) { return d.improvement; });
    out.regression |= sc.regression;
    out.has_improvements |= sc.improvement;
    out.inconclusive |= sc.verdict == Verdict::inconclusive;
  }
  for (const auto& base : baseline.scenarios) {
    if (!current.find(base.id)) {
      out.removed_scenario_ids.push_back(base.id);
    }
  }
  return out;
}

std::uint64_t
decisive_round_iterations(std::uint64_t samples, std::uint64_t max)
{
  return samples >= max ? 0 : std::min(samples, max - samples);
}

std::uint64_t
planned_looks(std::uint64_t samples, std::optional<std::uint64_t> max)
{
  std::uint64_t looks = 1;
  while (max && samples > 0 && samples < *max) {
    samples += decisive_round_iterations(samples, *max);
    ++looks;
  }
  return looks;
}

Baseline
ratchet_baseline(const Baseline& baseline, const BenchResults& current,
                 const BaselineComparison& comparison)
{
  Baseline out = baseline;
  for (const auto& sc : comparison.scenarios) {
    const Scenario* cur = current.find(sc.id);
    auto target = std::find_if(out.scenarios.begin(), out.scenarios.end(),
                               [&](const BaselineScenario& b) { return b.id == sc.id; });
    if (!cur || target == out.scenarios.end()) {
      continue;
    }
    for (const auto& d : sc.metric_deltas) {
      if (!d.improvement) {
        continue;
      }
      if (const double* value = cur->metric(d.name)) {
        auto m = std::find_if(target->metrics.begin(), target->metrics.end(),
                              [&](const Metric& x) { return x.name == d.name; });
        if (m != target->metrics.end()) m->value = *value;
        else target->metrics.push_back({d.name, *value});
      }
      if (const auto* samples = cur->samples(d.name)) {
        auto dist = std::find_if(target->distributions.begin(), target->distributions.end(),
                                 [&](const auto& x) { return x.first == d.name; });
        if (dist != target->distributions.end()) dist->second = *samples;
        else target->distributions.emplace_back(d.name, *samples);
        // The samples' session grouping moves with them.
        auto named = [&](const auto& x) { return x.first == d.name; };
        std::erase_if(target->sessions, named);
        std::erase_if(target->session_centres, named);
        const auto* sizes = find_session_sizes(cur->sessions, d.name);
        auto split = split_sessions(*samples, sizes);
        if (sizes && split && split->size() >= 2) {
          std::vector<double> centres;
          for (const auto& session : *split) centres.push_back(stats::median(session));
          target->sessions.emplace_back(d.name, *sizes);
          target->session_centres.emplace_back(d.name, std::move(centres));
        }
      }
    }
  }
  return out;
}

} // namespace hb::bench

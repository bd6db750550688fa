#include "stats/sessions.hpp"

#include "stats/descriptive.hpp"
#include "stats/distributions.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <utility>

namespace hb::stats {

namespace {

constexpr double k_infinity = std::numeric_limits<double>::infinity();
/// 1 / Phi^-1(3/4): makes the MAD a consistent estimate of a normal's sigma.
constexpr double k_mad_scale = 1.482602218505602;

std::vector<double>
logs_of(const std::vector<double>& samples)
{
  std::vector<double> out(samples.size());
  std::transform(samples.begin(), samples.end(), out.begin(), [](double v) { return std::log(v); });
  return out;
}

// 1.4826 MAD of the log samples; the sample standard deviation when the MAD
// is 0 (more than half the values equal), so ties do not hide the spread.
double
robust_log_sd(const std::vector<double>& logs)
{
  const double centre = median(logs);
  std::vector<double> deviations(logs.size());
  std::transform(logs.begin(), logs.end(), deviations.begin(),
                 [&](double v) { return std::fabs(v - centre); });
  const double mad = median(deviations) * k_mad_scale;
  if (mad > 0 || logs.size() < 2) {
    return mad;
  }
  const double m = mean(logs);
  double ss = 0;
  for (double v : logs) {
    ss += (v - m) * (v - m);
  }
  return std::sqrt(ss / static_cast<double>(logs.size() - 1));
}

double
upper_tail(double t, double df)
{
  return std::isinf(df) ? normal_sf(t) : student_t_sf(t, df);
}

double
quantile(double p, double df)
{
  return std::isinf(df) ? normal_quantile(p) : student_t_quantile(p, df);
}

double
percent(double log_ratio)
{
  return std::expm1(log_ratio) * 100;
}

std::string
check_side(const std::vector<std::vector<double>>& sessions, const char* side)
{
  if (sessions.empty()) {
    return fmt::format("the {} has no sessions", side);
  }
  for (const auto& session : sessions) {
    if (session.empty()) {
      return fmt::format("a session of the {} has no samples", side);
    }
    for (double v : session) {
      if (!std::isfinite(v) || v <= 0) {
        return fmt::format("the {} has a value that is not positive; session centres are "
                           "compared as ratios",
                           side);
      }
    }
  }
  return {};
}


// Yuen's trimmed paired t (Yuen 1974; Wilcox, "Introduction to Robust
// Estimation and Hypothesis Testing", 5.9): the mean of the differences
// with floor(trim n) cut from each end, its standard error from the
// winsorized variance, df = n - 2k - 1. One round that a time slice or a
// burst of load hit moves the paired t's mean and inflates its variance;
// here it is cut off, while the rounds that agree keep their weight.
struct TrimmedPaired
{
  double mean = 0;
  double winsorized_sd = 0;
  double standard_error = 0;
  double df = 0;
  std::size_t trimmed = 0; // cut from each end
  /// Exact one-sided sign-test p-values (greater, less), set when the
  /// winsorized differences are all equal but the differences are not.
  std::optional<std::pair<double, double>> sign_test;
};

std::pair<double, double>
sign_test(const std::vector<double>& diffs)
{
  std::size_t pos = 0, neg = 0;
  for (double d : diffs) {
    pos += d > 0;
    neg += d < 0;
  }
  const std::size_t n = pos + neg;
  // P(X >= k) for X ~ Binomial(n, 1/2).
  auto at_least = [n](std::size_t k) {
    double p = 0;
    for (std::size_t i = k; i <= n; ++i) {
      p += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0)
                    - static_cast<double>(n) * std::numbers::ln2);
    }
    return std::min(1.0, p);
  };
  return {at_least(pos), at_least(neg)};
}

TrimmedPaired
trimmed_paired(std::vector<double> diffs, double trim)
{
  TrimmedPaired out;
  const std::size_t n = diffs.size();
  std::sort(diffs.begin(), diffs.end());
  std::size_t k = static_cast<std::size_t>(std::floor(std::clamp(trim, 0.0, 0.25) * n));
  out.trimmed = k;
  const std::size_t h = n - 2 * k; // >= n / 2 >= 1; h >= 2 since n >= 2 and trim <= 1/4
  double sum = 0;
  for (std::size_t i = k; i < n - k; ++i) sum += diffs[i];
  out.mean = sum / static_cast<double>(h);
  double wsum = 0;
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = std::clamp(diffs[i], diffs[k], diffs[n - k - 1]);
    wsum += w[i];
  }
  const double wmean = wsum / static_cast<double>(n);
  double ss = 0;
  for (double v : w) ss += (v - wmean) * (v - wmean);
  const double wvar = ss / static_cast<double>(n - 1);
  out.winsorized_sd = std::sqrt(wvar);
  out.standard_error =
    std::sqrt(static_cast<double>(n - 1) * wvar / (static_cast<double>(h) * (h - 1)));
  out.df = static_cast<double>(h - 1);
  if (out.standard_error == 0 && diffs.front() != diffs.back()) {
    out.sign_test = sign_test(diffs);
  }
  return out;
}

} // namespace

double
session_log_centre(const std::vector<double>& samples)
{
  return median(logs_of(samples));
}

std::optional<SessionSpread>
history_spread(const std::vector<std::vector<double>>& centres)
{
  double ss = 0;
  double df = 0;
  for (const auto& group : centres) {
    std::vector<double> logs;
    for (double c : group) {
      if (std::isfinite(c) && c > 0) {
        logs.push_back(std::log(c));
      }
    }
    if (logs.size() < 2) {
      continue;
    }
    const double m = mean(logs);
    for (double v : logs) {
      ss += (v - m) * (v - m);
    }
    df += static_cast<double>(logs.size() - 1);
  }
  if (df == 0) {
    return std::nullopt;
  }
  return SessionSpread{std::sqrt(ss / df), df};
}

SessionComparison
compare_sessions(const std::vector<std::vector<double>>& baseline,
                 const std::vector<std::vector<double>>& current, const SessionOptions& options)
{
  SessionComparison out;
  out.baseline_sessions = baseline.size();
  out.current_sessions = current.size();
  for (auto [side, name] : {std::pair{&baseline, "baseline"}, std::pair{&current, "run"}}) {
    if (auto problem = check_side(*side, name); !problem.empty()) {
      out.reason = problem;
      return out;
    }
  }

  // Centres and the sum of squares of each side's centres about their mean.
  auto centres_of = [](const std::vector<std::vector<double>>& sessions) {
    std::vector<double> c;
    for (const auto& s : sessions) {
      c.push_back(session_log_centre(s));
    }
    return c;
  };
  const auto base_c = centres_of(baseline);
  const auto cur_c = centres_of(current);
  auto sum_squares = [](const std::vector<double>& c, double m) {
    double ss = 0;
    for (double v : c) ss += (v - m) * (v - m);
    return ss;
  };
  const double base_mean = mean(base_c);
  const double cur_mean = mean(cur_c);
  const double jb = static_cast<double>(base_c.size());
  const double jc = static_cast<double>(cur_c.size());
  out.log_difference = cur_mean - base_mean;

  double ss = sum_squares(base_c, base_mean) + sum_squares(cur_c, cur_mean);
  double df = jb + jc - 2;
  const bool measured = df > 0;
  const bool history = options.history && options.history->df > 0
                       && std::isfinite(options.history->log_sd) && options.history->log_sd >= 0;
  if (history) {
    ss += options.history->df * options.history->log_sd * options.history->log_sd;
    df += options.history->df;
  }

  // The within-session spread, reported always and used by the single-session rule.
  std::vector<double> within;
  for (const auto* side : {&baseline, &current}) {
    for (const auto& s : *side) {
      if (s.size() >= 2) {
        within.push_back(robust_log_sd(logs_of(s)));
      }
    }
  }
  out.within_log_sd = within.empty() ? 0 : *std::max_element(within.begin(), within.end());

  // Each side's typical within-session spread: a side measured on a busier
  // machine is noisier within its sessions too.
  auto typical_within = [](const std::vector<std::vector<double>>& sessions) {
    std::vector<double> w;
    for (const auto& s : sessions) {
      if (s.size() >= 2) w.push_back(robust_log_sd(logs_of(s)));
    }
    return w.empty() ? 0.0 : median(w);
  };
  out.baseline_within_log_sd = typical_within(baseline);
  out.current_within_log_sd = typical_within(current);

  if (options.paired && base_c.size() == cur_c.size() && base_c.size() >= 2) {
    // Round j's difference of log centres; their spread is the noise that
    // reaches a paired comparison (the rounds' common drift has cancelled).
    std::vector<double> diffs;
    for (std::size_t j = 0; j < base_c.size(); ++j) diffs.push_back(cur_c[j] - base_c[j]);
    const TrimmedPaired tp = trimmed_paired(diffs, options.paired_trim);
    out.log_difference = tp.mean;
    out.session_log_sd = tp.winsorized_sd;
    out.standard_error = tp.standard_error;
    out.df = tp.df;
    out.trimmed_rounds = tp.trimmed;
    out.noise_estimated = true;
    out.source = "paired";
    if (tp.standard_error == 0 && tp.sign_test) {
      // Winsorizing made every difference equal while the rounds disagree:
      // the exact sign test decides instead of a zero standard error.
      out.applicable = true;
      out.estimate_pct = percent(tp.mean);
      out.p_greater = tp.sign_test->first;
      out.p_less = tp.sign_test->second;
      out.lower_pct = out.upper_pct = out.estimate_pct;
      out.equivalence_lower_pct = out.equivalence_upper_pct = out.estimate_pct;
      return out;
    }
  } else if (df > 0) {
    out.session_log_sd = std::sqrt(ss / df);
    const double lo = std::min(out.baseline_within_log_sd, out.current_within_log_sd);
    const double hi = std::max(out.baseline_within_log_sd, out.current_within_log_sd);
    if (hi > options.prior.floor && hi > options.prior.conditions_ratio * lo) {
      // As the single-session rule: from the noisiest session's spread.
      const double allowance =
        std::hypot(options.prior.floor, options.prior.within_ratio * out.within_log_sd);
      if (allowance > out.session_log_sd) {
        out.session_log_sd = allowance;
        out.conditions_differ = true;
      }
    }
    out.standard_error = out.session_log_sd * std::sqrt(1 / jb + 1 / jc);
    out.df = df;
    out.noise_estimated = true;
    out.source = measured && history ? "sessions+history" : measured ? "sessions" : "history";
  } else {
    // One session per side, no history: nothing measures the session spread.
    if (baseline.front().size() < 2 || current.front().size() < 2) {
      out.reason = "one session per side, with a single value on a side, and no run history: "
                   "nothing measures the noise";
      return out;
    }
    const double sw = out.within_log_sd;
    const double assumed = std::hypot(options.prior.floor, options.prior.within_ratio * sw);
    // The variance of a session median about its session's centre: pi/2 sw^2 / n.
    double within_var = 0;
    for (const auto* side : {&baseline, &current}) {
      const auto& s = side->front();
      const double w = robust_log_sd(logs_of(s));
      within_var += std::numbers::pi / 2 * w * w / static_cast<double>(s.size());
    }
    out.session_log_sd = assumed;
    out.standard_error = std::sqrt(2 * assumed * assumed + within_var);
    out.df = k_infinity;
    out.source = "assumed";
    out.reason = fmt::format(
      "one session per side and no run history: a shift between sessions cannot be told from a "
      "real change, so a session spread of {:.1f} % was assumed (from the samples' own spread "
      "of {:.1f} %)",
      percent(assumed), percent(sw));
  }
  out.applicable = true;

  const double d = out.log_difference;
  out.estimate_pct = percent(d);
  if (out.standard_error == 0) {
    out.p_greater = d > 0 ? 0 : 1;
    out.p_less = d < 0 ? 0 : 1;
    out.lower_pct = out.upper_pct = out.estimate_pct;
    out.equivalence_lower_pct = out.equivalence_upper_pct = out.estimate_pct;
    return out;
  }
  const double t = d / out.standard_error;
  out.p_greater = upper_tail(t, out.df);
  out.p_less = upper_tail(-t, out.df);
  const double q = quantile(1 - (1 - options.confidence) / 2, out.df);
  out.lower_pct = percent(d - q * out.standard_error);
  out.upper_pct = percent(d + q * out.standard_error);
  const double qe = quantile(1 - options.alpha, out.df);
  out.equivalence_lower_pct = percent(d - qe * out.standard_error);
  out.equivalence_upper_pct = percent(d + qe * out.standard_error);
  return out;
}

} // namespace hb::stats

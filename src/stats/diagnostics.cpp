#include "stats/diagnostics.hpp"

#include "stats/descriptive.hpp"
#include "stats/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdint>

namespace hb::stats {

namespace {

bool
all_finite(std::span<const double> samples)
{
  return std::all_of(samples.begin(), samples.end(), [](double v) { return std::isfinite(v); });
}

// The median of `values`, reordering them: nth_element instead of a sort,
// since Theil-Sen's slopes number in the millions.
double
median_in_place(std::vector<double>& values)
{
  const auto upper = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), upper, values.end());
  if (values.size() % 2 == 1) {
    return *upper;
  }
  const double lower = *std::max_element(values.begin(), upper);
  return lower * 0.5 + *upper * 0.5;
}

// Mann-Kendall's S = sum over i < j of sign(y_j - y_i), counting for each j
// the earlier values below and above it in a Fenwick tree over value ranks:
// O(n log n), so S stays exact however long the run.
std::int64_t
mann_kendall_s(std::span<const double> samples, const std::vector<double>& sorted_unique)
{
  std::vector<std::int64_t> tree(sorted_unique.size() + 1, 0);
  const auto count_up_to = [&](std::size_t rank) { // earlier values with rank <= `rank` (1-based)
    std::int64_t count = 0;
    for (; rank > 0; rank &= rank - 1) {
      count += tree[rank];
    }
    return count;
  };
  std::int64_t s = 0;
  std::int64_t seen = 0;
  for (double y : samples) {
    const auto rank = static_cast<std::size_t>(
      std::lower_bound(sorted_unique.begin(), sorted_unique.end(), y) - sorted_unique.begin() + 1);
    const std::int64_t below = count_up_to(rank - 1);
    const std::int64_t above = seen - count_up_to(rank);
    s += below - above;
    for (std::size_t i = rank; i < tree.size(); i += i & (~i + 1)) {
      ++tree[i];
    }
    ++seen;
  }
  return s;
}

// Var(S) under the null hypothesis with the tie correction; `sorted` ascending.
double
mann_kendall_variance(const std::vector<double>& sorted)
{
  const auto term = [](double t) { return t * (t - 1) * (2 * t + 5); };
  double ties = 0;
  for (std::size_t start = 0; start < sorted.size();) {
    std::size_t end = start + 1;
    while (end < sorted.size() && sorted[end] == sorted[start]) {
      ++end;
    }
    ties += term(static_cast<double>(end - start));
    start = end;
  }
  return (term(static_cast<double>(sorted.size())) - ties) / 18;
}

// Theil-Sen over the iterations `x` (ascending, distinct) of `samples`.
double
theil_sen_slope(std::span<const double> samples, const std::vector<std::size_t>& x)
{
  std::vector<double> slopes;
  slopes.reserve(x.size() * (x.size() - 1) / 2);
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      slopes.push_back((samples[x[j]] - samples[x[i]]) / static_cast<double>(x[j] - x[i]));
    }
  }
  return median_in_place(slopes);
}

std::string
list_iterations(const std::vector<std::size_t>& indices)
{
  constexpr std::size_t kListed = 10;
  std::string text;
  for (std::size_t i = 0; i < indices.size() && i < kListed; ++i) {
    text += fmt::format("{}{}", i == 0 ? "" : ", ", indices[i] + 1);
  }
  if (indices.size() > kListed) {
    text += fmt::format(" and {} more", indices.size() - kListed);
  }
  return text;
}

} // namespace

OutlierReport
outliers(std::span<const double> samples)
{
  OutlierReport report;
  if (samples.size() < 3 || !all_finite(samples)) {
    return report;
  }
  report.method = "mad";
  report.median = median(samples);
  std::vector<double> deviations;
  deviations.reserve(samples.size());
  for (double v : samples) {
    deviations.push_back(std::fabs(v - report.median));
  }
  report.mad = median(deviations);
  // 0.6745 is the standard normal's third quartile: it puts the robust z on the
  // scale of an ordinary z-score for normal data.
  const double scale = report.mad > 0 ? 0.6745 / report.mad : 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const bool outside = report.mad > 0 ? deviations[i] * scale > report.threshold
                                        : deviations[i] > 0;
    if (outside) {
      report.indices.push_back(i);
    }
  }
  return report;
}

TrendReport
trend(std::span<const double> samples)
{
  TrendReport report;
  const std::size_t n = samples.size();
  if (n < kTrendMinSamples || !all_finite(samples)) {
    return report;
  }
  report.method = "mann-kendall";
  const std::vector<double> sorted = sorted_copy(samples);
  std::vector<double> unique = sorted;
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());

  const auto s = mann_kendall_s(samples, unique);
  report.s = static_cast<double>(s);
  report.variance = mann_kendall_variance(sorted);
  if (report.variance > 0 && s != 0) {
    // Continuity correction: S moves in steps of 2, so shrink it by 1 towards 0.
    report.z = (report.s - (s > 0 ? 1 : -1)) / std::sqrt(report.variance);
    report.p_value = std::min(1.0, 2 * normal_sf(std::fabs(report.z)));
  }

  std::vector<std::size_t> x;
  if (n <= kTheilSenMaxPoints) {
    for (std::size_t i = 0; i < n; ++i) {
      x.push_back(i);
    }
  } else {
    report.subsampled = true;
    for (std::size_t k = 0; k < kTheilSenMaxPoints; ++k) {
      x.push_back(k * (n - 1) / (kTheilSenMaxPoints - 1));
    }
  }
  report.slope = theil_sen_slope(samples, x);

  const double centre = std::fabs(percentile_sorted(sorted, 0.5));
  if (centre > 0) {
    report.relative_drift = report.slope * static_cast<double>(n - 1) / centre;
  }
  report.flagged = report.p_value < kTrendAlpha &&
                   std::fabs(report.relative_drift) > kTrendMinRelativeDrift;
  return report;
}

namespace {

// Sarle's coefficient of `samples` (at least 4, not all equal) with the
// sample-size corrected moments it is made of.
BimodalityReport
sarle(std::span<const double> samples)
{
  BimodalityReport report;
  report.method = "sarle";
  const double n = static_cast<double>(samples.size());
  const double centre = mean(samples);
  double m2 = 0;
  double m3 = 0;
  double m4 = 0;
  for (double v : samples) {
    const double d = v - centre;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const double g1 = m3 / std::pow(m2, 1.5);
  const double g2 = m4 / (m2 * m2) - 3;
  report.skewness = std::sqrt(n * (n - 1)) / (n - 2) * g1;
  report.excess_kurtosis = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6);
  // The denominator equals (n-1)(n+1) m4 / ((n-2)(n-3) m2^2), so it is positive
  // whenever the samples are not all equal.
  const double denominator =
    report.excess_kurtosis + 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3));
  report.coefficient = (report.skewness * report.skewness + 1) / denominator;
  return report;
}

bool
all_equal(std::span<const double> samples)
{
  const auto [lowest, highest] = std::minmax_element(samples.begin(), samples.end());
  return *lowest == *highest;
}

// Above the threshold on the values and, when they are all positive, on
// their logarithms too.
bool
looks_bimodal(std::span<const double> samples)
{
  if (samples.size() < kBimodalityMinSamples || all_equal(samples)) {
    return false;
  }
  if (sarle(samples).coefficient <= kBimodalityThreshold) {
    return false;
  }
  if (std::any_of(samples.begin(), samples.end(), [](double v) { return v <= 0; })) {
    return true;
  }
  std::vector<double> logs(samples.size());
  std::transform(samples.begin(), samples.end(), logs.begin(), [](double v) { return std::log(v); });
  return all_equal(logs) || sarle(logs).coefficient > kBimodalityThreshold;
}

// bimodality() with the samples' outlier report already at hand.
BimodalityReport
bimodality_given(std::span<const double> samples, const OutlierReport& outlier_report)
{
  if (samples.size() < 4 || !all_finite(samples)) {
    return {};
  }
  if (all_equal(samples)) {
    // Tested on the values, not on m2: the mean of equal values can be off by
    // an ulp, which would leave rounding noise to divide by.
    BimodalityReport report;
    report.method = "constant";
    return report;
  }
  BimodalityReport report = sarle(samples);
  // A few outliers are reported as outliers, not as a second regime.
  const auto& stray = outlier_report.indices;
  if (!stray.empty() && stray.size() * kBimodalityOutlierShare < samples.size()) {
    std::vector<double> kept;
    kept.reserve(samples.size() - stray.size());
    for (std::size_t i = 0, next = 0; i < samples.size(); ++i) {
      if (next < stray.size() && stray[next] == i) {
        ++next;
      } else {
        kept.push_back(samples[i]);
      }
    }
    report.flagged = looks_bimodal(kept);
  } else {
    report.flagged = looks_bimodal(samples);
  }
  return report;
}

} // namespace

BimodalityReport
bimodality(std::span<const double> samples)
{
  return bimodality_given(samples, outliers(samples));
}

namespace {

// "ascending" / "descending" for sorted samples, else "iteration".
const char*
arrival_order(std::span<const double> samples)
{
  if (samples.size() < kTrendMinSamples || all_equal(samples) || !all_finite(samples)) {
    return "iteration";
  }
  if (std::is_sorted(samples.begin(), samples.end())) {
    return "ascending";
  }
  if (std::is_sorted(samples.begin(), samples.end(), std::greater<>())) {
    return "descending";
  }
  return "iteration";
}

} // namespace

Diagnostics
diagnose(std::span<const double> samples)
{
  OutlierReport outlier_report = outliers(samples);
  BimodalityReport bimodality_report = bimodality_given(samples, outlier_report);
  Diagnostics d{std::move(outlier_report), trend(samples), bimodality_report, samples.size(),
                arrival_order(samples)};
  if (d.sorted()) {
    d.trend.flagged = false; // a sorted sample is monotonic by construction
  }
  return d;
}

std::vector<std::string>
Diagnostics::warnings() const
{
  std::vector<std::string> out;
  if (sorted()) {
    out.push_back(fmt::format("samples arrive sorted ({}): the iteration order is lost, so no "
                              "drift or outlier position can be judged; write the samples in "
                              "the order they were measured",
                              order));
  }
  if (!outliers.indices.empty() && samples >= kOutlierWarnMinSamples) {
    const std::size_t count = outliers.indices.size();
    if (sorted()) {
      out.push_back(fmt::format("{} outlier{} (robust z > {})", count, count == 1 ? "" : "s",
                                outliers.threshold));
    } else {
      out.push_back(fmt::format("{} outlier{} (robust z > {}): iteration{} {}", count,
                                count == 1 ? "" : "s", outliers.threshold,
                                count == 1 ? "" : "s", list_iterations(outliers.indices)));
    }
  }
  if (trend.flagged) {
    const bool upward = trend.relative_drift > 0;
    out.push_back(fmt::format(
      "values drift {} across iterations: {:+.1f} % over the run (Mann-Kendall p = {:.2g}), {}",
      upward ? "upward" : "downward", trend.relative_drift * 100, trend.p_value,
      upward ? "possibly thermal throttling or a warming cache"
             : "possibly warm-up (caches, JIT) or background load fading"));
  }
  if (bimodality.flagged) {
    out.push_back(fmt::format(
      "samples look bimodal (bimodality coefficient {:.2f} > {}): two distinct regimes",
      bimodality.coefficient, kBimodalityThreshold));
  }
  return out;
}

} // namespace hb::stats

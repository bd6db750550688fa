#pragma once
// Within-run diagnostics: what one scenario's samples say about the run that
// produced them, before any comparison. Outliers (robust, MAD-based; reported,
// never removed), a monotonic drift across iterations (thermal throttling, a
// warming cache) and bimodality (two regimes). Mann-Kendall, Theil-Sen and the
// bimodality coefficient's moments are validated against SciPy 1.10
// (tests/fixtures/stats/diagnostics_vectors.json).
//
// Samples are in iteration order. A non-finite sample makes every diagnostic
// "insufficient": the results contract admits only finite numbers, and no
// diagnostic returns NaN.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hb::stats {

/// Iglewicz and Hoaglin's cut-off for the modified z-score.
inline constexpr double kOutlierThreshold = 3.5;
/// Mann-Kendall's normal approximation is used from this many samples on.
inline constexpr std::size_t kTrendMinSamples = 8;
/// Theil-Sen forms every pairwise slope (n(n-1)/2 doubles, 16 MB at this
/// size); longer runs use this many evenly spaced iterations instead.
inline constexpr std::size_t kTheilSenMaxPoints = 2000;
/// A drift is flagged when significant at this level ...
inline constexpr double kTrendAlpha = 0.01;
/// ... and larger than this fraction of the median over the run.
inline constexpr double kTrendMinRelativeDrift = 0.02;
/// The conventional cut-off, 5/9 rounded down: a uniform distribution's
/// coefficient; unimodal shapes lie below it.
inline constexpr double kBimodalityThreshold = 0.555;
/// Below this many samples the coefficient is too noisy to flag (with 10,
/// a right-skewed unimodal sample passes the threshold too often).
inline constexpr std::size_t kBimodalityMinSamples = 20;
/// Below this many samples outliers are reported in the data but not
/// warned about: the median and MAD of a handful of values are too unsteady
/// to call any one of them far off, and timings have a right tail, so with
/// 10 iterations a quiet machine's run warned about "outliers" in most
/// scenarios (the demo did). The same size as for bimodality.
inline constexpr std::size_t kOutlierWarnMinSamples = 20;
/// Outliers fewer than 1 in this many samples are left out before judging
/// bimodality: they are reported as outliers, not as a second regime.
inline constexpr std::size_t kBimodalityOutlierShare = 10;

struct OutlierReport
{
  std::vector<std::size_t> indices; // 0-based iterations, ascending
  double median = 0;
  double mad = 0; // median absolute deviation from the median (unscaled)
  double threshold = kOutlierThreshold;
  const char* method = "insufficient"; // "mad" | "insufficient"
};

/// Flags sample i when its robust z, 0.6745 (x_i - median) / MAD, exceeds
/// kOutlierThreshold in absolute value (Iglewicz-Hoaglin). When MAD is 0 (more
/// than half the samples equal the median) every sample that differs from the
/// median is flagged: its robust z is infinite. Fewer than 3 samples (or a
/// non-finite one) gives "insufficient" with no indices. O(n log n).
OutlierReport outliers(std::span<const double> samples);

struct TrendReport
{
  double s = 0;              // Mann-Kendall S: concordant minus discordant pairs
  double variance = 0;       // Var(S) under no trend, corrected for ties
  double z = 0;              // (S -+ 1) / sqrt(Var(S)), continuity corrected
  double p_value = 1;        // two-sided
  double slope = 0;          // Theil-Sen: value units per iteration
  double relative_drift = 0; // slope (n - 1) / |median|: the change over the run
  bool subsampled = false;   // Theil-Sen used kTheilSenMaxPoints of the iterations
  bool flagged = false;
  const char* method = "insufficient"; // "mann-kendall" | "insufficient"
};

/// Mann-Kendall test of a monotonic trend in iteration order: S over all pairs
/// (exact for any n, O(n log n)), Var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18
/// over tie groups of size t, z with continuity correction, p = 2 P(Z > |z|).
/// All values tied: z = 0, p = 1. The Theil-Sen slope is the median of the
/// pairwise slopes (y_j - y_i) / (j - i); beyond kTheilSenMaxPoints samples it
/// uses the iterations floor(k (n-1) / (kTheilSenMaxPoints-1)), k = 0, 1, ...
/// (deterministic, first and last included) and sets `subsampled`. Flagged
/// when p < kTrendAlpha and |relative_drift| > kTrendMinRelativeDrift; a median
/// of 0 gives the drift no scale, so relative_drift stays 0 and nothing is
/// flagged. Fewer than kTrendMinSamples samples gives "insufficient".
TrendReport trend(std::span<const double> samples);

struct BimodalityReport
{
  double coefficient = 0;     // Sarle's b
  double skewness = 0;        // sample-size corrected (G1)
  double excess_kurtosis = 0; // sample-size corrected (G2)
  bool flagged = false;
  const char* method = "insufficient"; // "sarle" | "constant" | "insufficient"
};

/// Sarle's bimodality coefficient b = (G1^2 + 1) / (G2 + 3(n-1)^2 / ((n-2)(n-3)))
/// with G1 and G2 as SciPy's skew and kurtosis with bias=False, over all the
/// samples. Strong skew alone raises b (an exponential sits at 5/9, a
/// lognormal above), and benchmark timings are right-skewed, so the flag asks
/// for more than b > kBimodalityThreshold: with n >= kBimodalityMinSamples,
/// after leaving out the MAD outliers when they are fewer than one sample in
/// kBimodalityOutlierShare, b must exceed the threshold on the values and,
/// when they are all positive, on their logarithms too (a log turns a
/// lognormal or exponential tail into a symmetric or left-skewed shape, but
/// keeps two separated clusters apart). Fewer than 4 samples gives
/// "insufficient"; all samples equal gives "constant", b = 0.
BimodalityReport bimodality(std::span<const double> samples);

struct Diagnostics
{
  OutlierReport outliers;
  TrendReport trend;
  BimodalityReport bimodality;
  std::size_t samples = 0;
  /// "iteration" (as measured, as far as can be told), or "ascending" /
  /// "descending" when the samples arrive sorted (at least kTrendMinSamples,
  /// monotonic, not all equal): many runners sort them, which loses the
  /// iteration order, so a drift or an outlier's position means nothing.
  const char* order = "iteration";

  bool sorted() const { return std::string_view(order) != "iteration"; }

  /// One sentence per flagged diagnostic, in the order outliers, trend,
  /// bimodality; empty when nothing is flagged. Iterations are numbered from
  /// 1 for people, and at most ten are listed. Sorted samples get one
  /// sentence saying so instead of any trend, and outliers without
  /// positions; outliers are warned about only from kOutlierWarnMinSamples.
  std::vector<std::string> warnings() const;
};

/// outliers(), trend() and bimodality() of the same samples, with the
/// sorted-input rule: on sorted samples the trend is never flagged.
Diagnostics diagnose(std::span<const double> samples);

} // namespace hb::stats

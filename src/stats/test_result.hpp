#pragma once
// What the sound two-sample tests (mann_whitney.hpp, kolmogorov_smirnov.hpp,
// welch.hpp) take and return. Every test is one-sided: only a change in the
// direction the caller calls "worse" counts as evidence.
//
// Inputs must not contain NaN: the tests sort, and NaN has no order.

#include <optional>

namespace hb::stats {

/// Which direction of current relative to baseline is a regression: `greater`
/// when larger values are worse (durations), `less` when smaller values are
/// worse (throughput).
enum class Worse { greater, less };

/// How a test gets its p-value: `automatic` uses the exact null distribution
/// where the test's rule allows it (small samples, no ties) and the asymptotic
/// approximation otherwise; `asymptotic` always uses the approximation.
enum class Method { automatic, asymptotic };

/// A one-sided test's outcome. `p_value` is the probability, if nothing
/// changed, of a statistic at least this far in the worse direction.
struct TestResult
{
  double statistic = 0;     // U, D or t, as each test documents
  std::optional<double> z;  // Mann-Whitney's normal approximation only
  std::optional<double> df; // Welch only: Welch-Satterthwaite degrees of freedom
  double p_value = 1;
  const char* method = "insufficient"; // how p_value was computed; see each test
};

} // namespace hb::stats

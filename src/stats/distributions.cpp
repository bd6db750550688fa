#include "stats/distributions.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <cmath>
#include <limits>
#include <numbers>

namespace hb::stats {

namespace {

namespace policies = boost::math::policies;

// Boost throws on bad arguments by default; no exception may leave src/stats,
// so every error becomes NaN or infinity (the callers' inputs are checked).
using NoThrow = policies::policy<policies::domain_error<policies::ignore_error>,
                                 policies::pole_error<policies::ignore_error>,
                                 policies::overflow_error<policies::ignore_error>,
                                 policies::underflow_error<policies::ignore_error>,
                                 policies::evaluation_error<policies::ignore_error>,
                                 policies::rounding_error<policies::ignore_error>>;

} // namespace

double
normal_sf(double z)
{
  // erfc keeps relative accuracy in the upper tail, where 1 - cdf would not.
  return 0.5 * std::erfc(z * (1 / std::numbers::sqrt2));
}

double
normal_quantile(double p)
{
  if (std::isnan(p) || p < 0 || p > 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (p == 0 || p == 1) {
    return p == 0 ? -std::numeric_limits<double>::infinity()
                  : std::numeric_limits<double>::infinity();
  }
  return boost::math::quantile(boost::math::normal_distribution<double, NoThrow>(), p);
}

double
student_t_sf(double t, double df)
{
  if (std::isnan(t) || std::isnan(df) || df <= 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (std::isinf(t)) {
    return t > 0 ? 0.0 : 1.0;
  }
  return boost::math::cdf(
    boost::math::complement(boost::math::students_t_distribution<double, NoThrow>(df), t));
}

double
student_t_quantile(double p, double df)
{
  if (std::isnan(p) || std::isnan(df) || df <= 0 || p < 0 || p > 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (std::isinf(df) || p == 0 || p == 1) {
    return normal_quantile(p);
  }
  return boost::math::quantile(boost::math::students_t_distribution<double, NoThrow>(df), p);
}

} // namespace hb::stats

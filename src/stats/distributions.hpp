#pragma once
// The distribution functions the tests need, accurate in the far tails (a
// p-value of 1e-30 keeps its digits instead of becoming 1 - 1).

namespace hb::stats {

/// Upper tail of the standard normal, P(Z > z); 1 at -inf, 0 at +inf.
double normal_sf(double z);

/// Inverse of the standard normal CDF for p in (0, 1): the z with P(Z <= z) = p;
/// -inf at 0, +inf at 1, NaN outside [0, 1].
double normal_quantile(double p);

/// Upper tail of Student's t with `df` > 0 degrees of freedom, P(T > t); NaN
/// when df is not positive or an argument is NaN.
double student_t_sf(double t, double df);

/// Inverse of Student's t CDF with `df` > 0 degrees of freedom for p in (0, 1);
/// the normal quantile when df is infinite; NaN for bad arguments.
double student_t_quantile(double p, double df);

} // namespace hb::stats

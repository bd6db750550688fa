#pragma once
// What both studies of decision_quality share (bench/decision-quality/
// README.md): seeded sampling that means the same numbers with any standard
// library, running suites on threads with sums that do not depend on the
// thread count, and rates with Wilson intervals.

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dq {

inline std::uint64_t
splitmix64(std::uint64_t x)
{
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline std::uint64_t
suite_seed(std::uint64_t seed, std::uint64_t cell, std::uint64_t suite)
{
  return splitmix64(splitmix64(splitmix64(seed) ^ cell) ^ suite);
}

inline double
uniform01(std::mt19937_64& rng) // (0, 1)
{
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

inline double
standard_normal(std::mt19937_64& rng)
{
  double u1 = uniform01(rng);
  double u2 = uniform01(rng);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// Runs suites 0..suites-1 on `threads` threads (suite k on thread k mod
// threads). Each suite has its own seed and the tallies are sums, so the
// figures do not depend on the number of threads.
template<typename Part, typename Body>
std::vector<Part>
in_parallel(std::size_t suites, std::size_t threads, Body body)
{
  threads = std::max<std::size_t>(1, std::min(threads, suites));
  std::vector<Part> parts(threads);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t k = t; k < suites; k += threads) body(parts[t], k);
    });
  }
  for (std::size_t k = 0; k < suites; k += threads) body(parts[0], k);
  for (auto& th : pool) th.join();
  return parts;
}


inline double
rate(std::uint64_t k, std::uint64_t n)
{
  return n ? static_cast<double>(k) / static_cast<double>(n) : 0;
}

// Wilson score interval, 95 %.
inline std::pair<double, double>
wilson(std::uint64_t k, std::uint64_t n)
{
  if (n == 0) return {0, 0};
  const double z = 1.959963984540054;
  double p = rate(k, n);
  double nn = static_cast<double>(n);
  double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  double half = z / (1 + z * z / nn) * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

inline std::string
pct(std::uint64_t k, std::uint64_t n)
{
  return fmt::format("{:.1f} %", 100 * rate(k, n));
}

inline std::string
pct_ci(std::uint64_t k, std::uint64_t n)
{
  auto [lo, hi] = wilson(k, n);
  return fmt::format("{:.1f} % [{:.1f}, {:.1f}]", 100 * rate(k, n), 100 * lo, 100 * hi);
}

/// The session study (session_study.cpp): suites per cell, seed, threads.
int run_session_study(std::size_t suites, std::uint64_t seed, std::size_t threads, bool json);

} // namespace dq

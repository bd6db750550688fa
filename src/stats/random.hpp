#pragma once
// Seeded randomness that means the same numbers with any standard library.

#include <cstddef>
#include <cstdint>
#include <random>

namespace hb::stats {

/// An index in [0, n) with every value equally likely, n > 0. Rejection
/// rather than std::uniform_int_distribution, whose algorithm differs between
/// standard libraries: a seed must mean the same draws everywhere.
inline std::size_t
draw_index(std::mt19937_64& rng, std::uint64_t n)
{
  const std::uint64_t reject_below = (0 - n) % n; // 2^64 mod n
  std::uint64_t x = rng();
  while (x < reject_below) {
    x = rng();
  }
  return static_cast<std::size_t>(x % n);
}

} // namespace hb::stats

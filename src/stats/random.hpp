#pragma once
// Seeded randomness that means the same numbers with any compiler and
// standard library: our own generator and index drawing, never
// std::uniform_int_distribution (whose algorithm differs between libraries).

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hb::stats {

/// xoshiro256** (Blackman and Vigna 2018), seeded through splitmix64: fast
/// enough for the bootstrap's and the permutation tests' millions of draws.
class Xoshiro256
{
public:
  explicit Xoshiro256(std::uint64_t seed)
  {
    for (std::uint64_t& word : m_state) {
      seed += 0x9e3779b97f4a7c15;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
      z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t operator()()
  {
    const std::uint64_t result = std::rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = std::rotl(m_state[3], 45);
    return result;
  }

private:
  std::uint64_t m_state[4];
};

/// An index in [0, n) with every value equally likely, n > 0: Lemire's
/// multiply-shift with rejection (no 64-bit modulo per draw).
inline std::size_t
draw_index(Xoshiro256& rng, std::uint64_t n)
{
  __extension__ using Wide = unsigned __int128; // GCC and Clang
  Wide product = static_cast<Wide>(rng()) * n;
  if (static_cast<std::uint64_t>(product) < n) {
    const std::uint64_t reject_below = (0 - n) % n; // 2^64 mod n
    while (static_cast<std::uint64_t>(product) < reject_below) {
      product = static_cast<Wide>(rng()) * n;
    }
  }
  return static_cast<std::size_t>(product >> 64);
}

} // namespace hb::stats

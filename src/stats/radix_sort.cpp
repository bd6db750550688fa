#include "stats/radix_sort.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace hb::stats {

namespace {

constexpr unsigned k_digit_bits = 11; // 2048 counters per digit: fits in L1
constexpr unsigned k_digits = (64 + k_digit_bits - 1) / k_digit_bits;
constexpr std::uint64_t k_digit_mask = (std::uint64_t{1} << k_digit_bits) - 1;
constexpr std::uint64_t k_sign_bit = std::uint64_t{1} << 63;

// IEEE doubles ordered as unsigned integers: flip every bit of a negative
// number (larger magnitude, smaller value), only the sign bit of the others.
std::uint64_t
to_key(double v)
{
  const auto bits = std::bit_cast<std::uint64_t>(v);
  return bits & k_sign_bit ? ~bits : bits | k_sign_bit;
}

double
from_key(std::uint64_t key)
{
  return std::bit_cast<double>(key & k_sign_bit ? key & ~k_sign_bit : ~key);
}

} // namespace

std::vector<double>
radix_sorted(std::span<const double> values)
{
  // Below a few thousand values the counters cost more than comparisons.
  if (values.size() < 4096) {
    std::vector<double> out(values.begin(), values.end());
    std::sort(out.begin(), out.end());
    return out;
  }
  const size_t n = values.size();
  std::vector<std::uint64_t> keys(n), spare(n);
  // On the heap: 96 KiB is too much for a small thread stack.
  std::vector<std::array<size_t, k_digit_mask + 1>> counts(k_digits);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = to_key(values[i]);
    for (unsigned d = 0; d < k_digits; ++d) {
      ++counts[d][(keys[i] >> (d * k_digit_bits)) & k_digit_mask];
    }
  }
  for (unsigned d = 0; d < k_digits; ++d) {
    auto& count = counts[d];
    const unsigned shift = d * k_digit_bits;
    // A digit every value shares (the sign and exponent of similar numbers)
    // would only copy the keys: skip it.
    if (count[(keys[0] >> shift) & k_digit_mask] == n) {
      continue;
    }
    size_t offset = 0;
    for (size_t& c : count) {
      const size_t here = c;
      c = offset;
      offset += here;
    }
    for (std::uint64_t key : keys) {
      spare[count[(key >> shift) & k_digit_mask]++] = key;
    }
    keys.swap(spare);
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = from_key(keys[i]);
  }
  return out;
}

} // namespace hb::stats

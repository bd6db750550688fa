#include "stats/radix_sort.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace hb::stats {

namespace {

constexpr unsigned kDigitBits = 11; // 2048 counters per digit: fits in L1
constexpr unsigned kDigits = (64 + kDigitBits - 1) / kDigitBits;
constexpr std::uint64_t kDigitMask = (std::uint64_t{1} << kDigitBits) - 1;
constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

// IEEE doubles ordered as unsigned integers: flip every bit of a negative
// number (larger magnitude, smaller value), only the sign bit of the others.
std::uint64_t
to_key(double v)
{
  const auto bits = std::bit_cast<std::uint64_t>(v);
  return bits & kSignBit ? ~bits : bits | kSignBit;
}

double
from_key(std::uint64_t key)
{
  return std::bit_cast<double>(key & kSignBit ? key & ~kSignBit : ~key);
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
  std::vector<std::array<size_t, kDigitMask + 1>> counts(kDigits);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = to_key(values[i]);
    for (unsigned d = 0; d < kDigits; ++d) {
      ++counts[d][(keys[i] >> (d * kDigitBits)) & kDigitMask];
    }
  }
  for (unsigned d = 0; d < kDigits; ++d) {
    auto& count = counts[d];
    const unsigned shift = d * kDigitBits;
    // A digit every value shares (the sign and exponent of similar numbers)
    // would only copy the keys: skip it.
    if (count[(keys[0] >> shift) & kDigitMask] == n) {
      continue;
    }
    size_t offset = 0;
    for (size_t& c : count) {
      const size_t here = c;
      c = offset;
      offset += here;
    }
    for (std::uint64_t key : keys) {
      spare[count[(key >> shift) & kDigitMask]++] = key;
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

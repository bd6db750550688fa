#include "util/id.hpp"

#include <fmt/core.h>

#include <cstdint>
#include <random>
#include <sys/random.h>

namespace hb {

std::string
new_uuid_v4()
{
  std::uint8_t b[16];
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    for (auto& byte : b) {
      byte = static_cast<std::uint8_t>(rng());
    }
  }
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                     "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                     b[12], b[13], b[14], b[15]);
}

} // namespace hb

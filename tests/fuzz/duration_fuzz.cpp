// Fuzz target: the time and duration parsers behind --timeout,
// --heartbeat-timeout, --retain-for, --older-than and --since/--until
// (util/time: parse_duration_ms, parse_time_point, parse_rfc3339). A duration
// is never negative (an overflow must be an error, not a deadline in year
// -292274999), and an RFC 3339 time prints and parses back to itself.

#include "fuzz_check.hpp"
#include "util/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr hb::TimeMs now = 1'764'000'000'000; // late 2025

  auto duration = hb::parse_duration_ms(text);
  hb::fuzz::require_explained(duration);
  if (duration) {
    hb::fuzz::require(*duration >= 0);
    (void)hb::format_duration_ms(*duration);
  }

  auto point = hb::parse_time_point(text, now);
  hb::fuzz::require_explained(point);

  auto stamp = hb::parse_rfc3339(text);
  hb::fuzz::require_explained(stamp);
  // Years 1970..9999 print in the fixed-width form and read back exactly.
  if (stamp && *stamp >= 0 && *stamp < 253'402'300'800'000) {
    auto again = hb::parse_rfc3339(hb::format_rfc3339(*stamp));
    hb::fuzz::require(again.has_value() && *again == *stamp);
  }
  return 0;
}

// Fuzz target: the cron parser behind `schedule add --cron` and the TZif
// reader behind `--timezone` (util/cron, util/tz). The first byte picks
// which: a cron expression must parse or be explained, and a parsed one
// finds its next firing (or none) in bounded time; a TZif file (a damaged
// tzdata install) must load or be explained, and a loaded zone answers
// offsets and local-to-UTC conversions without overflow or a hang.

#include "fuzz_check.hpp"
#include "util/cron.hpp"
#include "util/tz.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size == 0) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::int64_t now = 1'764'000'000; // late 2025, seconds
  if (data[0] % 2 == 0) {
    auto expr = hb::parse_cron(rest);
    hb::fuzz::require_explained(expr);
    if (expr) {
      auto next = hb::next_slot(*expr, hb::TimeZone(), now);
      hb::fuzz::require(!next || *next > now);
    }
    return 0;
  }
  auto zone = hb::TimeZone::from_tzif("Fuzz/Zone", rest, "fuzz input");
  hb::fuzz::require_explained(zone);
  if (zone) {
    for (std::int64_t t : {std::int64_t{0}, now, now + std::int64_t{40} * 365 * 86400, -now}) {
      std::int64_t offset = zone->offset_at(t);
      hb::fuzz::require(offset > -(1LL << 32) && offset < (1LL << 32));
      (void)zone->to_utc(t);
    }
    auto every_hour = hb::parse_cron("0 * * * *");
    hb::fuzz::require(every_hour.has_value());
    (void)hb::next_slot(*every_hour, *zone, now, 7 * 86400);
  }
  return 0;
}

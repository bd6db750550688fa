#pragma once
// Cron expressions (the five fields of crontab(5): minute, hour, day of
// month, month, day of week, with lists, ranges, steps, names and the @
// macros) and their firing times in a time zone. Day of month and day of
// week combine as Vixie cron does: when both are restricted, either
// matching is enough.

#include "util/error.hpp"
#include "util/tz.hpp"

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hb {

struct CronExpr
{
  std::string text; // as given, trimmed
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;   // 1..31
  std::bitset<13> months; // 1..12
  std::bitset<7> weekdays; // 0 = Sunday
  bool any_day = true;     // the day-of-month field starts with '*'
  bool any_weekday = true; // the day-of-week field starts with '*'
};

/// Parses a cron expression; errors name the field and what is allowed.
Result<CronExpr> parse_cron(std::string_view text);

/// How far next_slot looks: eight years, so February 29 is always found.
inline constexpr std::int64_t k_cron_horizon_s = 8LL * 366 * 86400;

/// The first firing strictly after the UTC instant `after` (Unix seconds)
/// in `zone`, within `horizon_s`; nullopt when the expression fires never
/// in that time. A local time skipped by daylight saving fires at the jump;
/// one that happens twice fires once, the first time.
std::optional<std::int64_t> next_slot(const CronExpr& expr, const TimeZone& zone,
                                      std::int64_t after, std::int64_t horizon_s = k_cron_horizon_s);

} // namespace hb

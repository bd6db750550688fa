#pragma once
// Time as integer milliseconds since the Unix epoch (UTC), printed in one
// format: RFC 3339 with millisecond precision and `Z`.

#include "util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hb {

using TimeMs = std::int64_t;

TimeMs now_ms();

/// "2026-11-22T01:38:40.123Z": fixed width, so strings sort like times.
std::string format_rfc3339(TimeMs ms);

/// Accepts RFC 3339 with any fraction length and `Z` or a `±hh:mm` offset.
Result<TimeMs> parse_rfc3339(std::string_view text);

/// "500ms", "30s", "15m", "24h", "7d", "2w" to milliseconds.
Result<std::int64_t> parse_duration_ms(std::string_view text);

/// A --since/--until value: a duration back from `now` ("24h") or a timestamp.
Result<TimeMs> parse_time_point(std::string_view text, TimeMs now);

/// "1.2 s", "340 ms", "2m 05s": for humans.
std::string format_duration_ms(std::int64_t ms);

} // namespace hb

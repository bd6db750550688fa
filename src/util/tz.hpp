#pragma once
// IANA time zones read from the system's compiled zone files (TZif, RFC
// 8536) under /usr/share/zoneinfo (or $TZDIR), including the POSIX TZ rule
// in the footer for instants after the last listed transition. Why not
// <chrono>'s tzdb: GCC 12 has none, and a library with its own libstdc++
// would be loaded by every command. Seconds, not milliseconds: zone offsets
// are whole seconds.

#include "util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

class TimeZone
{
public:
  /// UTC, with no file.
  TimeZone();

  /// The zone named `name` ("Europe/Berlin", "UTC"); errors say what was
  /// wrong (an unknown name, a damaged file) and where zones are read from.
  static Result<TimeZone> load(std::string_view name);

  /// A zone from the bytes of a TZif file (`source` names it in errors).
  static Result<TimeZone> from_tzif(std::string_view name, const std::string& bytes,
                                    const std::string& source);

  const std::string& name() const { return m_name; }

  /// Seconds east of UTC at the UTC instant `utc` (Unix seconds).
  std::int64_t offset_at(std::int64_t utc) const;

  /// The UTC instant of the local wall-clock time `local` (seconds since
  /// 1970-01-01T00:00 local). Ambiguous (clocks went back): the earlier
  /// instant. Nonexistent (clocks went forward): the instant of the jump,
  /// so a time skipped by daylight saving still happens once.
  std::int64_t to_utc(std::int64_t local) const;

private:
  std::string m_name;
  std::vector<std::int64_t> m_times;      // transition instants, ascending
  std::vector<std::int32_t> m_offsets;    // offset after each transition
  std::int32_t m_initial_offset = 0;      // before the first transition
  bool m_has_rule = false; // the footer's POSIX TZ rule, after the last transition
  std::int32_t m_std_offset = 0, m_dst_offset = 0;
  bool m_rule_has_dst = false;
  struct RuleDate
  {
    char kind = 'M'; // 'M' month.week.day, 'J' Julian 1-365 without Feb 29, 'D' 0-365
    int month = 0, week = 0, day = 0;
    std::int64_t time = 7200; // seconds after local midnight
  } m_start, m_end;

  friend Result<void> parse_posix_rule(TimeZone& zone, std::string_view text);
  std::int64_t rule_offset_at(std::int64_t utc) const;
  std::int64_t rule_transition(int year, const RuleDate& date, std::int32_t offset_before) const;
};

/// The machine's zone name: $TZ (a zone name), else /etc/localtime's link
/// target under the zone directory, else /etc/timezone, else "UTC".
std::string local_zone_name();

} // namespace hb

#include "util/time.hpp"

#include "util/text.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <chrono>
#include <ctime>

namespace hb {

TimeMs
now_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string
format_rfc3339(TimeMs ms)
{
  std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int millis = static_cast<int>(ms - static_cast<TimeMs>(seconds) * 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

namespace {

bool
read_int(std::string_view text, size_t& pos, size_t digits, int& out)
{
  if (pos + digits > text.size()) {
    return false;
  }
  auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + digits, out);
  if (ec != std::errc() || ptr != text.data() + pos + digits) {
    return false;
  }
  pos += digits;
  return true;
}

bool
expect(std::string_view text, size_t& pos, char c)
{
  if (pos < text.size() && (text[pos] == c || (c == 'T' && (text[pos] == 't' || text[pos] == ' ')))) {
    ++pos;
    return true;
  }
  return false;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
// days_from_civil.
std::int64_t
days_from_civil(int y, int m, int d)
{
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5
                       + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

Result<TimeMs>
parse_rfc3339(std::string_view text)
{
  auto bad = [&] {
    return make_error("validation.invalid_argument",
                      fmt::format("'{}' is not an RFC 3339 timestamp (expected e.g. "
                                  "2026-01-31T12:00:00Z)",
                                  text));
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!read_int(text, pos, 4, year) || !expect(text, pos, '-') || !read_int(text, pos, 2, month)
      || !expect(text, pos, '-') || !read_int(text, pos, 2, day) || !expect(text, pos, 'T')
      || !read_int(text, pos, 2, hour) || !expect(text, pos, ':')
      || !read_int(text, pos, 2, minute) || !expect(text, pos, ':')
      || !read_int(text, pos, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) {
        millis = millis * 10 + (text[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return bad();
    }
    for (int i = digits; i < 3; ++i) {
      millis *= 10;
    }
  }
  std::int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!read_int(text, pos, 2, oh) || !expect(text, pos, ':') || !read_int(text, pos, 2, om)) {
      return bad();
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != text.size()) {
    return bad();
  }
  std::int64_t days = days_from_civil(year, month, day);
  std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

Result<std::int64_t>
parse_duration_ms(std::string_view text)
{
  auto bad = [&] {
    return make_error("validation.invalid_argument",
                      fmt::format("'{}' is not a duration (expected a number and a unit: "
                                  "500ms, 30s, 15m, 24h, 7d, 2w)",
                                  truncate_for_message(text, 40)));
  };
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  // from_chars also reads "inf" and "nan", which are no durations.
  if (ec != std::errc() || !std::isfinite(number) || number < 0) {
    return bad();
  }
  std::string_view unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
  double scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else if (unit == "w") scale = 7 * 86'400'000.0;
  else return bad();
  // Past this, deadlines computed as now + duration would overflow.
  constexpr double k_max_ms = 100.0 * 365.25 * 86'400'000.0;
  if (number * scale > k_max_ms) {
    return make_error("validation.invalid_argument",
                      fmt::format("'{}' is too long a duration: at most 100 years (5218w)",
                                  truncate_for_message(text, 40)));
  }
  return static_cast<std::int64_t>(number * scale);
}

Result<TimeMs>
parse_time_point(std::string_view text, TimeMs now)
{
  if (auto duration = parse_duration_ms(text)) {
    return now - *duration;
  }
  if (auto stamp = parse_rfc3339(text)) {
    return *stamp;
  }
  return make_error("validation.invalid_argument",
                    fmt::format("'{}' is neither a duration (30s, 15m, 24h, 7d) nor an RFC 3339 "
                                "timestamp (2026-01-31T12:00:00Z)",
                                truncate_for_message(text, 40)));
}

std::string
format_duration_ms(std::int64_t ms)
{
  if (ms < 1000) {
    return fmt::format("{} ms", ms);
  }
  if (ms < 60'000) {
    return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  }
  return fmt::format("{}m {:02}s", ms / 60'000, (ms % 60'000) / 1000);
}

} // namespace hb

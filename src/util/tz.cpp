// Reads TZif files (RFC 8536): the 64-bit block of a version 2+ file and
// the POSIX TZ rule in its footer (TZ string, POSIX.1-2017 8.3 with the
// RFC's extensions: hours up to 167 and negative rule times).

#include "util/tz.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace hb {

namespace {

namespace chr = std::chrono;

constexpr std::int64_t k_day = 86400;

std::filesystem::path
zone_dir()
{
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? std::filesystem::path(dir) : std::filesystem::path("/usr/share/zoneinfo");
}

bool
valid_zone_name(std::string_view name)
{
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.find("..") != name.npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/'
           || c == '_' || c == '-' || c == '+';
  });
}

std::int64_t
be(const std::string& data, std::size_t at, int bytes)
{
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

/// Days since 1970-01-01 of a civil date.
std::int64_t
days_of(int y, unsigned m, unsigned d)
{
  return chr::sys_days(chr::year(y) / chr::month(m) / chr::day(d)).time_since_epoch().count();
}

int
year_of(std::int64_t seconds)
{
  std::int64_t days = seconds >= 0 ? seconds / k_day : -((-seconds + k_day - 1) / k_day);
  return static_cast<int>(chr::year_month_day(chr::sys_days(chr::days(days))).year());
}

// A small cursor over the TZ string.
struct Cursor
{
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c)
  {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool number(int& out, int max)
  {
    std::size_t start = i;
    long v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && v <= max) v = v * 10 + (s[i++] - '0');
    out = static_cast<int>(v);
    return i > start && v <= max;
  }
};

bool
parse_name(Cursor& c)
{
  std::size_t start = c.i;
  if (c.eat('<')) {
    while (!c.done() && c.peek() != '>') ++c.i;
    return c.eat('>') && c.i - start >= 5;
  }
  while (!c.done() && ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z'))) {
    ++c.i;
  }
  return c.i - start >= 3;
}

/// [+-]hh[:mm[:ss]] in seconds (hours up to 167).
bool
parse_hms(Cursor& c, std::int64_t& out)
{
  int sign = 1;
  if (c.eat('-')) sign = -1;
  else c.eat('+');
  int h = 0, m = 0, s = 0;
  if (!c.number(h, 167)) return false;
  if (c.eat(':')) {
    if (!c.number(m, 59)) return false;
    if (c.eat(':') && !c.number(s, 59)) return false;
  }
  out = sign * (h * 3600LL + m * 60LL + s);
  return true;
}

} // namespace

TimeZone::TimeZone() : m_name("UTC") {}

Result<void>
parse_posix_rule(TimeZone& zone, std::string_view text)
{
  Cursor c{text};
  std::int64_t std_off = 0;
  auto bad = [&] {
    return make_error("tz.bad_file", fmt::format("time zone {}: its rule \"{}\" cannot be read",
                                                 zone.m_name, std::string(text)));
  };
  if (!parse_name(c) || !parse_hms(c, std_off)) return bad();
  zone.m_has_rule = true;
  zone.m_std_offset = static_cast<std::int32_t>(-std_off); // POSIX counts west
  zone.m_dst_offset = zone.m_std_offset;
  if (c.done()) return {};
  if (!parse_name(c)) return bad();
  zone.m_rule_has_dst = true;
  zone.m_dst_offset = zone.m_std_offset + 3600;
  if (c.peek() != ',' && !c.done()) {
    std::int64_t dst_off = 0;
    if (!parse_hms(c, dst_off)) return bad();
    zone.m_dst_offset = static_cast<std::int32_t>(-dst_off);
  }
  auto date = [&](TimeZone::RuleDate& d) {
    if (!c.eat(',')) return false;
    if (c.eat('M')) {
      d.kind = 'M';
      if (!c.number(d.month, 12) || d.month < 1 || !c.eat('.') || !c.number(d.week, 5)
          || d.week < 1 || !c.eat('.') || !c.number(d.day, 6)) {
        return false;
      }
    } else if (c.eat('J')) {
      d.kind = 'J';
      if (!c.number(d.day, 365) || d.day < 1) return false;
    } else {
      d.kind = 'D';
      if (!c.number(d.day, 365)) return false;
    }
    d.time = 7200;
    return !c.eat('/') || parse_hms(c, d.time);
  };
  if (c.done()) {
    // No rule: US rules by POSIX's default; zic always writes one, so this
    // only happens with hand-made files.
    zone.m_start = {'M', 3, 2, 0, 7200};
    zone.m_end = {'M', 11, 1, 0, 7200};
    return {};
  }
  if (!date(zone.m_start) || !date(zone.m_end) || !c.done()) return bad();
  return {};
}

Result<TimeZone>
TimeZone::load(std::string_view name)
{
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") {
    return TimeZone();
  }
  if (!valid_zone_name(name)) {
    return make_error("tz.unknown",
                      fmt::format("\"{}\" is not a time zone name; give an IANA name such as "
                                  "Europe/Berlin or UTC",
                                  std::string(name)));
  }
  std::filesystem::path path = zone_dir() / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error("tz.unknown",
                      fmt::format("unknown time zone \"{}\" (no {}); give an IANA name such as "
                                  "Europe/Berlin or UTC (`ls {}` lists them)",
                                  std::string(name), path.string(), zone_dir().string()));
  }
  auto data = fs::read_file(path);
  if (!data) return Unexpected(data.error());
  return from_tzif(name, *data, path.string());
}

Result<TimeZone>
TimeZone::from_tzif(std::string_view name, const std::string& d, const std::string& source)
{
  TimeZone zone;
  zone.m_name = std::string(name);
  auto bad = [&](const char* what) {
    return make_error("tz.bad_file",
                      fmt::format("time zone file {} is damaged ({}); reinstall tzdata",
                                  source, what));
  };
  if (d.size() < 44 || d.compare(0, 4, "TZif") != 0) return bad("not a TZif file");
  auto counts = [&](std::size_t at, std::int64_t out[6]) {
    for (int i = 0; i < 6; ++i) out[i] = be(d, at + 20 + 4 * i, 4);
  };
  std::int64_t n[6]; // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  counts(0, n);
  for (auto v : n) {
    if (v < 0 || v > 100000) return bad("impossible counts");
  }
  std::size_t at = 44;
  int time_size = 4;
  if (d[4] >= '2') {
    // Skip the 32-bit block; use the 64-bit one after it.
    at += n[3] * 4 + n[3] + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0];
    if (d.size() < at + 44 || d.compare(at, 4, "TZif") != 0) return bad("no 64-bit block");
    counts(at, n);
    for (auto v : n) {
      if (v < 0 || v > 100000) return bad("impossible counts");
    }
    at += 44;
    time_size = 8;
  }
  const std::int64_t timecnt = n[3], typecnt = n[4];
  std::size_t need = at + timecnt * time_size + timecnt + typecnt * 6;
  if (typecnt < 1 || d.size() < need) return bad("truncated");
  std::vector<std::int32_t> type_offsets(typecnt);
  std::vector<bool> type_dst(typecnt);
  std::size_t types_at = at + timecnt * time_size + timecnt;
  for (std::int64_t t = 0; t < typecnt; ++t) {
    type_offsets[t] = static_cast<std::int32_t>(be(d, types_at + 6 * t, 4));
    type_dst[t] = d[types_at + 6 * t + 4] != 0;
  }
  for (std::int64_t i = 0; i < timecnt; ++i) {
    std::int64_t when = be(d, at + i * time_size, time_size);
    auto type = static_cast<unsigned char>(d[at + timecnt * time_size + i]);
    if (type >= typecnt) return bad("a transition names no type");
    if (!zone.m_times.empty() && when <= zone.m_times.back()) return bad("transitions out of order");
    zone.m_times.push_back(when);
    zone.m_offsets.push_back(type_offsets[type]);
  }
  // RFC 8536 3.2: local time before the first transition is type 0.
  zone.m_initial_offset = type_offsets[0];
  if (time_size == 8) {
    std::size_t footer = need + n[5] + n[2] * 12 + n[1] + n[0];
    if (footer < d.size() && d[footer] == '\n') {
      std::size_t end = d.find('\n', footer + 1);
      if (end != std::string::npos && end > footer + 1) {
        if (auto ok = parse_posix_rule(zone, std::string_view(d).substr(footer + 1, end - footer - 1));
            !ok) {
          return Unexpected(ok.error());
        }
      }
    }
  }
  return zone;
}

std::int64_t
TimeZone::rule_transition(int year, const RuleDate& date, std::int32_t offset_before) const
{
  std::int64_t day = 0;
  if (date.kind == 'J') {
    // 1..365, February 29 never counted.
    bool leap = chr::year(year).is_leap();
    day = days_of(year, 1, 1) + date.day - 1 + (leap && date.day >= 60 ? 1 : 0);
  } else if (date.kind == 'D') {
    day = days_of(year, 1, 1) + date.day;
  } else {
    chr::year_month ym = chr::year(year) / chr::month(static_cast<unsigned>(date.month));
    chr::weekday want{static_cast<unsigned>(date.day)};
    chr::sys_days first = ym / chr::day(1);
    chr::days to_first = want - chr::weekday(first);
    chr::sys_days nth = first + to_first + chr::weeks(date.week - 1);
    chr::sys_days last = ym / chr::last;
    while (nth > last) nth -= chr::weeks(1); // week 5: the last such day
    day = nth.time_since_epoch().count();
  }
  return day * k_day + date.time - offset_before;
}

std::int64_t
TimeZone::rule_offset_at(std::int64_t utc) const
{
  if (!m_rule_has_dst) return m_std_offset;
  int year = year_of(utc + m_std_offset);
  auto in_dst = [&](int y) {
    std::int64_t start = rule_transition(y, m_start, m_std_offset);
    std::int64_t end = rule_transition(y, m_end, m_dst_offset);
    if (start < end) return utc >= start && utc < end;
    return !(utc >= end && utc < start); // southern hemisphere
  };
  return in_dst(year) ? m_dst_offset : m_std_offset;
}

std::int64_t
TimeZone::offset_at(std::int64_t utc) const
{
  if (m_times.empty() || utc < m_times.front()) {
    if (m_times.empty() && m_has_rule) return rule_offset_at(utc);
    return m_initial_offset;
  }
  if (utc >= m_times.back() && m_has_rule) {
    return rule_offset_at(utc);
  }
  auto it = std::upper_bound(m_times.begin(), m_times.end(), utc);
  return m_offsets[static_cast<std::size_t>(it - m_times.begin()) - 1];
}

std::int64_t
TimeZone::to_utc(std::int64_t local) const
{
  // Offsets change by at most a day around any instant: try the offsets in
  // force a day either side; a valid candidate maps back to `local`.
  std::int64_t before = offset_at(local - k_day);
  std::int64_t after = offset_at(local + k_day);
  std::int64_t best = 0;
  bool found = false;
  for (std::int64_t off : {before, after, offset_at(local)}) {
    std::int64_t u = local - off;
    if (offset_at(u) == off && (!found || u < best)) {
      best = u;
      found = true;
    }
  }
  if (found) return best;
  // A gap: the jump happened between local - before and local - after;
  // find it (offsets are piecewise constant, so bisect).
  std::int64_t lo = local - std::max(before, after), hi = local - std::min(before, after);
  std::int64_t lo_off = offset_at(lo);
  while (hi - lo > 1) {
    std::int64_t mid = lo + (hi - lo) / 2;
    (offset_at(mid) == lo_off ? lo : hi) = mid;
  }
  return hi;
}

std::string
local_zone_name()
{
  if (const char* tz = std::getenv("TZ"); tz && *tz) {
    std::string_view name(tz);
    if (name.front() == ':') name.remove_prefix(1);
    if (auto zone = TimeZone::load(name)) return zone->name();
  }
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/etc/localtime", ec);
  if (!ec) {
    std::string text = target.lexically_normal().string();
    for (std::string_view marker : {"zoneinfo/", "zoneinfo-posix/"}) {
      if (auto at = text.find(marker); at != std::string::npos) {
        std::string name = text.substr(at + marker.size());
        if (TimeZone::load(name)) return name;
      }
    }
  }
  std::ifstream in("/etc/timezone");
  std::string name;
  if (in >> name && TimeZone::load(name)) return name;
  return "UTC";
}

} // namespace hb

// crontab(5) parsing and the search for the next firing: the search walks
// local wall-clock time a field at a time (a month, a day, an hour or a
// minute), so an expression that fires yearly costs a few hundred steps.

#include "util/cron.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <vector>

namespace hb {

namespace {

namespace chr = std::chrono;

struct Field
{
  const char* name;
  int lo, hi;
  std::array<const char*, 12> names; // for months (1..12) and weekdays (0..6)
};

constexpr Field k_fields[5] = {
  {"minute", 0, 59, {}},
  {"hour", 0, 23, {}},
  {"day of month", 1, 31, {}},
  {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
  {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::vector<std::string_view>
split(std::string_view s, char sep)
{
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string
lower(std::string_view s)
{
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

/// A value of field `f`: a number or, for months and weekdays, a name.
std::optional<int>
value(const Field& f, std::string_view text)
{
  if (text.empty() || text.size() > 4) return std::nullopt;
  std::string t = lower(text);
  int base = f.lo == 1 ? 1 : 0;
  for (int i = 0; i < 12 && f.names[i]; ++i) {
    if (t == f.names[i]) return i + base;
  }
  int v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<void>
parse_field(const Field& f, std::string_view text, std::vector<bool>& out)
{
  auto bad = [&](const std::string& why) {
    return make_error("cron.invalid", fmt::format("cron {} field \"{}\": {} (allowed: {}-{}{})",
                                                  f.name, std::string(text), why, f.lo, f.hi,
                                                  f.names[0] ? ", or names such as " + std::string(f.names[0]) : ""));
  };
  out.assign(static_cast<std::size_t>(f.hi) + 1, false);
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return bad("an empty list item");
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto s = value(Field{f.name, 1, 1000, {}}, item.substr(slash + 1));
      if (!s || *s < 1 || *s > f.hi + 1) return bad("a step must be a number from 1 to " + std::to_string(f.hi + 1));
      step = *s;
      item = item.substr(0, slash);
    }
    int from = f.lo, to = f.hi;
    if (item == "*") {
      if (f.hi == 7) to = 6;
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      auto a = value(f, item.substr(0, dash));
      auto b = value(f, item.substr(dash + 1));
      if (!a || !b) return bad("\"" + std::string(item) + "\" is not a range");
      from = *a;
      to = *b;
      if (from > to) return bad("a range must go upwards");
    } else {
      auto a = value(f, item);
      if (!a) return bad("\"" + std::string(item) + "\" is not a value");
      from = *a;
      if (step == 1) to = *a; // "5/15": from 5 to the end, every 15
    }
    if (from < f.lo || to > f.hi) return bad("out of range");
    for (int v = from; v <= to; v += step) out[static_cast<std::size_t>(v)] = true;
  }
  return {};
}

template <std::size_t N>
void
assign(std::bitset<N>& bits, const std::vector<bool>& values)
{
  for (std::size_t i = 0; i < N && i < values.size(); ++i) bits[i] = values[i];
}

struct Civil
{
  int year;
  unsigned month, day, hour, minute, weekday;
  std::int64_t day_start; // local seconds at 00:00 of the day
};

Civil
civil(std::int64_t local)
{
  std::int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  chr::sys_days sd{chr::days(days)};
  chr::year_month_day ymd(sd);
  std::int64_t secs = local - days * 86400;
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<unsigned>(secs / 3600),
          static_cast<unsigned>(secs % 3600 / 60), chr::weekday(sd).c_encoding(), days * 86400};
}

bool
day_matches(const CronExpr& e, const Civil& c)
{
  bool dom = e.days[c.day], dow = e.weekdays[c.weekday];
  if (e.any_day && e.any_weekday) return true;
  if (e.any_day) return dow;
  if (e.any_weekday) return dom;
  return dom || dow;
}

} // namespace

Result<CronExpr>
parse_cron(std::string_view text)
{
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  CronExpr e;
  e.text = std::string(text);
  std::string expanded(text);
  if (!text.empty() && text.front() == '@') {
    static const std::pair<const char*, const char*> k_macros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}};
    expanded.clear();
    for (auto [name, fields] : k_macros) {
      if (lower(text) == name) expanded = fields;
    }
    if (expanded.empty()) {
      return make_error("cron.invalid",
                        fmt::format("unknown cron macro \"{}\"; use @hourly, @daily, @weekly, "
                                    "@monthly, @yearly or five fields such as \"0 3 * * *\"",
                                    std::string(text)));
    }
  }
  std::vector<std::string_view> fields;
  for (auto part : split(expanded, ' ')) {
    for (auto piece : split(part, '\t')) {
      if (!piece.empty()) fields.push_back(piece);
    }
  }
  if (fields.size() != 5) {
    return make_error("cron.invalid",
                      fmt::format("cron expression \"{}\" has {} field(s); give five: minute hour "
                                  "day-of-month month day-of-week, such as \"0 3 * * *\" (daily "
                                  "at 03:00)",
                                  e.text, fields.size()));
  }
  std::vector<bool> values;
  for (int i = 0; i < 5; ++i) {
    if (auto ok = parse_field(k_fields[i], fields[i], values); !ok) return Unexpected(ok.error());
    switch (i) {
      case 0: assign(e.minutes, values); break;
      case 1: assign(e.hours, values); break;
      case 2: assign(e.days, values); break;
      case 3: assign(e.months, values); break;
      case 4:
        if (values.size() > 7 && values[7]) values[0] = true; // 7 is Sunday too
        assign(e.weekdays, values);
        break;
    }
  }
  e.any_day = fields[2].front() == '*';
  e.any_weekday = fields[4].front() == '*';
  return e;
}

std::optional<std::int64_t>
next_slot(const CronExpr& e, const TimeZone& zone, std::int64_t after, std::int64_t horizon_s)
{
  std::int64_t local = after + zone.offset_at(after);
  std::int64_t t = (local >= 0 ? local / 60 : (local - 59) / 60) * 60 + 60;
  const std::int64_t limit = local + horizon_s;
  while (t <= limit) {
    Civil c = civil(t);
    if (!e.months[c.month]) {
      chr::year_month next = chr::year(c.year) / chr::month(c.month) + chr::months(1);
      t = chr::sys_days(next / chr::day(1)).time_since_epoch().count() * 86400LL;
      continue;
    }
    if (!day_matches(e, c)) {
      t = c.day_start + 86400;
      continue;
    }
    if (!e.hours[c.hour]) {
      t = c.day_start + (c.hour + 1) * 3600LL;
      continue;
    }
    if (!e.minutes[c.minute]) {
      t += 60;
      continue;
    }
    std::int64_t utc = zone.to_utc(t);
    if (utc > after) return utc;
    t += 60; // a repeated local time: its first instant has passed
  }
  return std::nullopt;
}

} // namespace hb

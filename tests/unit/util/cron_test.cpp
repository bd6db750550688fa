// Cron expressions and time zones: parsing and its errors, the Vixie rule
// for day-of-month with day-of-week, and firings across daylight saving in
// zones read from the system's tzdata (Debian's tzdata package).

#include "util/cron.hpp"
#include "util/time.hpp"
#include "util/tz.hpp"

#include <gtest/gtest.h>

using namespace hb;

namespace {

std::int64_t
at(const char* rfc3339)
{
  return parse_rfc3339(rfc3339).value() / 1000;
}

std::string
text(std::int64_t seconds)
{
  return format_rfc3339(seconds * 1000);
}

std::vector<std::string>
firings(const char* cron, const char* zone, const char* after, int n)
{
  auto expr = parse_cron(cron);
  EXPECT_TRUE(expr) << expr.error().message;
  auto tz = TimeZone::load(zone);
  EXPECT_TRUE(tz) << tz.error().message;
  std::vector<std::string> out;
  std::int64_t t = at(after);
  for (int i = 0; i < n; ++i) {
    auto next = next_slot(*expr, *tz, t);
    if (!next) break;
    out.push_back(text(*next));
    t = *next;
  }
  return out;
}

} // namespace

TEST(Cron, DailyInUtc)
{
  EXPECT_EQ(firings("0 3 * * *", "UTC", "2026-12-04T10:00:00Z", 2),
            (std::vector<std::string>{"2026-12-05T03:00:00.000Z", "2026-12-06T03:00:00.000Z"}));
}

TEST(Cron, StepsListsRangesAndNames)
{
  EXPECT_EQ(firings("*/20 9-10 * * mon-fri", "UTC", "2026-12-04T10:30:00Z", 3), // a Friday
            (std::vector<std::string>{"2026-12-04T10:40:00.000Z", "2026-12-07T09:00:00.000Z",
                                      "2026-12-07T09:20:00.000Z"}));
  EXPECT_EQ(firings("0 0 1 jan,JUL *", "UTC", "2026-12-04T00:00:00Z", 2),
            (std::vector<std::string>{"2027-01-01T00:00:00.000Z", "2027-07-01T00:00:00.000Z"}));
  EXPECT_EQ(firings("@hourly", "UTC", "2026-12-04T10:30:00Z", 1),
            (std::vector<std::string>{"2026-12-04T11:00:00.000Z"}));
  EXPECT_EQ(firings("0 12 * * 7", "UTC", "2026-12-04T00:00:00Z", 1), // 7 is Sunday
            (std::vector<std::string>{"2026-12-06T12:00:00.000Z"}));
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothAreRestricted)
{
  // The 13th, or any Friday (Vixie cron).
  EXPECT_EQ(firings("0 0 13 * fri", "UTC", "2026-12-05T00:00:00Z", 3),
            (std::vector<std::string>{"2026-12-11T00:00:00.000Z", "2026-12-13T00:00:00.000Z",
                                      "2026-12-18T00:00:00.000Z"}));
}

TEST(Cron, LeapDayIsFoundAndAnImpossibleDayNeverFires)
{
  EXPECT_EQ(firings("0 0 29 2 *", "UTC", "2026-12-04T00:00:00Z", 1),
            (std::vector<std::string>{"2028-02-29T00:00:00.000Z"}));
  auto never = parse_cron("0 0 30 2 *");
  ASSERT_TRUE(never);
  EXPECT_FALSE(next_slot(*never, TimeZone(), at("2026-12-04T00:00:00Z")));
}

TEST(Cron, BadExpressionsNameTheField)
{
  struct Case { const char* cron; const char* says; };
  for (auto c : {Case{"0 3 * *", "has 4 field(s); give five"},
                 Case{"60 * * * *", "minute field \"60\": out of range"},
                 Case{"0 24 * * *", "hour field"},
                 Case{"* * 0 * *", "day of month field"},
                 Case{"* * * foo *", "month field \"foo\""},
                 Case{"*/0 * * * *", "a step must be"},
                 Case{"5-1 * * * *", "a range must go upwards"},
                 Case{"1,,2 * * * *", "an empty list item"},
                 Case{"@reboot", "unknown cron macro"},
                 Case{"", "has 0 field(s)"}}) {
    auto parsed = parse_cron(c.cron);
    ASSERT_FALSE(parsed) << c.cron;
    EXPECT_NE(parsed.error().message.find(c.says), std::string::npos)
      << c.cron << ": " << parsed.error().message;
  }
}

TEST(TimeZone, OffsetsFromTheSystemZoneFiles)
{
  auto berlin = TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().message;
  EXPECT_EQ(berlin->offset_at(at("2026-01-15T12:00:00Z")), 3600);
  EXPECT_EQ(berlin->offset_at(at("2026-07-15T12:00:00Z")), 7200);
  // Beyond the file's listed transitions (2037): the footer's POSIX rule.
  EXPECT_EQ(berlin->offset_at(at("2060-07-15T12:00:00Z")), 7200);
  EXPECT_EQ(berlin->offset_at(at("2060-12-15T12:00:00Z")), 3600);
  auto sydney = TimeZone::load("Australia/Sydney"); // southern hemisphere
  ASSERT_TRUE(sydney);
  EXPECT_EQ(sydney->offset_at(at("2060-01-15T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(sydney->offset_at(at("2060-07-15T00:00:00Z")), 10 * 3600);
}

TEST(TimeZone, UnknownAndHostileNamesAreRefused)
{
  for (const char* name : {"Mars/Olympus", "../../etc/passwd", "Europe/../../etc/passwd", "", "/etc/localtime"}) {
    auto zone = TimeZone::load(name);
    ASSERT_FALSE(zone) << name;
    EXPECT_EQ(zone.error().code, "tz.unknown") << name;
  }
}

TEST(Cron, DaylightSavingGapFiresAtTheJumpAndTheRepeatFiresOnce)
{
  // Berlin, 2026-03-29: 02:00 local jumps to 03:00 (01:00Z).
  EXPECT_EQ(firings("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
            (std::vector<std::string>{"2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"}));
  // 2026-10-25: 03:00 local goes back to 02:00; 02:30 happens twice and
  // fires once, the first time (00:30Z).
  EXPECT_EQ(firings("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
            (std::vector<std::string>{"2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"}));
  // Every 30 minutes through the repeated hour: each local time once.
  auto all = firings("0,30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00Z", 4);
  EXPECT_EQ(all, (std::vector<std::string>{"2026-10-25T00:00:00.000Z", "2026-10-25T00:30:00.000Z",
                                           "2026-10-25T02:00:00.000Z", "2026-10-25T02:30:00.000Z"}));
}

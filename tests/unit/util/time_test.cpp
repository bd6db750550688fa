#include "util/time.hpp"

#include <gtest/gtest.h>

using namespace hb;

TEST(Time, FormatsFixedWidthUtc)
{
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1767225600123), "2026-01-01T00:00:00.123Z");
}

TEST(Time, ParsesRfc3339Variants)
{
  EXPECT_EQ(*parse_rfc3339("2026-01-01T00:00:00Z"), 1767225600000);
  EXPECT_EQ(*parse_rfc3339("2026-01-01T00:00:00.5Z"), 1767225600500);
  EXPECT_EQ(*parse_rfc3339("2026-08-20T14:10:31.551203778+00:00"), 1787235031551);
  EXPECT_EQ(*parse_rfc3339("2026-01-01T02:00:00+02:00"), 1767225600000);
  EXPECT_EQ(*parse_rfc3339(format_rfc3339(1787235031551)), 1787235031551);
  EXPECT_FALSE(parse_rfc3339("2026-01-01"));
  EXPECT_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-01-01T00:00:00"));
}

TEST(Time, Durations)
{
  EXPECT_EQ(*parse_duration_ms("30s"), 30'000);
  EXPECT_EQ(*parse_duration_ms("15m"), 900'000);
  EXPECT_EQ(*parse_duration_ms("24h"), 86'400'000);
  EXPECT_EQ(*parse_duration_ms("7d"), 604'800'000);
  EXPECT_EQ(*parse_duration_ms("500ms"), 500);
  EXPECT_EQ(*parse_duration_ms("1.5h"), 5'400'000);
  auto bad = parse_duration_ms("7 days");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("24h"), std::string::npos);
  EXPECT_FALSE(parse_duration_ms("-1s"));
}

TEST(Time, TimePoints)
{
  EXPECT_EQ(*parse_time_point("1h", 10'000'000), 10'000'000 - 3'600'000);
  EXPECT_EQ(*parse_time_point("1970-01-01T00:00:01Z", 0), 1000);
  EXPECT_FALSE(parse_time_point("yesterday", 0));
}

TEST(Time, DurationsAreRangeChecked)
{
  EXPECT_FALSE(parse_duration_ms("inf"));
  EXPECT_FALSE(parse_duration_ms("infs"));
  EXPECT_FALSE(parse_duration_ms("nans"));
  auto too_long = parse_duration_ms("106751991000d");
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("at most 100 years"), std::string::npos);
  EXPECT_TRUE(parse_duration_ms("5200w"));
  auto echoed = parse_duration_ms(std::string(10000, '9') + "x");
  ASSERT_FALSE(echoed);
  EXPECT_LT(echoed.error().message.size(), 300u);
}

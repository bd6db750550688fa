// util/http_get: URL parsing, and a GET's status against a local socket.

#include "util/http_get.hpp"
#include "unit/rig/rig_test_support.hpp"

#include <gtest/gtest.h>

using namespace hb;

TEST(HttpGet, ParsesHttpUrls)
{
  auto u = http::parse_url("http://localhost:8080/wp-json/?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/wp-json/?x=1");
  auto bare = http::parse_url("http://example.test");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  auto query = http::parse_url("http://h?x");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->target, "/?x");
  auto v6 = http::parse_url("http://[::1]:9/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9);
}

TEST(HttpGet, RejectsWhatItCannotProbe)
{
  EXPECT_EQ(http::parse_url("https://x/").error().kind, http::GetFailure::unsupported_scheme);
  for (const char* bad : {"ftp://x/", "http://", "http://x:0/", "http://x:99999/", "http://x:8a/", "http://u@x/",
                          "http://[::1/"}) {
    auto u = http::parse_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().kind, http::GetFailure::bad_url) << bad;
  }
}

TEST(HttpGet, ReadsTheStatusOfALocalServer)
{
  rigtest::OneShotServer server("HTTP/1.0 418 I'm a teapot");
  auto status = http::get_status(server.url("/pot"), 5000);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 418);
}

TEST(HttpGet, AClosedPortIsRefused)
{
  auto status = http::get_status("http://127.0.0.1:" + std::to_string(rigtest::closed_port()) + "/", 5000);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, http::GetFailure::refused);
  EXPECT_EQ(status.error().message, "connection refused");
}

// The built-in PostgreSQL client's pieces that need no server: reading a
// connection URL as libpq does, choosing libpq for what it cannot serve,
// the password file, the MD5 and SCRAM-SHA-256 answers, bytea's text form.
// The client against a real server is in postgres_backend_test.

#include "store/postgres/auth.hpp"
#include "store/postgres/conninfo.hpp"
#include "store/postgres/session.hpp"
#include "support/scoped_env.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <vector>

using namespace hb::postgres;

using hb::test::ScopedEnv;

namespace {

ConnOptions
parsed(const std::string& url)
{
  std::string error;
  auto options = parse_uri(url, error);
  EXPECT_TRUE(options) << url << ": " << error;
  return options.value_or(ConnOptions{});
}

} // namespace

TEST(PgConnInfo, ReadsTheUriAsLibpqDoes)
{
  auto tcp = parsed("postgres://ci@db.example:5433/perf?sslmode=disable&options=-csearch_path%3Dteam_a");
  EXPECT_EQ(tcp["user"], "ci");
  EXPECT_EQ(tcp["host"], "db.example");
  EXPECT_EQ(tcp["port"], "5433");
  EXPECT_EQ(tcp["dbname"], "perf");
  EXPECT_EQ(tcp["sslmode"], "disable");
  EXPECT_EQ(tcp["options"], "-csearch_path=team_a");

  auto socket = parsed("postgresql://homeboy@/homeboy?host=/tmp/pg%20dir&port=6000");
  EXPECT_EQ(socket["host"], "/tmp/pg dir");
  EXPECT_EQ(socket["port"], "6000");
  EXPECT_FALSE(socket.count("password"));

  auto v6 = parsed("postgres://[::1]:7/d");
  EXPECT_EQ(v6["host"], "::1");
  EXPECT_EQ(v6["port"], "7");

  EXPECT_EQ(parsed("postgres://u:pw@h/d")["password"], "pw");
  EXPECT_EQ(parsed("postgres://h/d?ssl=true")["sslmode"], "require");

  std::string error;
  EXPECT_FALSE(parse_uri("host=/tmp dbname=x", error)) << "keyword=value strings are libpq's to read";
  EXPECT_FALSE(parse_uri("postgres://a,b/d", error)) << "several hosts are libpq's";
  EXPECT_FALSE(parse_uri("postgres://h/d?sslmode", error));
  EXPECT_FALSE(parse_uri("postgres://h/d%zz", error));
}

TEST(PgConnInfo, TheUrlWinsOverDefaultsWhichWinOverTheEnvironment)
{
  ScopedEnv port("PGPORT", "6543");
  ScopedEnv user("PGUSER", "env_user");
  ScopedEnv timeout("PGCONNECT_TIMEOUT", "30");
  ScopedEnv host("PGHOST", nullptr);
  auto options = complete(parsed("postgres:///mydb"), {{"connect_timeout", "5"}});
  EXPECT_EQ(options["port"], "6543");
  EXPECT_EQ(options["user"], "env_user");
  EXPECT_EQ(options["dbname"], "mydb");
  EXPECT_EQ(options["connect_timeout"], "5");
  EXPECT_EQ(options["host"], "/var/run/postgresql");
  EXPECT_EQ(options["sslmode"], "prefer");
  auto named = complete(parsed("postgres://u@h:1/"), {});
  EXPECT_EQ(named["port"], "1");
  EXPECT_EQ(named["dbname"], "u") << "the database defaults to the user";
}

TEST(PgConnInfo, WhatOnlyLibpqServesIsNamed)
{
  ScopedEnv service("PGSERVICE", nullptr);
  ScopedEnv krb("KRB5CCNAME", nullptr);
  EXPECT_FALSE(needs_libpq(complete(parsed("postgres://u@/d?host=/tmp"), {})));
  EXPECT_FALSE(needs_libpq(complete(parsed("postgres://u@127.0.0.1/d?gssencmode=disable"), {})));
  auto tls = needs_libpq(complete(parsed("postgres://u@h/d?sslmode=verify-full"), {}));
  ASSERT_TRUE(tls);
  EXPECT_NE(tls->find("sslmode=verify-full"), std::string::npos);
  EXPECT_FALSE(needs_libpq(complete(parsed("postgres://u@/d?host=/tmp&sslmode=require"), {})))
    << "libpq uses no TLS on a Unix socket either";
  auto keyword = needs_libpq(complete(parsed("postgres://u@h/d?target_session_attrs=read-write"), {}));
  ASSERT_TRUE(keyword);
  EXPECT_NE(keyword->find("target_session_attrs"), std::string::npos);
  {
    ScopedEnv set("PGSERVICE", "fleet");
    EXPECT_TRUE(needs_libpq(complete(parsed("postgres://u@/d?host=/tmp"), {})));
  }
  {
    ScopedEnv ticket("KRB5CCNAME", "FILE:/tmp/krb5cc_test");
    EXPECT_TRUE(needs_libpq(complete(parsed("postgres://u@db/d"), {}))) << "libpq would try GSSAPI";
    EXPECT_FALSE(needs_libpq(complete(parsed("postgres://u@/d?host=/tmp"), {}))) << "not on a socket";
  }
}

TEST(PgConnInfo, ThePasswordFileIsReadAsLibpqReadsIt)
{
  auto dir = hb::fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-pgpass");
  ASSERT_TRUE(dir);
  const auto file = dir->path() / "pgpass";
  {
    std::ofstream out(file);
    out << "# comment\n"
        << "otherhost:*:*:ci:wrong\n"
        << "localhost:5432:perf:ci:first\\:part\\\\x\n"
        << "*:*:*:*:fallback\n";
  }
  ::chmod(file.c_str(), 0600);
  ScopedEnv password("PGPASSWORD", nullptr);
  ScopedEnv passfile("PGPASSFILE", file.c_str());
  // The default socket directory counts as localhost.
  EXPECT_EQ(find_password(complete(parsed("postgres://ci@/perf"), {})), "first:part\\x");
  EXPECT_EQ(find_password(complete(parsed("postgres://ci@/perf?host=/tmp/elsewhere"), {})), "fallback");
  EXPECT_EQ(find_password(complete(parsed("postgres://ci@otherhost/perf"), {})), "wrong");
  {
    ScopedEnv env_password("PGPASSWORD", "from-env");
    EXPECT_EQ(find_password(complete(parsed("postgres://ci@/perf"), {})), "from-env");
  }
  ::chmod(file.c_str(), 0644);
  testing::internal::CaptureStderr();
  EXPECT_EQ(find_password(complete(parsed("postgres://ci@/perf"), {})), "");
  EXPECT_NE(testing::internal::GetCapturedStderr().find("group or world access"), std::string::npos);
}

TEST(PgAuth, Md5AnswerIsPostgresqls)
{
  const char salt[] = {1, 2, 3, 4};
  EXPECT_EQ(md5_password("hb_md5", "s3cret", std::string_view(salt, 4)), "md568a0a05a88a8ce8c0e3a93878180c36e");
}

TEST(PgAuth, ScramFollowsRfc7677)
{
  // RFC 7677, section 3: user "user", password "pencil".
  ScramClient client("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
  EXPECT_EQ(client.first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  std::string error;
  auto final = client.final(
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error);
  ASSERT_TRUE(final) << error;
  EXPECT_EQ(*final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_TRUE(client.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", error)) << error;
  EXPECT_FALSE(client.verify("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", error));
  EXPECT_NE(error.find("does not know the password"), std::string::npos);
  EXPECT_FALSE(client.verify("e=invalid-proof", error));
  EXPECT_NE(error.find("invalid-proof"), std::string::npos);
}

TEST(PgAuth, ScramRefusesANonceTheServerDidNotExtend)
{
  ScramClient client("pencil", "abc");
  std::string error;
  EXPECT_FALSE(client.final("r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
  EXPECT_NE(error.find("nonce"), std::string::npos);
  EXPECT_FALSE(client.final("r=abc123,s=***,i=4096", error));
  EXPECT_FALSE(client.final("garbage", error));
}

TEST(PgAuth, Base64RoundTrips)
{
  for (const std::string& text : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    auto back = base64_decode(base64_encode(text));
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, text);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9v!mFy"));
}

TEST(PgWire, ByteaTextFormsDecode)
{
  EXPECT_EQ(unescape_bytea("\\x00ff41"), std::string("\0\xff" "A", 3));
  EXPECT_EQ(unescape_bytea("\\x"), "");
  EXPECT_EQ(unescape_bytea("a\\\\b\\001"), std::string("a\\b\x01", 4));
}

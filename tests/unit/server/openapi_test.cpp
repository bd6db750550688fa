// The OpenAPI document describes exactly the routes the daemon implements,
// and the listen address and token checks refuse what they must.

#include "server/api.hpp"
#include "server/daemon.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using hb::server::api_routes;
using hb::server::openapi_document;
using hb::server::parse_listen;

std::string
lower(std::string s)
{
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApi, DescribesEveryImplementedRouteAndNoOther)
{
  std::set<std::string> implemented;
  for (const auto& route : api_routes()) implemented.insert(lower(route.method) + " " + route.path);
  std::set<std::string> documented;
  for (const auto& [path, item] : openapi_document()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      documented.insert(method + " " + path);
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
      EXPECT_TRUE(op.contains("summary")) << method << " " << path;
    }
  }
  EXPECT_EQ(implemented, documented);
}

TEST(OpenApi, EveryPathParameterIsDeclared)
{
  const auto& doc = openapi_document();
  for (const auto& route : api_routes()) {
    std::size_t braces = std::count(route.path.begin(), route.path.end(), '{');
    const auto& op = doc["paths"][route.path][lower(route.method)];
    std::size_t path_params = 0;
    for (const auto& p : op.value("parameters", hb::Json::array())) {
      std::string ref = p.value("$ref", "");
      if (ref.rfind("#/components/parameters/", 0) == 0) ++path_params;
      if (p.value("in", "") == "path") ++path_params;
    }
    EXPECT_EQ(path_params, braces) << route.method << " " << route.path;
  }
}

TEST(ErrorStatus, CodesMapToHttpStatuses)
{
  EXPECT_EQ(hb::server::status_for("validation.invalid_json"), 400);
  EXPECT_EQ(hb::server::status_for("run.not_found"), 404);
  EXPECT_EQ(hb::server::status_for("artifact.not_found"), 404);
  EXPECT_EQ(hb::server::status_for("auth.missing_token"), 401);
  EXPECT_EQ(hb::server::status_for("auth.foreign_origin"), 403);
  EXPECT_EQ(hb::server::status_for("store.conflict"), 409);
  EXPECT_EQ(hb::server::status_for("store.io"), 500);
  auto r = hb::server::error_response(hb::Error{"run.not_found", "no run `x`"});
  EXPECT_EQ(r.status, 404);
  auto body = hb::Json::parse(r.body);
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["error"]["code"], "run.not_found");
  EXPECT_EQ(body["error"]["message"], "no run `x`");
}

TEST(ParseListen, AcceptsAddressesAndSaysWhatIsWrong)
{
  auto v4 = parse_listen("127.0.0.1:7474");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7474);
  EXPECT_TRUE(v4->loopback);
  auto any = parse_listen("0.0.0.0:0");
  ASSERT_TRUE(any);
  EXPECT_FALSE(any->loopback);
  auto v6 = parse_listen("[::1]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->loopback);
  auto local = parse_listen("localhost:1");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->host, "127.0.0.1");
  for (const char* bad : {"", "7474", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "example.com:80", "::1:80", "[::1]80", "127.0.0.1:8x"}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "validation.invalid_listen") << bad;
    EXPECT_NE(r.error().message.find("ADDRESS:PORT"), std::string::npos) << r.error().message;
  }
}

TEST(TokenFile, MustBePrivateAndLongEnough)
{
  std::string path = ::testing::TempDir() + "/hb-token-" + std::to_string(::getpid());
  std::ofstream(path) << "  0123456789abcdef0123\n";
  ::chmod(path.c_str(), 0600);
  auto ok = hb::server::read_token_file(path);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, "0123456789abcdef0123");
  ::chmod(path.c_str(), 0640);
  auto loose = hb::server::read_token_file(path);
  ASSERT_FALSE(loose);
  EXPECT_EQ(loose.error().code, "validation.insecure_token_file");
  std::ofstream(path) << "short";
  ::chmod(path.c_str(), 0600);
  EXPECT_FALSE(hb::server::read_token_file(path));
  ::unlink(path.c_str());
  EXPECT_FALSE(hb::server::read_token_file(path));
}

} // namespace

// What the daemon gives the Studio (docs/studio.md): the embedded pages with
// their Content-Security-Policy and no token, an ETag, a 404 page; and the
// API the pages read beyond the CLI's payloads: the runs list's `summary`,
// several kinds at once, and a metric's history.

#include "integration/daemon_fixture.hpp"

namespace hbit {
namespace {

std::string
header(const Http& h, const std::string& name)
{
  std::string lower = h.headers;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string key = name;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  auto start = at + key.size() + 2;
  auto end = h.headers.find('\r', start);
  std::string v = h.headers.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

TEST_F(Daemon, ServesTheStudioWithItsSecurityHeadersAndWithoutAToken)
{
  // A token file: every API request needs the token, the Studio's files do not.
  fs::path token = root_ / "token";
  write_file(token, "0123456789abcdef0123456789abcdef\n");
  fs::permissions(token, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_FALSE(start_daemon({"--token-file", token.string()}).empty());
  EXPECT_EQ(http("GET", "/api/v1/runs").status, 401);

  for (const char* page : {"/", "/runs", "/runs/abcd1234", "/runs/new", "/compare?runs=a,b", "/schedules", "/help"}) {
    auto h = http("GET", page);
    EXPECT_EQ(h.status, 200) << page << "\n" << h.describe();
    EXPECT_NE(h.body.find("/assets/app.js"), std::string::npos) << page;
    EXPECT_NE(header(h, "Content-Type").find("text/html"), std::string::npos) << h.headers;
    std::string csp = header(h, "Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(header(h, "X-Content-Type-Options"), "nosniff");
  }
  auto js = http("GET", "/assets/app.js");
  ASSERT_EQ(js.status, 200) << js.headers;
  EXPECT_NE(header(js, "Content-Type").find("text/javascript"), std::string::npos);
  EXPECT_GT(js.body.size(), 1000u);
  // Unchanged: the browser's revalidation costs no body.
  auto again = http("GET", "/assets/app.js", "", {"If-None-Match: " + header(js, "ETag")});
  EXPECT_EQ(again.status, 304) << again.describe();
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(http("GET", "/assets/app.css").status, 200);
  // Unknown files and pages: 404, never a file from elsewhere.
  EXPECT_EQ(http("GET", "/assets/../daemon.token").status, 404);
  EXPECT_EQ(http("GET", "/assets/secret.txt").status, 404);
  auto missing = http("GET", "/no-such-page");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/assets/app.js"), std::string::npos); // the page says "not found"
  // The API's own 404 stays JSON.
  auto api = http("GET", "/api/v1/nothing", "", {"Authorization: Bearer 0123456789abcdef0123456789abcdef"});
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.json()["error"]["code"], "api.no_route") << api.describe();
}

TEST_F(Daemon, StartAndStatusPrintTheStudioAddressWithTheToken)
{
  auto started = run({"daemon", "start", "--listen", "127.0.0.1:0"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  std::string token = read_file(config_ / "daemon.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  EXPECT_NE(started.out.find("/runs#token=" + token), std::string::npos) << started.out;
  auto status = run({"daemon", "status"});
  EXPECT_NE(status.out.find("studio     http://"), std::string::npos) << status.out;
  auto json = run({"daemon", "status", "--json"});
  EXPECT_NE(json.payload()["studio_url"].get<std::string>().find("/runs"), std::string::npos);
  run({"daemon", "stop"});
}

TEST_F(Daemon, RunsListRowsCarryATableSummaryAndKindsCombine)
{
  make_component("basic", "two_scenarios.sh");
  ASSERT_EQ(run({"bench", "basic", "--iterations", "3", "--baseline"}).exit_code, 0);
  ASSERT_EQ(run({"bench", "basic", "--iterations", "3"}).exit_code, 0);
  ASSERT_FALSE(start_daemon().empty());
  std::string task = submit({"sh", "-c", "echo hi"});
  wait_status(task, {"succeeded", "failed"});

  auto list = http("GET", "/api/v1/runs?kind=bench,task&limit=10");
  ASSERT_EQ(list.status, 200) << list.describe();
  Json runs = list.json()["runs"];
  ASSERT_EQ(runs.size(), 3u) << list.describe();
  EXPECT_EQ(runs[0]["kind"], "task");
  EXPECT_FALSE(runs[0]["summary"]["host"].is_null());
  EXPECT_TRUE(runs[0]["summary"]["verdicts"].is_null());
  EXPECT_TRUE(runs[0]["summary"]["duration_ms"].is_number());
  // The compared bench: every scenario has a verdict, counted.
  Json compared = runs[1]["summary"];
  ASSERT_TRUE(compared["verdicts"].is_object()) << runs[1].dump(2);
  int counted = 0;
  for (const auto& [verdict, n] : compared["verdicts"].items()) counted += n.get<int>();
  EXPECT_EQ(counted, compared["scenarios"].get<int>()) << compared.dump(2);
  EXPECT_GE(counted, 2);
  // The run's detail keeps each metric's verdict as it was decided.
  auto detail = http("GET", "/api/v1/runs/" + runs[1]["id"].get<std::string>());
  Json per_metric = detail.json()["run"]["metadata"]["metric_verdicts"];
  ASSERT_TRUE(per_metric.is_object()) << detail.describe();
  EXPECT_EQ(per_metric.size(), compared["scenarios"].get<std::size_t>()) << per_metric.dump(2);
  for (const auto& [scenario, metrics] : per_metric.items()) {
    for (const auto& [metric, m] : metrics.items()) {
      EXPECT_TRUE(m["verdict"].is_string()) << scenario << "/" << metric;
      EXPECT_TRUE(m["baseline"].is_number()) << scenario << "/" << metric;
    }
  }
  // One kind, as before; the CLI's runs list payload has no summary.
  EXPECT_EQ(http("GET", "/api/v1/runs?kind=bench").json()["runs"].size(), 2u);
  auto cli = run({"runs", "list", "--json"});
  EXPECT_FALSE(cli.payload()["runs"][0].contains("summary")) << cli.describe();
}

TEST_F(Daemon, TheHistoryOfAMetricIsServed)
{
  make_component("basic", "two_scenarios.sh");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run({"bench", "basic", "--iterations", "3"}).exit_code, 0);
  ASSERT_FALSE(start_daemon().empty());
  auto all = http("GET", "/api/v1/history?component=basic");
  ASSERT_EQ(all.status, 200) << all.describe();
  EXPECT_EQ(all.json()["runs"].size(), 3u) << all.describe();
  auto cli = run({"bench", "history", "basic", "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.describe();
  // The same history as the CLI's (which also echoes its flags).
  Json api_payload = all.json(), cli_payload = cli.payload();
  api_payload.erase("filters");
  cli_payload.erase("filters");
  EXPECT_EQ(api_payload, cli_payload);
  EXPECT_EQ(http("GET", "/api/v1/history").status, 400);
  auto unknown = http("GET", "/api/v1/history?component=nope");
  EXPECT_EQ(unknown.status, 400) << unknown.describe();
  EXPECT_EQ(http("GET", "/api/v1/history?component=basic&limit=0").status, 400);
}

} // namespace
} // namespace hbit

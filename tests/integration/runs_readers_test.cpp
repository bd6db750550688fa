// homeboy runs readers over runs recorded by real benches: list (filters,
// order, paging), show, latest-run, artifacts, artifact get, findings,
// finding, latest-finding, and their errors.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <set>
#include <thread>

using namespace hbit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class RunsReaders : public HomeboyTest
{
protected:
  /// Runs a bench and returns its run id (whatever its verdict).
  std::string bench(const std::string& component, int expected_exit = 0)
  {
    auto r = bench_json({component, "--iterations", "2"});
    EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
    Json p = r.payload();
    std::string id = p.is_object() && p["persisted_run"].is_object()
                       ? p["persisted_run"].value("run_id", "")
                       : "";
    EXPECT_FALSE(id.empty()) << r.describe();
    // Distinct start times, so newest-first order is unambiguous.
    std::this_thread::sleep_for(5ms);
    return id;
  }

  /// Four runs, oldest first: a (ok), a (ok), b (ok), crashy (failed, exit 3).
  std::vector<std::string> populate()
  {
    make_component("a", "two_scenarios.sh");
    make_component("b", "two_scenarios.sh");
    make_component("crashy", "crash.sh");
    return {bench("a"), bench("a"), bench("b"), bench("crashy", 3)};
  }

  static std::vector<std::string> reversed(std::vector<std::string> v)
  {
    std::reverse(v.begin(), v.end());
    return v;
  }

  Json bench_results_artifact(const std::string& run_id)
  {
    auto r = run({"runs", "artifacts", run_id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    Json p = r.payload();
    for (const auto& a : p["artifacts"]) {
      if (a.value("kind", "") == "bench_results") return a;
    }
    ADD_FAILURE() << "no bench_results artifact\n" << r.describe();
    return nullptr;
  }
};

TEST_F(RunsReaders, ListIsNewestFirstWithTheDocumentedFields)
{
  auto ids = populate();
  auto r = run({"runs", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  EXPECT_EQ(env["success"], true);
  const Json& p = env["data"]["payload"];
  EXPECT_EQ(p["command"], "runs.list");
  std::vector<Json> runs(p["runs"].begin(), p["runs"].end());
  EXPECT_EQ(ids_of(runs), reversed(ids));
  for (const char* key : {"id", "kind", "status", "started_at", "finished_at", "component_id",
                          "rig_id", "git_sha", "command", "cwd"}) {
    EXPECT_TRUE(runs[0].contains(key)) << key << " missing from " << runs[0].dump();
  }
  EXPECT_EQ(runs[0]["kind"], "bench");
  EXPECT_EQ(runs[0]["component_id"], "crashy");
  EXPECT_THAT(runs[0]["command"].get<std::string>(), HasSubstr("bench crashy"));
  // One timestamp format: RFC 3339 UTC with Z.
  for (const auto& rec : runs) {
    for (const char* key : {"started_at", "finished_at"}) {
      std::string t = rec[key].get<std::string>();
      EXPECT_EQ(t.size() >= 20 ? t[10] : '?', 'T') << t;
      EXPECT_EQ(t.back(), 'Z') << t;
    }
  }

  auto human = run({"runs", "list"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  for (const auto& id : ids) EXPECT_THAT(human.out, HasSubstr(id.substr(0, 8)));
  EXPECT_THAT(human.out, HasSubstr("failed"));
  EXPECT_THAT(human.out, HasSubstr("succeeded"));
}

TEST_F(RunsReaders, ListFilters)
{
  auto ids = populate();
  EXPECT_EQ(ids_of(list_runs({"--kind", "bench"})), reversed(ids));
  EXPECT_TRUE(list_runs({"--kind", "trace"}).empty());
  EXPECT_EQ(ids_of(list_runs({"--component", "a"})), (std::vector<std::string>{ids[1], ids[0]}));
  EXPECT_EQ(ids_of(list_runs({"--component", "b"})), std::vector<std::string>{ids[2]});
  EXPECT_TRUE(list_runs({"--component", "nobody"}).empty());
  EXPECT_EQ(ids_of(list_runs({"--status", "failed"})), std::vector<std::string>{ids[3]});
  EXPECT_EQ(ids_of(list_runs({"--status", "succeeded"})),
            (std::vector<std::string>{ids[2], ids[1], ids[0]}));
  // The original's status words work too.
  EXPECT_EQ(ids_of(list_runs({"--status", "fail"})), std::vector<std::string>{ids[3]});
  EXPECT_EQ(ids_of(list_runs({"--status", "pass"})).size(), 3u);
  EXPECT_EQ(ids_of(list_runs({"--component", "a", "--status", "failed"})).size(), 0u);
  EXPECT_EQ(ids_of(list_runs({"--scenario", "cold_start"})),
            (std::vector<std::string>{ids[2], ids[1], ids[0]}));

  auto bad = run({"runs", "list", "--status", "sideways"});
  EXPECT_NE(bad.exit_code, 0) << bad.describe();
  EXPECT_THAT(bad.err, HasSubstr("sideways"));
  EXPECT_THAT(bad.err, HasSubstr("succeeded"));
}

TEST_F(RunsReaders, ListLimitAndCursorPaging)
{
  auto ids = populate();
  auto first = run({"runs", "list", "--json", "--limit", "2"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  Json p1 = first.payload();
  std::vector<Json> page1(p1["runs"].begin(), p1["runs"].end());
  EXPECT_EQ(ids_of(page1), (std::vector<std::string>{ids[3], ids[2]}));
  ASSERT_TRUE(p1["next_cursor"].is_string()) << first.describe();

  // Follow the cursors to the end: every run once, in order.
  std::vector<std::string> seen = ids_of(page1);
  Json cursor = p1["next_cursor"];
  int pages = 1;
  while (cursor.is_string() && pages < 10) {
    auto next = run({"runs", "list", "--json", "--limit", "2", "--after", cursor.get<std::string>()});
    ASSERT_EQ(next.exit_code, 0) << next.describe();
    Json p = next.payload();
    for (const auto& rec : p["runs"]) seen.push_back(rec["id"]);
    cursor = p["next_cursor"];
    ++pages;
  }
  EXPECT_EQ(seen, reversed(ids));
  EXPECT_TRUE(cursor.is_null()) << "the last page has no next_cursor";

  // Filters hold across pages.
  auto fa = run({"runs", "list", "--json", "--limit", "1", "--component", "a"});
  ASSERT_EQ(fa.exit_code, 0);
  Json pa = fa.payload();
  ASSERT_TRUE(pa["next_cursor"].is_string());
  auto fb = run({"runs", "list", "--json", "--limit", "1", "--component", "a", "--after",
                 pa["next_cursor"].get<std::string>()});
  ASSERT_EQ(fb.exit_code, 0) << fb.describe();
  Json pb = fb.payload();
  std::vector<Json> second(pb["runs"].begin(), pb["runs"].end());
  EXPECT_EQ(ids_of(second), std::vector<std::string>{ids[0]});

  auto human = run({"runs", "list", "--limit", "1"});
  EXPECT_THAT(human.out, HasSubstr("--after"));

  auto bad = run({"runs", "list", "--after", "not-a-cursor"});
  EXPECT_NE(bad.exit_code, 0) << bad.describe();
  EXPECT_THAT(bad.err, HasSubstr("cursor"));
}

TEST_F(RunsReaders, ShowByIdAndByPrefix)
{
  auto ids = populate();
  auto r = run({"runs", "show", ids[0], "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  EXPECT_EQ(env["success"], true);
  const Json& p = env["data"]["payload"];
  EXPECT_EQ(p["command"], "runs.show");
  const Json& run0 = p["run"];
  EXPECT_EQ(run0["id"], ids[0]);
  EXPECT_EQ(run0["run_status"], "succeeded");
  EXPECT_EQ(run0["component_id"], "a");
  EXPECT_TRUE(run0["metadata"].is_object());
  EXPECT_EQ(run0["metadata"]["iterations"], 2);
  EXPECT_TRUE(run0["artifacts"].is_array() && !run0["artifacts"].empty());

  Json by_prefix = show_run(ids[0].substr(0, 8));
  EXPECT_EQ(by_prefix["id"], ids[0]);

  auto human = run({"runs", "show", ids[3].substr(0, 8)});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr(ids[3]));
  EXPECT_THAT(human.out, HasSubstr("failed"));
  EXPECT_THAT(human.out, HasSubstr("exit 3"));
  EXPECT_THAT(human.out, HasSubstr("homeboy runs artifact get " + ids[3]));
}

TEST_F(RunsReaders, UnknownRunIdSuggestsRunsList)
{
  populate();
  for (const std::string sub : {"show", "artifacts", "findings"}) {
    auto r = run({"runs", sub, "00000000-dead-beef-0000-000000000000"});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_THAT(r.err, HasSubstr("00000000-dead-beef")) << r.describe();
    EXPECT_THAT(r.err, HasSubstr("homeboy runs list")) << r.describe();
  }
  auto j = run({"runs", "show", "deadbeef", "--json"});
  EXPECT_NE(j.exit_code, 0);
  Json env = j.json();
  EXPECT_EQ(env["success"], false) << j.describe();
  EXPECT_EQ(env["error"]["code"], "run.not_found");
  EXPECT_THAT(env["error"]["message"].get<std::string>(), HasSubstr("homeboy runs list"));
}

TEST_F(RunsReaders, LatestRun)
{
  auto ids = populate();
  auto r = run({"runs", "latest-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.latest-run");
  EXPECT_EQ(p["run"]["id"], ids[3]);

  auto by_component = run({"runs", "latest-run", "--component", "a", "--json"});
  ASSERT_EQ(by_component.exit_code, 0) << by_component.describe();
  EXPECT_EQ(by_component.payload()["run"]["id"], ids[1]);

  auto by_status = run({"runs", "latest-run", "--status", "succeeded", "--json"});
  ASSERT_EQ(by_status.exit_code, 0);
  EXPECT_EQ(by_status.payload()["run"]["id"], ids[2]);

  auto none = run({"runs", "latest-run", "--component", "nobody"});
  EXPECT_NE(none.exit_code, 0) << none.describe();
  EXPECT_THAT(none.err, HasSubstr("no run matches"));
}

TEST_F(RunsReaders, ArtifactsListTheResultsWithDigestAndSize)
{
  auto ids = populate();
  auto r = run({"runs", "artifacts", ids[0], "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.artifacts");
  EXPECT_EQ(p["run_id"], ids[0]);
  Json a = bench_results_artifact(ids[0]);
  ASSERT_TRUE(a.is_object());
  std::string path = a["path"].get<std::string>();
  ASSERT_TRUE(fs::is_regular_file(path)) << path;
  EXPECT_EQ(a["size_bytes"], fs::file_size(path));
  std::string sha = a["sha256"].get<std::string>();
  ASSERT_EQ(sha.size(), 64u) << sha;
  auto sum = exec({"sha256sum", path});
  ASSERT_EQ(sum.exit_code, 0) << sum.describe();
  EXPECT_EQ(sum.out.substr(0, 64), sha);
  Json results = Json::parse(read_file(path), nullptr, false);
  EXPECT_EQ(results["component_id"], "a");

  auto human = run({"runs", "artifacts", ids[0].substr(0, 8)});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr(a["id"].get<std::string>()));
  EXPECT_THAT(human.out, HasSubstr("bench_results"));
}

TEST_F(RunsReaders, ArtifactGetCopiesOrPrintsTheResults)
{
  auto ids = populate();
  Json a = bench_results_artifact(ids[1]);
  ASSERT_TRUE(a.is_object());
  std::string original = read_file(a["path"].get<std::string>());
  ASSERT_FALSE(original.empty());

  fs::path dest = root_ / "copy.json";
  auto r = run({"runs", "artifact", "get", ids[1], a["id"].get<std::string>(), "--output", dest.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_file(dest), original);

  auto printed = run({"runs", "artifact", "get", ids[1].substr(0, 8), a["id"].get<std::string>()});
  ASSERT_EQ(printed.exit_code, 0) << printed.describe();
  EXPECT_EQ(printed.out, original);

  auto unknown = run({"runs", "artifact", "get", ids[1], "no-such-artifact"});
  EXPECT_NE(unknown.exit_code, 0) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("no-such-artifact"));
  EXPECT_THAT(unknown.err, HasSubstr("homeboy runs artifacts"));

  // An artifact of another run is not this run's.
  Json other = bench_results_artifact(ids[0]);
  auto wrong_run = run({"runs", "artifact", "get", ids[1], other["id"].get<std::string>()});
  EXPECT_NE(wrong_run.exit_code, 0) << wrong_run.describe();
}

TEST_F(RunsReaders, FindingsReaders)
{
  populate();
  make_component("budget", "budget_findings.sh");
  std::string old_run = bench("budget", 1);
  make_component("gated", "gate_failure.sh");
  std::string gate_run = bench("gated", 1);

  auto r = run({"runs", "findings", gate_run, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.findings");
  EXPECT_EQ(p["run_id"], gate_run);
  ASSERT_EQ(p["findings"].size(), 1u) << r.describe();
  Json f = p["findings"][0];
  EXPECT_EQ(f["run_id"], gate_run);
  EXPECT_EQ(f["rule"], "bench.gate.error_count");
  EXPECT_EQ(f["tool"], "budget");
  std::string fid = f["id"];

  auto one = run({"runs", "finding", fid, "--json"});
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  EXPECT_EQ(one.payload()["command"], "runs.finding");
  EXPECT_EQ(one.payload()["finding"]["id"], fid);
  EXPECT_EQ(one.payload()["finding"]["message"], f["message"]);
  auto one_human = run({"runs", "finding", fid});
  EXPECT_THAT(one_human.out, HasSubstr("bench.gate.error_count"));

  auto latest = run({"runs", "latest-finding", "--json"});
  ASSERT_EQ(latest.exit_code, 0) << latest.describe();
  EXPECT_EQ(latest.payload()["command"], "runs.latest-finding");
  EXPECT_EQ(latest.payload()["finding"]["run_id"], gate_run);

  auto latest_lint = run({"runs", "latest-finding", "--tool", "lint", "--json"});
  ASSERT_EQ(latest_lint.exit_code, 0) << latest_lint.describe();
  EXPECT_EQ(latest_lint.payload()["finding"]["run_id"], old_run);
  EXPECT_EQ(latest_lint.payload()["finding"]["rule"], "bench.note");

  auto by_component = run({"runs", "latest-finding", "--component", "budget", "--json"});
  ASSERT_EQ(by_component.exit_code, 0);
  EXPECT_EQ(by_component.payload()["finding"]["run_id"], old_run);

  auto tool_filter = run({"runs", "findings", old_run, "--tool", "lint", "--json"});
  ASSERT_EQ(tool_filter.exit_code, 0);
  EXPECT_EQ(tool_filter.payload()["findings"].size(), 1u);
  auto file_filter = run({"runs", "findings", old_run, "--file", "bench/memory.sh", "--json"});
  ASSERT_EQ(file_filter.exit_code, 0);
  ASSERT_EQ(file_filter.payload()["findings"].size(), 1u);
  EXPECT_EQ(file_filter.payload()["findings"][0]["rule"], "bench.max_rss");

  // A clean run has none.
  auto clean = run({"runs", "findings", list_runs({"--component", "b"})[0]["id"]});
  ASSERT_EQ(clean.exit_code, 0);
  EXPECT_THAT(clean.out, HasSubstr("No findings"));

  auto missing = run({"runs", "finding", "no-such-finding"});
  EXPECT_NE(missing.exit_code, 0) << missing.describe();
  EXPECT_THAT(missing.err, HasSubstr("no-such-finding"));

  auto none = run({"runs", "latest-finding", "--component", "a"});
  EXPECT_NE(none.exit_code, 0) << none.describe();
}

TEST_F(RunsReaders, ArtifactGetWhenTheFileIsGone)
{
  auto ids = populate();
  Json a = bench_results_artifact(ids[0]);
  ASSERT_TRUE(a.is_object());
  fs::remove(a["path"].get<std::string>());
  auto r = run({"runs", "artifact", "get", ids[0], a["id"].get<std::string>(), "--output",
                (root_ / "out.json").string()});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(a["path"].get<std::string>()));
  EXPECT_THAT(r.err, HasSubstr("no longer exists"));
  EXPECT_FALSE(fs::exists(root_ / "out.json"));
}

TEST_F(RunsReaders, EmptyStoreReadsCleanly)
{
  auto r = run({"runs", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("No runs"));
  auto j = run({"runs", "list", "--json"});
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_TRUE(j.payload()["runs"].empty());
  EXPECT_TRUE(j.payload()["next_cursor"].is_null());
}

} // namespace

namespace {

class RunsShowField : public RunsReaders
{
};

TEST_F(RunsShowField, SelectsWithJsonPath)
{
  auto ids = populate();
  // One match: the value itself, a string printed as plain text.
  auto status = run({"runs", "show", ids[0], "--field", "$.status"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  EXPECT_EQ(status.out, "pass\n");

  // Several matches: an array; no match: null (compat.md).
  auto json = run({"runs", "show", ids[0], "-q", "$.artifacts[*].kind", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  Json p = json.payload();
  EXPECT_EQ(p["field"], "$.artifacts[*].kind");
  ASSERT_TRUE(p["value"].is_array()) << p.dump(2);
  EXPECT_EQ(p["value"][0], "bench_results");
  auto missing = run({"runs", "show", ids[0], "-q", "$.no_such_key", "--json"});
  EXPECT_TRUE(missing.payload()["value"].is_null());

  // Filters reach into the scenario metrics.
  auto metric = run({"runs", "show", ids[0], "-q",
                     "$.scenario_metrics[?@.scenario_id=='cold_start'].metrics.p95_ms"});
  ASSERT_EQ(metric.exit_code, 0) << metric.describe();
  EXPECT_EQ(metric.out, "10.0\n");

  // Several queries: one line each.
  auto both = run({"runs", "show", ids[0], "-q", "$.status", "-q", "$.kind"});
  EXPECT_EQ(both.out, "$.status\t\"pass\"\n$.kind\t\"bench\"\n");
}

TEST_F(RunsShowField, InvalidQueryIsAUsageErrorNamingTheColumn)
{
  auto ids = populate();
  auto r = run({"runs", "show", ids[0], "--field", "$.scenarios[?"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("invalid JSONPath at column"));
}

} // namespace

// homeboy runs refs, runs evidence, runs resume-plan and the human summary of
// runs show, through the real binary.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {

class RunsRefs : public RunsSeedTest
{
};

TEST_F(RunsRefs, RefsOfBenchRunsWithFollowUpCommands)
{
  std::string older = bench_run("a");
  std::string newer = bench_run("a");
  auto r = run({"runs", "refs", "--json", "--component", "a"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json env = r.json();
  EXPECT_EQ(env["data"]["variant"], "refs");
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.refs");
  EXPECT_EQ(p["filters"], (Json{{"component_id", "a"}, {"limit", 50}}));
  EXPECT_EQ(p["run_count"], 2);
  ASSERT_EQ(p["runs"].size(), 2u);
  const Json& first = p["runs"][0];
  EXPECT_EQ(first["run_id"], newer);
  EXPECT_EQ(first["ref_id"], "homeboy://run/" + newer);
  EXPECT_EQ(first["evidence_command"], "homeboy runs evidence " + newer);
  EXPECT_EQ(first["artifacts_command"], "homeboy runs artifacts " + newer);
  for (const char* key : {"kind", "status", "started_at", "finished_at", "component_id", "rig_id", "git_sha"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  EXPECT_THAT(first["started_at"].get<std::string>(), testing::EndsWith("Z"));
  ASSERT_FALSE(p["artifacts"].empty());
  EXPECT_EQ(p["artifact_count"], p["artifacts"].size());
  for (const auto& a : p["artifacts"]) {
    std::string run_id = a["run_id"];
    std::string id = a["artifact_id"];
    EXPECT_EQ(a["ref_id"], "homeboy://run/" + run_id + "/artifact/" + id);
    EXPECT_EQ(a["get_command"], "homeboy runs artifact get " + run_id + " " + id);
    for (const char* key : {"kind", "type", "path", "url", "mime", "size_bytes", "sha256"}) {
      EXPECT_TRUE(a.contains(key)) << key;
    }
  }
  // Artifacts come grouped by run, newest run first.
  EXPECT_EQ(p["artifacts"][0]["run_id"], newer);
  EXPECT_EQ(p["artifacts"].back()["run_id"], older);

  auto limited = run({"runs", "refs", "--json", "--limit", "1"});
  ASSERT_EQ(limited.exit_code, 0) << limited.describe();
  EXPECT_EQ(limited.payload()["run_count"], 1);
  EXPECT_TRUE(limited.payload()["next_cursor"].is_string());

  auto human = run({"runs", "refs"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("homeboy://run/" + newer));
  EXPECT_THAT(human.out, HasSubstr("homeboy runs evidence " + newer));
}

TEST_F(RunsRefs, ArtifactKindFilterAndAggregateDetection)
{
  init_store();
  SeedRun run1;
  run1.id = "run-contract-1";
  run1.component = "homeboy";
  run1.rig = "contract-rig";
  run1.git_sha = std::string(40, 'a');
  seed_run(run1);
  seed_artifact(run1.id, {"artifact-aggregate", "trace_aggregate", "file", "/x/artifacts/aggregate.json", "", "application/json"});
  seed_artifact(run1.id, {"artifact-summary", "trace_summary", "file", "/x/artifacts/summary.json", "", "application/json"});
  seed_artifact(run1.id, {"artifact-log", "log", "file", "/x/artifacts/output.log", "", "text/plain"});
  SeedRun old = run1;
  old.id = "run-old-1";
  old.created_at = now_ms() - 3 * k_day;
  seed_run(old);
  seed_artifact(old.id, {"old-aggregate", "trace_aggregate", "file", "/x/old.json"});

  auto r = run({"runs", "refs", "--json", "--kind", "bench", "--component", "homeboy", "--rig",
                "contract-rig", "--status", "pass", "--since", "24h"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["filters"], (Json{{"component_id", "homeboy"}, {"kind", "bench"}, {"rig", "contract-rig"},
                                {"status", "pass"}, {"since", "24h"}, {"limit", 50}}));
  EXPECT_EQ(p["run_count"], 1);
  EXPECT_EQ(p["artifact_count"], 3);
  ASSERT_EQ(p["aggregate_artifact_count"], 1);
  const Json& agg = p["aggregate_artifacts"][0];
  EXPECT_EQ(agg["artifact_id"], "artifact-aggregate");
  EXPECT_EQ(agg["ref_id"], "homeboy://run/run-contract-1/artifact/artifact-aggregate");
  EXPECT_EQ(agg["get_command"], "homeboy runs artifact get run-contract-1 artifact-aggregate");
  EXPECT_EQ(agg["kind"], "trace_aggregate");
  EXPECT_EQ(agg["mime"], "application/json");

  auto kinds = run({"runs", "refs", "--json", "--artifact-kind", "trace_summary",
                    "--aggregate-artifact-kind", "trace_summary"});
  ASSERT_EQ(kinds.exit_code, 0) << kinds.describe();
  Json k = kinds.payload();
  EXPECT_EQ(k["run_count"], 2) << "the kind filter narrows artifacts, not runs";
  ASSERT_EQ(k["artifact_count"], 1);
  EXPECT_EQ(k["artifacts"][0]["artifact_id"], "artifact-summary");
  EXPECT_EQ(k["aggregate_artifact_count"], 1) << "--aggregate-artifact-kind marks summary";

  auto all = run({"runs", "refs", "--json"});
  EXPECT_EQ(all.payload()["aggregate_artifact_count"], 2);

  auto bad = run({"runs", "refs", "--since", "7x"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_THAT(bad.err, HasSubstr("7x"));
  auto bad_limit = run({"runs", "refs", "--limit", "0"});
  EXPECT_NE(bad_limit.exit_code, 0);
  auto empty = run({"runs", "refs", "--component", "nobody"});
  ASSERT_EQ(empty.exit_code, 0);
  EXPECT_THAT(empty.out, HasSubstr("No runs match"));
}

class RunsEvidence : public RunsSeedTest
{
};

TEST_F(RunsEvidence, LocalFilesAreHandlesWithAFetchCommandNeverPaths)
{
  std::string id = bench_run("a");
  auto r = run({"runs", "evidence", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, Not(HasSubstr(root_.string()))) << "no absolute path of this machine";
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.evidence");
  EXPECT_EQ(p["run_id"], id);
  const Json& index = p["artifact_index"];
  ASSERT_GT(index["count"].get<int>(), 0);
  EXPECT_EQ(index["file_count"], index["count"]);
  EXPECT_EQ(index["missing_count"], 0);
  Json results;
  for (const auto& a : index["artifacts"]) {
    std::string aid = a["id"];
    EXPECT_EQ(a["path"], "homeboy://run/" + id + "/artifact/" + aid);
    EXPECT_EQ(a["address"]["kind"], "local_operator_path");
    EXPECT_EQ(a["address"]["reviewer_visible"], false);
    EXPECT_EQ(a["public"], false);
    EXPECT_EQ(a["fetch_command"], "homeboy runs artifact get " + id + " " + aid + " --output <path>");
    if (a["kind"] == "bench_results") results = a;
  }
  ASSERT_TRUE(results.is_object());
  EXPECT_TRUE(p["evidence_links"].empty());
  EXPECT_EQ(p["failure"]["failed"], false);

  // The fetch command works as printed.
  fs::path dest = root_ / "fetched.json";
  auto fetched = run({"runs", "artifact", "get", id, results["id"], "--output", dest.string()});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.describe();
  EXPECT_TRUE(fs::exists(dest));

  auto human = run({"runs", "evidence", id.substr(0, 8)});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("fetch: homeboy runs artifact get " + id));
  EXPECT_THAT(human.out, Not(HasSubstr(root_.string())));
}

TEST_F(RunsEvidence, OnlyValidatedHttpUrlsArePublicLinks)
{
  init_store();
  SeedRun s;
  s.id = "evidence-run-1";
  s.status = "failed";
  s.metadata = R"({"failure": {"code": "runner.failed", "message": "boom: )" + (root_ / "gone.json").string() +
               R"( is missing"}, "coverage": {"proven_count": 2}})";
  seed_run(s);
  seed_artifact(s.id, {"review", "review", "url", "https://example.test/evidence", "https://example.test/evidence"});
  seed_artifact(s.id, {"plain-http", "review", "url", "", "http://example.test:8080/x?y=1"});
  seed_artifact(s.id, {"js", "review", "url", "", "javascript:alert(1)"});
  seed_artifact(s.id, {"local", "review", "url", "", "file:///etc/passwd"});
  seed_artifact(s.id, {"creds", "review", "url", "", "https://user:hunter2@example.test/x"});
  seed_artifact(s.id, {"ctrl", "review", "url", "", "https://example.test/\x1b[31mred"});
  seed_artifact(s.id, {"mirrored", "summary", "file", (root_ / "gone.json").string(), "https://cdn.example.test/summary.json"});
  seed_artifact(s.id, {"bundle", "trace", "metadata-only", "trace.json"});

  auto r = run({"runs", "evidence", s.id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r.out, Not(HasSubstr(root_.string())));
  Json p = r.payload();
  std::map<std::string, Json> by_id;
  for (const auto& a : p["artifact_index"]["artifacts"]) by_id[a["id"]] = a;
  EXPECT_EQ(by_id["review"]["public_url"], "https://example.test/evidence");
  EXPECT_EQ(by_id["review"]["address"]["kind"], "public_url");
  EXPECT_EQ(by_id["review"]["address"]["reviewer_visible"], true);
  EXPECT_EQ(by_id["plain-http"]["public"], true);
  for (const char* bad : {"js", "local", "creds", "ctrl"}) {
    EXPECT_EQ(by_id[bad]["public"], false) << bad;
    EXPECT_TRUE(by_id[bad]["public_url"].is_null()) << bad;
    EXPECT_EQ(by_id[bad]["address"]["kind"], "rejected_url") << bad;
    EXPECT_TRUE(by_id[bad]["url_rejected"].is_string()) << bad;
  }
  EXPECT_THAT(by_id["creds"]["url_rejected"].get<std::string>(), HasSubstr("credentials"));
  EXPECT_THAT(by_id["js"]["url_rejected"].get<std::string>(), HasSubstr("scheme"));
  // A local file mirrored at a public URL: a handle and a link.
  EXPECT_EQ(by_id["mirrored"]["address"]["kind"], "local_operator_path");
  EXPECT_EQ(by_id["mirrored"]["public_url"], "https://cdn.example.test/summary.json");
  EXPECT_EQ(by_id["mirrored"]["missing"], true);
  EXPECT_TRUE(by_id["mirrored"]["fetch_command"].is_null()) << "nothing to fetch";
  EXPECT_EQ(by_id["bundle"]["address"]["kind"], "metadata_only");
  EXPECT_EQ(p["evidence_links"].size(), 3u);
  EXPECT_EQ(p["artifact_index"]["url_count"], 6);
  EXPECT_EQ(p["artifact_index"]["public_count"], 3);
  EXPECT_EQ(p["failure"]["failed"], true);
  EXPECT_EQ(p["failure"]["message"], "boom: <run artifacts>/gone.json is missing")
    << "paths of this machine are redacted from reviewer-facing text";
  EXPECT_EQ(p["coverage"][0]["path"], "coverage.proven_count");

  auto human = run({"runs", "evidence", s.id});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("public: https://example.test/evidence"));
  EXPECT_THAT(human.out, HasSubstr("URL not public"));
  EXPECT_THAT(human.out, Not(HasSubstr("hunter2")));
  EXPECT_FALSE(has_escape_codes(human.out));

  auto unknown = run({"runs", "evidence", "no-such-run"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("no-such-run"));
  EXPECT_THAT(unknown.err, HasSubstr("homeboy runs list"));
}

class RunsResumePlan : public RunsSeedTest
{
};

TEST_F(RunsResumePlan, LastCompletedActiveAndNextPending)
{
  init_store();
  SeedRun s;
  s.id = "validation-run-1";
  s.kind = "validate";
  s.status = "failed";
  s.metadata = R"({"validation_progress": {"commands": [
    {"command": "npm ci", "status": "completed", "exit_code": 0},
    {"command": "npm run lint", "status": "completed", "exit_code": 0},
    {"command": "npm test", "status": "running", "started_at": "2026-05-24T00:00:00Z"},
    {"command": "npm run e2e", "status": "pending"},
    {"command": "npm run smoke", "status": "pending"}]}})";
  seed_run(s);
  auto r = run({"runs", "resume-plan", s.id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.json()["data"]["variant"], "resume_plan");
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.resume-plan");
  EXPECT_EQ(p["run_id"], s.id);
  EXPECT_EQ(p["total"], 5);
  EXPECT_EQ(p["last_completed"]["command"], "npm run lint");
  EXPECT_EQ(p["last_completed"]["index"], 1);
  EXPECT_EQ(p["active"]["command"], "npm test");
  EXPECT_EQ(p["active"]["started_at"], "2026-05-24T00:00:00Z");
  EXPECT_EQ(p["next_pending"]["command"], "npm run e2e");
  EXPECT_EQ(p["resume_from"]["command"], "npm test");
  EXPECT_EQ(p["counts"]["completed"], 2);
  EXPECT_EQ(p["complete"], false);

  auto human = run({"runs", "resume-plan", s.id});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("last completed  #2 npm run lint"));
  EXPECT_THAT(human.out, HasSubstr("active          #3 npm test"));
  EXPECT_THAT(human.out, HasSubstr("next pending    #4 npm run e2e"));
}

TEST_F(RunsResumePlan, NoLedgerOrAMalformedOneIsAClearError)
{
  std::string id = bench_run("a");
  auto none = run({"runs", "resume-plan", id});
  EXPECT_EQ(none.exit_code, 1) << none.describe();
  EXPECT_THAT(none.err, HasSubstr("validation_progress"));
  EXPECT_THAT(none.err, HasSubstr(id));
  auto json = run({"runs", "resume-plan", id, "--json"});
  EXPECT_EQ(json.json()["error"]["code"], "run.no_validation_progress");

  SeedRun s;
  s.id = "validation-bad-1";
  s.metadata = R"({"validation_progress": {"done": 3}})";
  seed_run(s);
  auto bad = run({"runs", "resume-plan", s.id});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("commands"));

  auto unknown = run({"runs", "resume-plan", "zzzz-unknown"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("zzzz-unknown"));
}

class RunsShowSummary : public RunsSeedTest
{
};

TEST_F(RunsShowSummary, HotspotsCoverageAndKeyCaseArtifacts)
{
  std::string id = bench_run("a");
  auto human = run({"runs", "show", id});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("hotspots"));
  // cold_start's p95_ms (10) is the slowest timing.
  auto hot = human.out.substr(human.out.find("hotspots"));
  EXPECT_THAT(hot.substr(0, hot.find('\n', hot.find("cold_start"))), HasSubstr("p95_ms"));
  EXPECT_THAT(human.out, HasSubstr("homeboy runs artifact get " + id));
  EXPECT_THAT(human.out, testing::ContainsRegex("created +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));

  SeedRun s;
  s.id = "fuzz-run-1";
  s.kind = "fuzz";
  s.metadata = R"({"coverage": {"coverage_summary": "12 of 14 operations proven",
                   "declared_count": 14, "proven_count": 12, "skipped_reasons": ["needs network"]},
                   "surface_count": 3})";
  seed_run(s);
  seed_artifact(s.id, {"fuzz-case-0001", "fuzz_case", "file", (root_ / "case1.bin").string()});
  seed_artifact(s.id, {"summary", "summary", "file", (root_ / "summary.json").string()});
  auto fuzz = run({"runs", "show", s.id});
  ASSERT_EQ(fuzz.exit_code, 0) << fuzz.describe();
  EXPECT_THAT(fuzz.out, HasSubstr("coverage\n"));
  EXPECT_THAT(fuzz.out, HasSubstr("coverage.coverage_summary: 12 of 14 operations proven"));
  EXPECT_THAT(fuzz.out, HasSubstr("coverage.proven_count: 12"));
  EXPECT_THAT(fuzz.out, HasSubstr("surface_count: 3"));
  EXPECT_THAT(fuzz.out, HasSubstr("key case artifacts (1)"));
  EXPECT_THAT(fuzz.out, HasSubstr("homeboy runs artifact get fuzz-run-1 fuzz-case-0001"));

  // The JSON payload is unchanged by the summary.
  auto json = run({"runs", "show", s.id, "--json"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.payload()["run"]["metadata"]["surface_count"], 3);
  EXPECT_EQ(json.payload()["run"]["artifacts"].size(), 2u);
}

} // namespace

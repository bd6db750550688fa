// homeboy runs distribution, query, compare and drift through the real
// binary: over runs recorded by real benches, and over seeded JSON artifacts.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

class RunsDistribution : public RunsSeedTest
{
};

TEST_F(RunsDistribution, CountsMetadataValuesWithArraysFlattened)
{
  init_store();
  const char* metas[] = {
    R"({"variant": "candidate", "tags": ["slow", "io"], "runner": {"extension_id": "node"}})",
    R"({"variant": "candidate", "tags": ["io"], "runner": {"extension_id": "php"}})",
    R"({"variant": "control", "tags": [], "runner": {"extension_id": "node"}, "score": 0.5})",
  };
  for (int i = 0; i < 3; ++i) {
    SeedRun s;
    s.id = "dist-run-" + std::to_string(i);
    s.created_at = now_ms() - (3 - i) * 1000;
    s.metadata = metas[i];
    seed_run(s);
  }
  auto r = run({"runs", "distribution", "--field", "variant", "--field", "tags", "--field",
                "runner.extension_id", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.distribution");
  EXPECT_EQ(p["inspected_runs"], 3);
  ASSERT_EQ(p["fields"].size(), 3u);
  const Json& variant = p["fields"][0];
  EXPECT_EQ(variant["field"], "variant");
  EXPECT_EQ(variant["matched_runs"], 3);
  EXPECT_EQ(variant["unique_values"], 2);
  EXPECT_EQ(variant["values"][0], (Json{{"value", "candidate"}, {"count", 2}, {"percent", 66.67}}));
  EXPECT_EQ(variant["repeated_values"], (Json::array({{{"value", "candidate"}, {"count", 2}}})));
  const Json& tags = p["fields"][1];
  EXPECT_EQ(tags["matched_runs"], 2);
  EXPECT_EQ(tags["missing_runs"], 1);
  EXPECT_EQ(tags["total_values"], 3);
  EXPECT_EQ(tags["values"][0]["value"], "io");
  EXPECT_EQ(p["fields"][2]["values"][0], (Json{{"value", "node"}, {"count", 2}, {"percent", 66.67}}));

  // JSONPath works too; --limit is exact.
  auto jp = run({"runs", "distribution", "--field", "$.runner.extension_id", "--limit", "1", "--json"});
  ASSERT_EQ(jp.exit_code, 0) << jp.describe();
  EXPECT_EQ(jp.payload()["inspected_runs"], 1);
  EXPECT_EQ(jp.payload()["fields"][0]["values"][0]["value"], "node");

  auto human = run({"runs", "distribution", "--field", "variant"});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("variant: 3 of 3 runs have it"));
  EXPECT_THAT(human.out, HasSubstr("66.7%"));

  auto unknown = run({"runs", "distribution", "--field", "varient"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("varient"));
  EXPECT_THAT(unknown.err, HasSubstr("variant")) << "the keys seen are listed";
  auto malformed = run({"runs", "distribution", "--field", "$.tags[?"});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.describe();
  EXPECT_THAT(malformed.err, HasSubstr("column"));
}

TEST_F(RunsDistribution, OverBenchRunMetadata)
{
  bench_run("a");
  bench_run("a");
  auto r = run({"runs", "distribution", "--field", "status", "--field", "iterations", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["fields"][0]["values"][0], (Json{{"value", "passed"}, {"count", 2}, {"percent", 100.0}}));
  EXPECT_EQ(p["fields"][1]["values"][0]["value"], "2");
}

class RunsQuery : public RunsSeedTest
{
};

TEST_F(RunsQuery, ProjectsJsonArtifactsAndListsWhatWasSkipped)
{
  init_store();
  SeedRun s;
  s.id = "run-contract-1";
  s.component = "homeboy";
  seed_run(s);
  seed_artifact(s.id, {"artifact-summary", "summary", "file",
                       json_file("summary.json", R"({"variant": "candidate", "metrics": {"ready_ms": 123.4}})").string(),
                       "", "application/json"});
  seed_artifact(s.id, {"artifact-log", "log", "file", json_file("output.log", "hello\n").string(), "", "text/plain"});
  SeedRun s2 = s;
  s2.id = "run-contract-2";
  s2.created_at = now_ms() - 60000;
  seed_run(s2);
  seed_artifact(s2.id, {"other-summary", "summary", "file",
                        json_file("summary2.json", R"({"variant": "control", "metrics": {"ready_ms": 99}})").string(),
                        "", "application/json"});
  seed_artifact(s2.id, {"broken", "summary", "file", json_file("broken.json", "{nope").string(), "", "application/json"});
  seed_artifact(s2.id, {"gone", "summary", "file", (root_ / "gone.json").string(), "", "application/json"});
  seed_artifact(s2.id, {"big", "summary", "file",
                        json_file("big.json", "[" + std::string(5000, ' ') + "1]").string(), "", "application/json"});
  seed_artifact(s2.id, {"imported", "summary", "metadata-only", "summary.json"});
  seed_artifact(s2.id, {"remote", "summary", "url", "https://example.test/s.json", "https://example.test/s.json"});
  seed_artifact(s2.id, {"pings", "responsiveness", "file",
                        json_file("pings.jsonl", "{\"variant\": \"candidate\"}\n{\"variant\": \"candidate\"}\n").string(),
                        "", "application/x-ndjson"});

  auto r = run({"runs", "query", "--select", "$.metrics.ready_ms", "--group-by", "$.variant",
                "--kind", "bench", "--component", "homeboy", "--since", "7d", "--max-artifact-bytes",
                "1000", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.query");
  EXPECT_EQ(p["filters"], (Json{{"component_id", "homeboy"}, {"kind", "bench"}, {"since", "7d"}, {"limit", 200}}));
  EXPECT_EQ(p["select"], Json::array({"$.metrics.ready_ms"}));
  EXPECT_EQ(p["group_by"], "$.variant");
  EXPECT_EQ(p["matched_artifact_count"], 3);
  ASSERT_EQ(p["rows"].size(), 4u);
  EXPECT_EQ(p["rows"][0], (Json{{"run_id", "run-contract-1"}, {"artifact_id", "artifact-summary"},
                                {"artifact_kind", "summary"}, {"values", {123.4}}}));
  EXPECT_EQ(p["rows"][1]["values"], Json::array({99}));
  EXPECT_TRUE(p["rows"][2]["values"][0].is_null()) << "no match: null";
  EXPECT_EQ(p["rows"][2]["line"], 1);
  EXPECT_EQ(p["groups"], (Json::array({{{"group", "candidate"}, {"count", 3}}, {{"group", "control"}, {"count", 1}}})));
  std::map<std::string, std::string> reasons;
  for (const auto& sk : p["skipped_artifacts"]) reasons[sk["artifact_id"]] = sk["reason"];
  EXPECT_EQ(p["skipped_artifact_count"], reasons.size());
  EXPECT_EQ(reasons["artifact-log"], "not JSON");
  EXPECT_THAT(reasons["broken"], StartsWith("invalid JSON"));
  EXPECT_EQ(reasons["gone"], "missing file");
  EXPECT_THAT(reasons["big"], StartsWith("too big"));
  EXPECT_THAT(reasons["imported"], StartsWith("metadata-only"));
  EXPECT_THAT(reasons["remote"], StartsWith("URL"));
  for (const auto& sk : p["skipped_artifacts"]) {
    for (const char* key : {"run_id", "artifact_id", "artifact_kind", "artifact_type", "path", "reason"}) {
      EXPECT_TRUE(sk.contains(key)) << key;
    }
  }

  auto counted = run({"runs", "query", "--select", "$.metrics.ready_ms", "--group-by", "$.variant",
                      "--count", "--artifact-kind", "summary", "--format", "json"});
  ASSERT_EQ(counted.exit_code, 0) << counted.describe();
  Json c = counted.payload();
  EXPECT_FALSE(c.contains("rows"));
  EXPECT_EQ(c["groups"][0], (Json{{"group", "candidate"}, {"count", 1}}));

  auto csv = run({"runs", "query", "--select", "$.variant,$.metrics.ready_ms", "--artifact-kind",
                  "summary", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.describe();
  EXPECT_THAT(csv.out, StartsWith("run_id,artifact_id,artifact_kind,$.variant,$.metrics.ready_ms\n"));
  EXPECT_THAT(csv.out, HasSubstr("run-contract-1,artifact-summary,summary,candidate,123.4\n"));

  auto table = run({"runs", "query", "--select", "$.variant", "--artifact-kind", "summary"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("$.variant"));
  EXPECT_THAT(table.out, HasSubstr("candidate"));
  EXPECT_THAT(table.out, HasSubstr("skipped"));

  auto limited = run({"runs", "query", "--select", "$.variant", "--limit", "1", "--json"});
  ASSERT_EQ(limited.exit_code, 0);
  EXPECT_EQ(limited.payload()["inspected_runs"], 1);

  auto malformed = run({"runs", "query", "--select", "$.metrics[?@.x =="});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.describe();
  EXPECT_THAT(malformed.err, HasSubstr("--select"));
  EXPECT_THAT(malformed.err, HasSubstr("column"));
  auto count_alone = run({"runs", "query", "--select", "$.a", "--count"});
  EXPECT_EQ(count_alone.exit_code, 2);
  EXPECT_THAT(count_alone.err, HasSubstr("--group-by"));
  auto bad_format = run({"runs", "query", "--select", "$.a", "--format", "xml"});
  EXPECT_EQ(bad_format.exit_code, 2);
}

TEST_F(RunsQuery, OverBenchResults)
{
  bench_run("a");
  bench_run("b");
  auto r = run({"runs", "query", "--select", "$.component_id", "--select",
                "$.scenarios[?@.id=='cold_start'].metrics.p95_ms", "--artifact-kind", "bench_results",
                "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  ASSERT_EQ(p["rows"].size(), 2u);
  EXPECT_EQ(p["rows"][0]["values"], (Json::array({"b", 10})));
  EXPECT_EQ(p["rows"][1]["values"], (Json::array({"a", 10})));
  EXPECT_EQ(p["skipped_artifact_count"], 0);
}

class RunsCompare : public RunsSeedTest
{
};

TEST_F(RunsCompare, MetricsAcrossRecentRuns)
{
  std::string first = bench_run("a");
  std::string second = bench_run("a");
  auto r = run({"runs", "compare", "--component", "a", "--metric", "p95_ms", "--metric",
                "process.wall_ms", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.compare");
  EXPECT_EQ(p["metrics"], (Json::array({"p95_ms", "process.wall_ms"})));
  EXPECT_EQ(p["run_count"], 2);
  ASSERT_EQ(p["rows"].size(), 4u) << "one row per run and scenario";
  EXPECT_EQ(p["rows"][0]["run_id"], second);
  EXPECT_EQ(p["rows"][0]["scenario_id"], "cold_start");
  EXPECT_EQ(p["rows"][0]["metrics"]["p95_ms"], 10);
  EXPECT_EQ(p["rows"][1]["scenario_id"], "hot_path");
  EXPECT_EQ(p["rows"][1]["metrics"]["p95_ms"], 2);
  EXPECT_TRUE(p["rows"][0]["metrics"]["process.wall_ms"].is_number()) << "a metadata path";
  EXPECT_GT(p["rows"][0]["artifact_count"].get<int>(), 0);
  EXPECT_EQ(p["rows"][3]["run_id"], first);

  auto scenario = run({"runs", "compare", "--scenario", "hot_path", "--metric", "mean_ms", "--limit", "1", "--json"});
  ASSERT_EQ(scenario.exit_code, 0) << scenario.describe();
  ASSERT_EQ(scenario.payload()["rows"].size(), 1u);
  EXPECT_EQ(scenario.payload()["rows"][0]["metrics"]["mean_ms"], 1.5);

  auto table = run({"runs", "compare", "--metric", "p95_ms"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_THAT(table.out, StartsWith("| run | status | started | git sha | rig | artifacts | scenario | p95_ms |\n"));
  EXPECT_THAT(table.out, HasSubstr("| " + second.substr(0, 8) + " | succeeded | "));

  // The default metric: total_elapsed_ms, the run's wall time.
  auto total = run({"runs", "compare", "--json"});
  ASSERT_EQ(total.exit_code, 0) << total.describe();
  EXPECT_TRUE(total.payload()["rows"][0]["metrics"]["total_elapsed_ms"].is_number());

  auto unknown = run({"runs", "compare", "--metric", "p99_ms"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("p99_ms"));
  EXPECT_THAT(unknown.err, HasSubstr("p95_ms"));
}

class RunsDrift : public RunsSeedTest
{
protected:
  void seed_variant_runs(const std::string& prefix, long long created_at, int candidates, int controls)
  {
    for (int i = 0; i < candidates + controls; ++i) {
      SeedRun s;
      s.id = prefix + "-" + std::to_string(i);
      s.component = "homeboy";
      s.created_at = created_at - i;
      seed_run(s);
      std::string variant = i < candidates ? "candidate" : "control";
      seed_artifact(s.id, {s.id + "-summary", "summary", "file",
                           json_file(s.id + ".json", "{\"variant\": \"" + variant + "\"}").string(), "",
                           "application/json"});
    }
  }
};

TEST_F(RunsDrift, WindowSharesAgainstTheSpanBeforeIt)
{
  init_store();
  long long now = now_ms();
  seed_variant_runs("win", now - 1 * k_day, 7, 3);       // in the 7d window
  seed_variant_runs("base", now - 10 * k_day, 10, 30);   // in the 30d baseline, before the window
  seed_variant_runs("ancient", now - 40 * k_day, 5, 0);  // outside both
  SeedRun missing;
  missing.id = "base-missing";
  missing.component = "homeboy";
  missing.created_at = now - 20 * k_day;
  seed_run(missing);
  seed_artifact(missing.id, {"m1", "summary", "file", json_file("m1.json", "{}").string(), "", "application/json"});
  seed_artifact(missing.id, {"m2", "summary", "file", json_file("m2.json", "{\"x\": 1}").string(), "", "application/json"});

  auto r = run({"runs", "drift", "--metric", "$.variant", "--window", "7d", "--baseline", "30d",
                "--threshold", "0.5", "--kind", "bench", "--component", "homeboy", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.drift");
  EXPECT_EQ(p["filters"], (Json{{"component_id", "homeboy"}, {"kind", "bench"}, {"window", "7d"}, {"baseline", "30d"}}));
  EXPECT_EQ(p["metric"], "$.variant");
  EXPECT_EQ(p["threshold"], 0.5);
  EXPECT_EQ(p["window_observations"], 10);
  EXPECT_EQ(p["window_missing_rows"], 0);
  EXPECT_EQ(p["baseline_observations"], 40) << "the window is not part of the baseline";
  EXPECT_EQ(p["baseline_missing_rows"], 2);
  ASSERT_EQ(p["values"].size(), 2u);
  const Json& candidate = p["values"][0];
  EXPECT_EQ(candidate["value"], "candidate");
  EXPECT_EQ(candidate["window_count"], 7);
  EXPECT_DOUBLE_EQ(candidate["window_share"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(candidate["baseline_share"].get<double>(), 0.25);
  EXPECT_NEAR(candidate["share_delta"].get<double>(), 0.45, 1e-9);
  EXPECT_EQ(candidate["dominant"], true);
  EXPECT_EQ(p["values"][1]["dominant"], false);
  EXPECT_THAT(p["window_start"].get<std::string>(), testing::EndsWith("Z"));

  auto no_baseline = run({"runs", "drift", "--metric", "$.variant", "--json"});
  ASSERT_EQ(no_baseline.exit_code, 0) << no_baseline.describe();
  EXPECT_FALSE(no_baseline.payload().contains("baseline_observations"));
  EXPECT_EQ(no_baseline.payload()["values"][0]["dominant"], true) << "threshold 0: every value";

  auto limited = run({"runs", "drift", "--metric", "$.variant", "--limit", "2", "--json"});
  ASSERT_EQ(limited.exit_code, 0);
  EXPECT_EQ(limited.payload()["window_runs"], 2);
  EXPECT_EQ(limited.payload()["window_observations"], 2);

  auto table = run({"runs", "drift", "--metric", "$.variant", "--baseline", "30d"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("baseline_share"));
  EXPECT_THAT(table.out, HasSubstr("+0.4500"));

  auto bad_window = run({"runs", "drift", "--metric", "$.variant", "--window", "7x"});
  EXPECT_EQ(bad_window.exit_code, 2) << bad_window.describe();
  EXPECT_THAT(bad_window.err, HasSubstr("--window"));
  auto short_baseline = run({"runs", "drift", "--metric", "$.variant", "--window", "7d", "--baseline", "3d"});
  EXPECT_EQ(short_baseline.exit_code, 2);
  EXPECT_THAT(short_baseline.err, HasSubstr("longer than --window"));
  auto bad_metric = run({"runs", "drift", "--metric", "variant["});
  EXPECT_EQ(bad_metric.exit_code, 2);
  EXPECT_THAT(bad_metric.err, HasSubstr("column"));
  auto bad_threshold = run({"runs", "drift", "--metric", "$.variant", "--threshold", "2"});
  EXPECT_EQ(bad_threshold.exit_code, 2);
}

} // namespace

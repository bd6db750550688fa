// What a runner reports about its workload (top-level metadata and
// run_metadata, metric groups, scenario metadata, a validation_progress
// ledger) reaches the bench run record and the readers that query it:
// runs/bench distribution, runs compare --metric <group>.<metric>, runs
// resume-plan. Real benches with a fixture runner, through the real binary.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <thread>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchWorkloadMetadata : public HomeboyTest
{
protected:
  /// Runs a bench of component `wl` (the workload_metadata.sh runner) and
  /// returns its run id.
  std::string bench(const EnvOverrides& env = {}, RunResult* out = nullptr)
  {
    if (!fs::exists(work_ / "wl")) make_component("wl", "workload_metadata.sh");
    auto r = bench_json({"wl", "--iterations", "2"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    Json p = r.payload();
    std::string id = p.is_object() && p["persisted_run"].is_object()
                       ? p["persisted_run"].value("run_id", "")
                       : "";
    EXPECT_FALSE(id.empty()) << r.describe();
    if (out) *out = r;
    // Runs are listed newest first by creation time (ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return id;
  }

  static Json values_of(const Json& field)
  {
    Json out = Json::object();
    for (const auto& v : field["values"]) out[v["value"].get<std::string>()] = v["count"];
    return out;
  }
};

TEST_F(BenchWorkloadMetadata, StoredCompactlyInTheRunRecord)
{
  std::string id = bench();
  Json meta = show_run(id)["metadata"];
  EXPECT_EQ(meta["results"],
            Json::parse(R"({"metadata": {"site_type": "blog", "plugins": ["woo", "jetpack"]},
                            "run_metadata": {"runner": {"extension": "nodejs", "source_revision": "b81f0c4"}},
                            "metric_groups": {"boot": {"total_ms": 812.5}}})"))
    << "only the workload's own keys: no scenarios, metrics or samples again";
  EXPECT_EQ(meta["scenario_metrics"],
            Json::parse(R"([{"scenario_id": "checkout", "metadata": {"site": "blog", "cache": "warm"},
                               "metric_groups": {"warm": {"mean_ms": 50, "requests": 40}}},
                              {"scenario_id": "home", "metadata": {"site": "blog", "cache": "cold"}}])"));
  EXPECT_EQ(meta["validation_progress"]["commands"].size(), 3u);
  EXPECT_FALSE(meta.contains("workload_metadata")) << "under the cap: nothing was cut";
}

TEST_F(BenchWorkloadMetadata, RunsAndBenchDistributionCountIt)
{
  bench({{"WORKLOAD_SITE", "blog"}});
  bench({{"WORKLOAD_SITE", "blog"}});
  bench({{"WORKLOAD_SITE", "shop"}});

  auto r = run({"runs", "distribution", "--kind", "bench", "--field", "results.metadata.site_type",
                "--field", "results.metadata.plugins", "--field", "scenario_metrics.metadata.cache",
                "--field", "results.run_metadata.runner.extension", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.distribution");
  EXPECT_EQ(p["inspected_runs"], 3);
  ASSERT_EQ(p["fields"].size(), 4u);
  const Json& site = p["fields"][0];
  EXPECT_EQ(site["matched_runs"], 3);
  EXPECT_EQ(site["values"][0], (Json{{"value", "blog"}, {"count", 2}, {"percent", 66.67}}));
  EXPECT_EQ(site["values"][1], (Json{{"value", "shop"}, {"count", 1}, {"percent", 33.33}}));
  EXPECT_EQ(values_of(p["fields"][1]), (Json{{"jetpack", 3}, {"woo", 3}})) << "arrays flattened";
  const Json& cache = p["fields"][2];
  EXPECT_EQ(cache["matched_runs"], 3);
  EXPECT_EQ(cache["total_values"], 6) << "every scenario of every run";
  EXPECT_EQ(values_of(cache), (Json{{"cold", 3}, {"warm", 3}}));
  EXPECT_EQ(values_of(p["fields"][3]), (Json{{"nodejs", 3}}));

  auto table = run({"runs", "distribution", "--field", "results.metadata.site_type"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("results.metadata.site_type: 3 of 3 runs have it, 3 values, 2 unique"));
  EXPECT_THAT(table.out, HasSubstr("blog"));
  EXPECT_THAT(table.out, HasSubstr("66.7%"));

  auto b = run({"bench", "distribution", "wl", "--field", "scenario_metrics.metadata.site", "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  Json bp = b.payload();
  EXPECT_EQ(bp["command"], "runs.distribution");
  EXPECT_EQ(bp["fields"][0]["values"][0], (Json{{"value", "blog"}, {"count", 4}, {"percent", 66.67}}));
  EXPECT_EQ(bp["fields"][0]["values"][1], (Json{{"value", "shop"}, {"count", 2}, {"percent", 33.33}}));
  auto bt = run({"bench", "distribution", "wl", "--field", "results.metadata.site_type",
                 "--scenario", "checkout", "--limit", "2"});
  ASSERT_EQ(bt.exit_code, 0) << bt.describe();
  EXPECT_THAT(bt.out, HasSubstr("results.metadata.site_type: 2 of 2 runs have it"));
  EXPECT_THAT(bt.out, HasSubstr("shop"));

  // The workload's metadata is under results.: a bare path says where.
  auto bare = run({"runs", "distribution", "--field", "metadata.site_type"});
  EXPECT_EQ(bare.exit_code, 2) << bare.describe();
  EXPECT_THAT(bare.err, HasSubstr("did you mean `results.metadata.site_type`?"));
  auto scenario_bare = run({"bench", "distribution", "wl", "--field", "metadata.cache"});
  EXPECT_EQ(scenario_bare.exit_code, 2) << scenario_bare.describe();
  EXPECT_THAT(scenario_bare.err, HasSubstr("`scenario_metrics.metadata.cache`"));
}

TEST_F(BenchWorkloadMetadata, RunsCompareFindsMetricGroups)
{
  std::string older = bench({{"WORKLOAD_WARM", "50"}});
  std::string newer = bench({{"WORKLOAD_WARM", "62.5"}});

  auto r = run({"runs", "compare", "--kind", "bench", "--component", "wl", "--metric",
                "warm.mean_ms", "--metric", "p95_ms", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.compare");
  ASSERT_EQ(p["rows"].size(), 4u) << "one row per run and scenario";
  const Json& first = p["rows"][0];
  EXPECT_EQ(first["run_id"], newer);
  EXPECT_EQ(first["scenario_id"], "checkout");
  EXPECT_EQ(first["metrics"], (Json{{"warm.mean_ms", 62.5}, {"p95_ms", 120}}));
  EXPECT_EQ(p["rows"][1]["scenario_id"], "home");
  EXPECT_TRUE(p["rows"][1]["metrics"]["warm.mean_ms"].is_null()) << "home has no warm group";
  EXPECT_EQ(p["rows"][2]["run_id"], older);
  EXPECT_EQ(p["rows"][2]["metrics"]["warm.mean_ms"], 50);

  auto one = run({"runs", "compare", "--kind", "bench", "--component", "wl", "--scenario",
                  "checkout", "--metric", "warm.requests", "--metric",
                  "results.metric_groups.boot.total_ms", "--json"});
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  Json op = one.payload();
  ASSERT_EQ(op["rows"].size(), 2u);
  EXPECT_EQ(op["rows"][1]["metrics"],
            (Json{{"warm.requests", 40}, {"results.metric_groups.boot.total_ms", 812.5}}))
    << "a top-level metric group is a dotted path in the run metadata";

  auto table = run({"runs", "compare", "--kind", "bench", "--component", "wl", "--scenario",
                    "checkout", "--metric", "warm.mean_ms"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("| warm.mean_ms |"));
  EXPECT_THAT(table.out, HasSubstr("| " + newer.substr(0, 8) + " |"));
  EXPECT_THAT(table.out, HasSubstr("62.5"));
  EXPECT_THAT(table.out, HasSubstr("| checkout | 50"));

  auto unknown = run({"runs", "compare", "--kind", "bench", "--component", "wl", "--metric",
                      "cold.mean_ms"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.describe();
  EXPECT_THAT(unknown.err, HasSubstr("warm.mean_ms")) << "the metrics seen include the groups'";
}

TEST_F(BenchWorkloadMetadata, ResumePlanReadsTheRunnersLedger)
{
  std::string id = bench();
  auto r = run({"runs", "resume-plan", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.resume-plan");
  EXPECT_EQ(p["run_id"], id);
  EXPECT_EQ(p["run_status"], "succeeded");
  EXPECT_EQ(p["total"], 3);
  EXPECT_EQ(p["last_completed"]["command"], "npm ci");
  EXPECT_EQ(p["last_completed"]["exit_code"], 0);
  EXPECT_EQ(p["active"]["command"], "npm test");
  EXPECT_EQ(p["next_pending"]["command"], "npm run e2e");
  EXPECT_EQ(p["resume_from"]["label"], "unit");
  EXPECT_EQ(p["complete"], false);

  auto human = run({"runs", "resume-plan", id.substr(0, 8)});
  ASSERT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("last completed  #1 npm ci (install)"));
  EXPECT_THAT(human.out, HasSubstr("active          #2 npm test (unit)"));
  EXPECT_THAT(human.out, HasSubstr("Resume from #2 npm test (unit)"));

  std::string without = bench({{"WORKLOAD_LEDGER", "none"}});
  auto none = run({"runs", "resume-plan", without});
  EXPECT_NE(none.exit_code, 0) << none.describe();
  EXPECT_THAT(none.err, HasSubstr("no validation_progress"));
}

TEST_F(BenchWorkloadMetadata, OverTheCapKeepsWhatFitsAndWarns)
{
  RunResult r;
  std::string id = bench({{"WORKLOAD_BIG_KB", "70"}}, &r);
  EXPECT_THAT(r.err, HasSubstr("warning: the workload's metadata is about"));
  EXPECT_THAT(r.err, HasSubstr("left out results.metadata.dump"));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "succeeded") << "a cut is never a failure";

  Json meta = show_run(id)["metadata"];
  EXPECT_EQ(meta["workload_metadata"]["omitted"], Json::array({"results.metadata.dump"}));
  EXPECT_EQ(meta["workload_metadata"]["cap_bytes"], 65536);
  EXPECT_GT(meta["workload_metadata"]["reported_bytes"].get<int>(), 70 * 1024);
  EXPECT_LE(meta["workload_metadata"]["kept_bytes"].get<int>(), 65536);
  EXPECT_FALSE(meta["results"]["metadata"].contains("dump"));
  EXPECT_EQ(meta["results"]["metadata"]["site_type"], "blog") << "the keys that fit are kept";
  EXPECT_EQ(meta["scenario_metrics"].size(), 2u);
  EXPECT_TRUE(meta.contains("validation_progress"));
  bool warned = false;
  for (const auto& w : meta["warnings"]) {
    warned |= w.get<std::string>().find("results.metadata.dump") != std::string::npos;
  }
  EXPECT_TRUE(warned) << meta["warnings"].dump();
  EXPECT_LT(meta.dump().size(), 65536u) << "the run record stays small";

  auto d = run({"runs", "distribution", "--field", "results.metadata.site_type", "--json"});
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_EQ(d.payload()["fields"][0]["values"][0]["value"], "blog");
}

struct BadWorkload
{
  const char* name;
  std::string results;
  std::vector<std::string> message_parts;
};

void
PrintTo(const BadWorkload& c, std::ostream* os)
{
  *os << c.name;
}

class BadWorkloadMetadata : public HomeboyTest, public ::testing::WithParamInterface<BadWorkload>
{
};

TEST_P(BadWorkloadMetadata, FailsTheBenchNamingTheKey)
{
  const auto& c = GetParam();
  fs::path dir = make_component("bad", "write_content.sh");
  write_file(dir / "results.txt", c.results);
  auto r = run({"bench", "bad", "--iterations", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  for (const auto& part : c.message_parts) EXPECT_THAT(r.err, HasSubstr(part)) << r.describe();
  auto json = bench_json({"bad", "--iterations", "2"});
  EXPECT_EQ(json.exit_code, 1) << json.describe();
  EXPECT_THAT(json.out, HasSubstr("results.invalid")) << json.describe();
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[0]["terminal_reason"], "results_invalid");
  Json meta = show_run(runs[0]["id"].get<std::string>())["metadata"];
  EXPECT_FALSE(meta.contains("results")) << "nothing of a rejected file is recorded as metadata";
}

std::string
with(const std::string& top, const std::string& scenario_extra)
{
  return R"({"component_id": "bad", "iterations": 2)" + top +
         R"(, "scenarios": [{"id": "checkout", "iterations": 2, "metrics": {"p95_ms": 1})" +
         scenario_extra + "}]}";
}

INSTANTIATE_TEST_SUITE_P(
  Cases, BadWorkloadMetadata,
  ::testing::Values(
    BadWorkload{"top_level_metadata_string", with(R"(, "metadata": "blog")", ""),
                {"bench-results.json", "top-level \"metadata\" must be an object, got string \"blog\""}},
    BadWorkload{"run_metadata_array", with(R"(, "run_metadata": [1])", ""),
                {"top-level \"run_metadata\" must be an object, got array"}},
    BadWorkload{"top_level_metric_group_not_numeric",
                with(R"(, "metric_groups": {"boot": {"total_ms": "fast"}})", ""),
                {"top-level metric_groups \"boot\": metric \"total_ms\" must be a finite number"}},
    BadWorkload{"scenario_metadata_number", with("", R"(, "metadata": 7)"),
                {"scenario \"checkout\"", "\"metadata\" must be an object, got number 7"}},
    BadWorkload{"scenario_metric_group_not_numeric",
                with("", R"(, "metric_groups": {"warm": {"mean_ms": "slow"}})"),
                {"scenario \"checkout\"",
                 "metric_groups \"warm\": metric \"mean_ms\" must be a finite number, got string"}},
    BadWorkload{"scenario_metric_group_not_an_object",
                with("", R"(, "metric_groups": {"warm": 3})"),
                {"scenario \"checkout\"", "metric_groups \"warm\" must be an object"}}),
  [](const auto& info) { return std::string(info.param.name); });

} // namespace

// What a bench run records about how it measured, and how two such records
// are told apart.

#include "app/bench_context.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

using namespace hb;
using namespace hb::app;

namespace {

TEST(SettingsFingerprint, IgnoresKeyOrderButNotValues)
{
  std::string a = settings_fingerprint(R"({"mode": "a", "nested": {"x": 1, "y": [1, 2]}})");
  std::string b = settings_fingerprint(R"({"nested": {"y": [1, 2], "x": 1}, "mode": "a"})");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, settings_fingerprint(R"({"mode": "b", "nested": {"x": 1, "y": [1, 2]}})"));
  EXPECT_EQ(settings_fingerprint(""), settings_fingerprint("{}")) << "no settings are empty settings";
}

TEST(Policies, SurviveTheTripThroughMetadata)
{
  bench::MetricPolicy wall;
  wall.direction = bench::Direction::lower_is_better;
  wall.variance_aware = true;
  wall.threshold_percent = 2;
  bench::MetricPolicy rps;
  rps.direction = bench::Direction::higher_is_better;
  rps.threshold_absolute = 10;
  Json meta = {{"metric_policies", policies_json({{"wall_ms", wall}, {"rps", rps}})}};
  auto back = policies_from_metadata(meta);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].first, "wall_ms");
  EXPECT_EQ((*back)[0].second.effective_test(), bench::RegressionTest::mann_whitney_u);
  EXPECT_EQ((*back)[0].second.threshold_percent, 2);
  EXPECT_FALSE((*back)[0].second.threshold_absolute);
  EXPECT_EQ((*back)[1].second.direction, bench::Direction::higher_is_better);
  EXPECT_EQ((*back)[1].second.effective_test(), bench::RegressionTest::point_delta);
  EXPECT_EQ((*back)[1].second.threshold_absolute, 10);

  EXPECT_TRUE(policies_from_metadata({{"metric_policies", Json::object()}})->empty())
    << "declared none: the legacy rule";
  EXPECT_FALSE(policies_from_metadata(Json::object())) << "not recorded at all";
}

TEST(Context, NamesEachPartThatDiffers)
{
  Json a = {{"settings_sha256", "aaaaaaaaaaaaaaaa"}, {"iterations", 10},
            {"runner", {{"extension_id", "component-script"}}}, {"measured_by", "runner"}};
  Json b = a;
  EXPECT_TRUE(context_differences(bench_context(a), bench_context(b)).empty());

  b["settings_sha256"] = "bbbbbbbbbbbbbbbb";
  b["iterations"] = 20;
  b["selected_scenarios"] = {"main"};
  b["runner_args"] = {"--fast"};
  auto d = context_differences(bench_context(a), bench_context(b));
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].part, "settings");
  EXPECT_EQ(d[0].description, "settings (fingerprint aaaaaaaaaaaa vs bbbbbbbbbbbb)");
  EXPECT_EQ(d[1].part, "selected_scenarios");
  EXPECT_EQ(d[1].description, R"(selected_scenarios ([] vs ["main"]))");
  EXPECT_EQ(d[2].part, "workload");
  EXPECT_EQ(d[2].description, R"(workload (runner_args not recorded vs ["--fast"]))");
  EXPECT_EQ(d[3].description, "iterations (10 vs 20)");
}

} // namespace

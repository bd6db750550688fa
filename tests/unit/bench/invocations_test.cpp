// --runs N: combining invocations (bench/invocations.hpp).

#include "bench/invocations.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>

using namespace hb;
using namespace hb::bench;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

Scenario
scenario(const std::string& id, double p95, std::vector<double> samples)
{
  Scenario s;
  s.id = id;
  s.iterations = samples.size();
  s.metrics = {{"p95_ms", p95}};
  s.distributions = {{"wall_ms", std::move(samples)}};
  return s;
}

BenchResults
invocation(double p95_a, double p95_b, double shift)
{
  BenchResults r;
  r.component_id = "c";
  r.iterations = 3;
  // Out of order on purpose: the combined scenarios are sorted by id.
  r.scenarios = {scenario("zeta", p95_b, {20 + shift, 21 + shift, 22 + shift}),
                 scenario("alpha", p95_a, {10 + shift, 11 + shift, 12 + shift})};
  Json doc = {{"component_id", "c"}, {"iterations", 3}, {"scenarios", Json::array()}};
  for (const auto& s : r.scenarios) {
    doc["scenarios"].push_back({{"id", s.id}, {"metrics", {{"p95_ms", s.metrics[0].value}}}});
  }
  r.document = std::make_shared<Json>(std::move(doc));
  return r;
}

TEST(Invocations, SummaryValuesAreMediansAndEverySampleIsKeptBySession)
{
  auto combined = combine_invocations({invocation(10, 40, 0), invocation(30, 20, 1),
                                       invocation(20, 30, 2)});
  ASSERT_TRUE(combined) << combined.error().message;
  ASSERT_EQ(combined->scenarios.size(), 2u);
  const Scenario& alpha = combined->scenarios[0];
  EXPECT_EQ(alpha.id, "alpha");
  EXPECT_EQ(combined->scenarios[1].id, "zeta");
  EXPECT_DOUBLE_EQ(*alpha.metric("p95_ms"), 20.0);               // median of 10, 30, 20
  EXPECT_DOUBLE_EQ(*combined->scenarios[1].metric("p95_ms"), 30.0); // of 40, 20, 30
  EXPECT_THAT(*alpha.samples("wall_ms"), ElementsAre(10, 11, 12, 11, 12, 13, 12, 13, 14));
  ASSERT_NE(alpha.sessions.size(), 0u);
  EXPECT_THAT(*find_session_sizes(alpha.sessions, "wall_ms"), ElementsAre(3, 3, 3));

  const Json& doc = *combined->document;
  EXPECT_EQ(doc["runs"], 3);
  const Json& entry = doc["scenarios"][0];
  EXPECT_EQ(entry["id"], "alpha");
  EXPECT_EQ(entry["metrics"]["p95_ms"], 20.0);
  EXPECT_EQ(entry["metrics"]["distributions"]["wall_ms"].size(), 9u);
  EXPECT_EQ(entry["sessions"]["wall_ms"], Json::array({3, 3, 3}));
  ASSERT_EQ(entry["runs"].size(), 3u);
  EXPECT_EQ(entry["runs"][1]["run_index"], 1);
  EXPECT_EQ(entry["runs"][1]["metrics"]["p95_ms"], 30.0);
  const Json& summary = entry["runs_summary"]["p95_ms"];
  EXPECT_EQ(summary["n"], 3);
  EXPECT_EQ(summary["min"], 10.0);
  EXPECT_EQ(summary["max"], 30.0);
  EXPECT_EQ(summary["mean"], 20.0);
  EXPECT_DOUBLE_EQ(summary["stdev"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(summary["cv_pct"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(summary["p95"].get<double>(), 29.0); // 20 + 0.9 * 10
  // A metric given only as samples: each invocation's median.
  EXPECT_EQ(entry["runs_summary"]["wall_ms"]["min"], 11.0);
  EXPECT_EQ(entry["runs_summary"]["wall_ms"]["max"], 13.0);
}

TEST(Invocations, OneInvocationIsReturnedUnchanged)
{
  auto combined = combine_invocations({invocation(10, 40, 0)});
  ASSERT_TRUE(combined);
  EXPECT_EQ(combined->scenarios[0].id, "zeta");
  EXPECT_TRUE(combined->scenarios[0].sessions.empty());
  EXPECT_FALSE(combined->document->contains("runs"));
}

TEST(Invocations, InvocationsThatDisagreeAreAnErrorNamingWhat)
{
  auto other_component = invocation(1, 2, 0);
  other_component.component_id = "d";
  auto r = combine_invocations({invocation(1, 2, 0), other_component});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "bench.runs_mismatch");
  EXPECT_THAT(r.error().message, HasSubstr("invocation 2 reported component_id `d`"));

  auto more_iterations = invocation(1, 2, 0);
  more_iterations.iterations = 4;
  r = combine_invocations({invocation(1, 2, 0), invocation(1, 2, 0), more_iterations});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("invocation 3 reported 4 iterations, invocation 1 3"));

  auto fewer = invocation(1, 2, 0);
  fewer.scenarios.pop_back();
  r = combine_invocations({invocation(1, 2, 0), fewer});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("invocation 2 did not report scenario `alpha`"));

  auto extra = invocation(1, 2, 0);
  extra.scenarios.push_back(scenario("new", 1, {1}));
  r = combine_invocations({invocation(1, 2, 0), extra});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("reported scenario `new`, which invocation 1 did not"));
}

TEST(Invocations, AFailedInvocationFailsTheScenarioAndSaysWhich)
{
  auto failed = invocation(1, 2, 0);
  failed.scenarios[1].passed = false;
  failed.scenarios[1].failure_reasons = {"p95_ms 2 > 1"};
  auto r = combine_invocations({invocation(1, 2, 0), failed});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->scenarios[0].passed);
  EXPECT_THAT(r->scenarios[0].failure_reasons, ElementsAre("run 2: p95_ms 2 > 1"));
  EXPECT_EQ((*r->document)["scenarios"][0]["passed"], false);
}

} // namespace

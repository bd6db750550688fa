// The runs readers' analyses: categorical counts and drift, dotted paths,
// public URL checks, the resume plan, and the coverage/key-case cues.

#include "analysis/categorical.hpp"
#include "analysis/evidence_cues.hpp"
#include "analysis/public_url.hpp"
#include "analysis/resume_plan.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

namespace hb::analysis {
namespace {

TEST(Categorical, LabelsAndFlattening)
{
  EXPECT_EQ(*scalar_label(Json("x")), "x");
  EXPECT_EQ(*scalar_label(Json(3)), "3");
  EXPECT_EQ(*scalar_label(Json(0.5)), "0.5");
  EXPECT_EQ(*scalar_label(Json(true)), "true");
  EXPECT_FALSE(scalar_label(Json(nullptr)));
  EXPECT_FALSE(scalar_label(Json::object()));
  std::vector<std::string> out;
  EXPECT_EQ(collect_labels(Json::parse(R"(["a", ["b", 1], {"x": 1}, null])"), out), 3u);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b", "1"}));
}

TEST(Categorical, SortedByCountThenValue)
{
  CategoricalCounts c;
  c.add("b");
  c.add("a");
  c.add("c", 3);
  auto s = c.sorted();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].value, "c");
  EXPECT_DOUBLE_EQ(s[0].share, 0.6);
  EXPECT_EQ(s[1].value, "a");
  EXPECT_EQ(s[2].value, "b");
  EXPECT_EQ(c.total(), 5u);
  EXPECT_EQ(c.unique(), 3u);
}

TEST(Categorical, DriftAgainstABaseline)
{
  CategoricalCounts window, baseline;
  window.add("candidate", 7);
  window.add("control", 3);
  baseline.add("candidate", 10);
  baseline.add("control", 30);
  auto values = drift_values(window, &baseline, 0.5);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].value, "candidate");
  EXPECT_TRUE(values[0].dominant);
  EXPECT_DOUBLE_EQ(*values[0].baseline_share, 0.25);
  EXPECT_NEAR(*values[0].share_delta, 0.45, 1e-12);
  EXPECT_FALSE(values[1].dominant);
  CategoricalCounts empty;
  auto no_baseline = drift_values(window, &empty, 0.0);
  EXPECT_FALSE(no_baseline[0].baseline_share);
  EXPECT_TRUE(no_baseline[1].dominant);
  CategoricalCounts other;
  other.add("control");
  auto fresh = drift_values(window, &other, 0.9);
  EXPECT_DOUBLE_EQ(*fresh[0].baseline_share, 0.0) << "a value new in the window had share 0";
}

TEST(Categorical, DottedPaths)
{
  EXPECT_EQ(dotted_to_jsonpath("runner.extension_id"), "$['runner']['extension_id']");
  EXPECT_EQ(dotted_to_jsonpath("it's"), "$['it\\'s']");
  EXPECT_EQ(dotted_to_jsonpath("$.a[0]"), "$.a[0]");
}

TEST(PublicUrl, AcceptsPlainHttpAndHttps)
{
  EXPECT_FALSE(public_url_problem("https://example.test/evidence"));
  EXPECT_FALSE(public_url_problem("http://example.test:8080/a?b=c#d"));
  EXPECT_FALSE(public_url_problem("HTTPS://[::1]/x"));
}

TEST(PublicUrl, RejectsWhatCannotBePublic)
{
  EXPECT_NE(public_url_problem("file:///etc/passwd")->find("scheme"), std::string::npos);
  EXPECT_NE(public_url_problem("javascript:alert(1)")->find("scheme"), std::string::npos);
  EXPECT_NE(public_url_problem("ftp://host/x")->find("scheme"), std::string::npos);
  auto cred = public_url_problem("https://user:secret@example.test/x");
  ASSERT_TRUE(cred);
  EXPECT_NE(cred->find("credentials"), std::string::npos);
  EXPECT_EQ(cred->find("secret"), std::string::npos) << "the reason never repeats the URL";
  EXPECT_TRUE(public_url_problem("https://example.test/a\nb"));
  EXPECT_TRUE(public_url_problem("https://example.test/\x1b[31m"));
  EXPECT_TRUE(public_url_problem("https://exa mple.test/"));
  EXPECT_TRUE(public_url_problem("https:///path"));
  EXPECT_TRUE(public_url_problem("https:example.test"));
  EXPECT_TRUE(public_url_problem("/local/path"));
  EXPECT_TRUE(public_url_problem(""));
  EXPECT_TRUE(public_url_problem("https://" + std::string(3000, 'a')));
}

TEST(ResumePlan, LastCompletedActiveAndNextPending)
{
  Json meta = Json::parse(R"({"validation_progress": {"commands": [
    {"command": "npm ci", "status": "completed"},
    {"command": "npm run lint", "status": "passed"},
    {"command": "npm test", "status": "running"},
    {"command": "npm run e2e", "status": "pending"},
    "npm run smoke"
  ]}})");
  auto plan = plan_resume(meta);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->steps.size(), 5u);
  EXPECT_EQ(*plan->last_completed, 1u);
  EXPECT_EQ(*plan->active, 2u);
  EXPECT_EQ(*plan->next_pending, 3u);
  EXPECT_EQ(*plan->resume_from, 2u);
  EXPECT_FALSE(plan->complete);
  EXPECT_EQ(plan->steps[4].command, "npm run smoke");
  EXPECT_EQ(plan->steps[4].state, StepState::pending);
}

TEST(ResumePlan, FailedStepIsWhereToResumeAndAllDoneIsComplete)
{
  auto failed = plan_resume(Json::parse(R"({"validation_progress": {"steps": [
    {"argv": ["make", "check"], "status": "completed"},
    {"command": "make test", "status": "failed", "exit_code": 2},
    {"command": "make docs"}]}})"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->steps[0].command, "make check");
  EXPECT_EQ(*failed->resume_from, 1u);
  EXPECT_EQ(*failed->next_pending, 2u);
  auto done = plan_resume(Json::parse(R"({"validation_progress": [
    {"command": "a", "status": "done"}, {"command": "b", "status": "skipped"}]})"));
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->complete);
  EXPECT_FALSE(done->resume_from);
}

TEST(ResumePlan, MissingOrMalformedProgressIsAClearError)
{
  auto none = plan_resume(Json::parse(R"({"iterations": 3})"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "run.no_validation_progress");
  auto bad = plan_resume(Json::parse(R"({"validation_progress": {"x": 1}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "validation.invalid_progress");
  EXPECT_NE(bad.error().message.find("commands"), std::string::npos);
  auto bad_entry = plan_resume(Json::parse(R"({"validation_progress": [3]})"));
  ASSERT_FALSE(bad_entry);
}

TEST(EvidenceCues, CoverageFieldsAtAnyDepth)
{
  Json meta = Json::parse(R"({"coverage": {"proven_count": 3, "declared_count": 5,
    "coverage_summary": {"proven_count": 99}}, "surface_count": 7, "other": {"x": 1}})");
  auto fields = find_coverage_fields(meta);
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].path, "coverage.proven_count");
  EXPECT_EQ(*fields[0].value, 3);
  EXPECT_EQ(fields[2].path, "coverage.coverage_summary");
  EXPECT_EQ(fields[3].path, "surface_count");
}

TEST(EvidenceCues, KeyCaseMarkersAndHotspots)
{
  EXPECT_TRUE(has_key_case_marker("fuzz-case-0012.bin"));
  EXPECT_TRUE(has_key_case_marker("Repro_Case"));
  EXPECT_TRUE(has_key_case_marker("failing_case"));
  EXPECT_FALSE(has_key_case_marker("bench_results"));
  auto hot = hotspots({{"a", "p95_ms", 5}, {"b", "p95_ms", 50}, {"b", "requests_per_second", 900},
                       {"c", "mean_ms", 20}},
                      2);
  ASSERT_EQ(hot.size(), 2u);
  EXPECT_EQ(hot[0].scenario_id, "b");
  EXPECT_EQ(hot[1].name, "mean_ms");
}

} // namespace
} // namespace hb::analysis

// Semantic gates, budget findings and implicit failures of the results
// contract (compat.md "Results file", bench.md "Semantic Gates" and "Budget
// Findings").

#include "unit/results/results_test_support.hpp"

namespace hb::bench::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Json
with_gates(Json gates, Json metrics = {{"p95_ms", 262.4}, {"errors", 0}})
{
  Json document = minimal_document();
  document["scenarios"][0]["metrics"] = std::move(metrics);
  document["scenarios"][0]["gates"] = std::move(gates);
  return document;
}

Json
with_findings(Json findings)
{
  Json document = minimal_document();
  document["budget_findings"] = std::move(findings);
  return document;
}

// ---- Gates ----

TEST(ResultsGates, PassingGatesKeepTheScenarioPassed)
{
  BenchResults results = parse_ok(with_gates(Json::parse(R"([
    {"metric": "p95_ms", "op": "lte", "value": 300},
    {"metric": "errors", "op": "eq", "value": 0},
    {"metric": "p95_ms", "op": "gte", "value": 262.4}
  ])")));
  const Scenario& scenario = results.scenarios[0];
  EXPECT_TRUE(scenario.passed);
  ASSERT_EQ(scenario.gates.size(), 3u);
  EXPECT_EQ(scenario.gates[0].op, GateOp::lte);
  EXPECT_DOUBLE_EQ(scenario.gates[0].value, 300);
  ASSERT_EQ(results.gate_results.size(), 3u);
  for (const auto& gate : results.gate_results) {
    EXPECT_TRUE(gate.passed);
    EXPECT_EQ(gate.scenario_id, "cold-boot");
    EXPECT_EQ(gate.source, "workload");
  }
  EXPECT_TRUE(results.budget_findings.empty());
  EXPECT_TRUE(results.passed());
  const Json& document_scenario = (*results.document)["scenarios"][0];
  EXPECT_EQ(document_scenario["passed"], true);
  EXPECT_EQ(document_scenario["gate_results"].size(), 3u);
}

TEST(ResultsGates, OperatorsCompareAsDocumented)
{
  struct Case
  {
    const char* op;
    double value;
    bool passed;
  };
  const std::vector<Case> cases = {
    {"eq", 262.4, true},  {"eq", 262.5, false}, {"gte", 262.4, true}, {"gte", 262.5, false},
    {"lte", 262.4, true}, {"lte", 262.3, false},
  };
  for (const auto& test_case : cases) {
    BenchResults results = parse_ok(
      with_gates({{{"metric", "p95_ms"}, {"op", test_case.op}, {"value", test_case.value}}}));
    ASSERT_EQ(results.gate_results.size(), 1u);
    EXPECT_EQ(results.gate_results[0].passed, test_case.passed)
      << test_case.op << " " << test_case.value;
    EXPECT_EQ(results.scenarios[0].passed, test_case.passed);
  }
}

TEST(ResultsGates, FailedGateFailsTheScenarioAndAddsAFinding)
{
  BenchResults results =
    parse_ok(with_gates({{{"metric", "p95_ms"}, {"op", "lte"}, {"value", 250}}}));
  const Scenario& scenario = results.scenarios[0];
  EXPECT_FALSE(scenario.passed);
  EXPECT_THAT(scenario.failure_reasons, ElementsAre("gate failed: p95_ms lte 250 (actual 262.4)"));
  EXPECT_FALSE(results.passed());

  ASSERT_EQ(results.gate_results.size(), 1u);
  const GateResult& gate = results.gate_results[0];
  EXPECT_EQ(gate.scenario_id, "cold-boot");
  EXPECT_EQ(gate.metric, "p95_ms");
  EXPECT_EQ(gate.op, GateOp::lte);
  EXPECT_DOUBLE_EQ(gate.expected, 250);
  ASSERT_TRUE(gate.actual);
  EXPECT_DOUBLE_EQ(*gate.actual, 262.4);
  EXPECT_FALSE(gate.passed);

  ASSERT_EQ(results.budget_findings.size(), 1u);
  const BudgetFinding& finding = results.budget_findings[0];
  EXPECT_EQ(finding.tool, "budget");
  EXPECT_EQ(finding.rule, "bench.gate.p95_ms");
  EXPECT_EQ(finding.category, "budget");
  EXPECT_EQ(finding.severity, "error");
  EXPECT_EQ(finding.fingerprint, "bench.gate.p95_ms:p95_ms");
  EXPECT_EQ(finding.scenario_id, "cold-boot");
  EXPECT_EQ(finding.message, "scenario `cold-boot` gate failed: p95_ms lte 250 (actual 262.4)");
  EXPECT_TRUE(finding.fails_run);
  EXPECT_EQ(finding.metadata_json,
            R"({"actual":262.4,"code":"bench.gate.p95_ms","context_label":"bench:cold-boot",)"
            R"("expected":250.0,"passed":false,"subject":"p95_ms","unit":"value"})");

  const Json& document_scenario = (*results.document)["scenarios"][0];
  EXPECT_EQ(document_scenario["passed"], false);
  EXPECT_EQ(dump_json(document_scenario["gate_results"]),
            R"([{"metric":"p95_ms","op":"lte","expected":250.0,"actual":262.4,"passed":false,)"
            R"("source":"workload",)"
            R"x("reason":"scenario `cold-boot` gate failed: p95_ms lte 250 (actual 262.4)"}])x");
  // Findings from gates are results, not part of the runner's document.
  EXPECT_FALSE(results.document->contains("budget_findings"));
}

TEST(ResultsGates, MissingMetricFailsTheGate)
{
  BenchResults results =
    parse_ok(with_gates({{{"metric", "assistant_message_count"}, {"op", "gte"}, {"value", 1}}}));
  EXPECT_FALSE(results.scenarios[0].passed);
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("gate failed: assistant_message_count gte 1 (metric missing)"));
  ASSERT_EQ(results.gate_results.size(), 1u);
  EXPECT_FALSE(results.gate_results[0].actual);
  EXPECT_THAT(results.budget_findings[0].metadata_json, HasSubstr(R"("actual":null)"));
  EXPECT_EQ((*results.document)["scenarios"][0]["gate_results"][0]["actual"], nullptr);
}

TEST(ResultsGates, GatesAreStrict)
{
  struct Case
  {
    Json gate;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"p95_ms lte 250", "gates[0]: must be an object {metric, op, value}, got string"},
    {{{"metric", "p95_ms"}, {"op", "lte"}, {"value", 1}, {"unit", "ms"}},
     "gates[0]: unknown key \"unit\"; allowed keys: metric, op, value"},
    {{{"op", "lte"}, {"value", 1}}, "gates[0]: \"metric\" must be a non-empty string, got nothing"},
    {{{"metric", ""}, {"op", "lte"}, {"value", 1}},
     "gates[0]: \"metric\" must be a non-empty string"},
    {{{"metric", "p95_ms"}, {"op", "lt"}, {"value", 1}},
     "gates[0]: \"op\" must be one of eq, gte, lte, got string \"lt\""},
    {{{"metric", "p95_ms"}, {"value", 1}},
     "gates[0]: \"op\" must be one of eq, gte, lte, got nothing"},
    {{{"metric", "p95_ms"}, {"op", "eq"}},
     "gates[0]: \"value\" must be a finite number, got nothing"},
    {{{"metric", "p95_ms"}, {"op", "eq"}, {"value", "1"}},
     "gates[0]: \"value\" must be a finite number, got string \"1\""},
  };
  for (const auto& test_case : cases) {
    Error error = doc_error(with_gates(Json::array({test_case.gate})));
    EXPECT_THAT(error.message,
                HasSubstr(std::string("scenario \"cold-boot\": ") + test_case.message))
      << dump_json(test_case.gate);
    EXPECT_EQ(details(error)["key"], "gates");
    EXPECT_EQ(details(error)["index"], 0);
    EXPECT_EQ(details(error)["scenario"], "cold-boot");
  }
}

TEST(ResultsGates, GatedWorkloadFixture)
{
  auto parsed = parse_results_file(HB_FIXTURES_DIR "/results/gated.workload.json",
                                   test_options());
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Scenario& scenario = parsed->scenarios[0];
  EXPECT_EQ(scenario.id, "studio-agent-loop");
  EXPECT_FALSE(scenario.passed);
  EXPECT_THAT(scenario.failure_reasons,
              ElementsAre("gate failed: assistant_message_count gte 1 (actual 0)"));
  ASSERT_EQ(parsed->gate_results.size(), 2u);
  EXPECT_TRUE(parsed->gate_results[1].passed);
  // The declared finding comes first, then the one from the failed gate.
  ASSERT_EQ(parsed->budget_findings.size(), 2u);
  EXPECT_EQ(parsed->budget_findings[0].rule, "rest.max_response_bytes");
  EXPECT_EQ(parsed->budget_findings[1].rule, "bench.gate.assistant_message_count");
  EXPECT_EQ(parsed->budget_findings[1].message,
            "scenario `studio-agent-loop` gate failed: assistant_message_count gte 1 (actual 0)");
}

// ---- Implicit failures ----

TEST(ResultsImplicitFailures, RunnerReportedFailure)
{
  Json document = minimal_document();
  document["scenarios"][0]["passed"] = false;
  BenchResults results = parse_ok(document);
  EXPECT_FALSE(results.scenarios[0].passed);
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("the runner reported \"passed\": false"));
  EXPECT_FALSE(results.passed());
  EXPECT_EQ((*results.document)["scenarios"][0]["passed"], false);
}

TEST(ResultsImplicitFailures, PositiveFailureCountsFail)
{
  for (const char* count : {"failed_count", "unsupported_count", "warning_count"}) {
    Json document = minimal_document();
    document["scenarios"][0]["metrics"][count] = 2;
    BenchResults results = parse_ok(document);
    EXPECT_FALSE(results.scenarios[0].passed) << count;
    EXPECT_THAT(results.scenarios[0].failure_reasons,
                ElementsAre(std::string("metric ") + count + " is 2 (must be 0)"));
    EXPECT_EQ((*results.document)["scenarios"][0]["passed"], false);

    document["scenarios"][0]["metrics"][count] = 0;
    EXPECT_TRUE(parse_ok(document).scenarios[0].passed) << count;
  }
}

TEST(ResultsImplicitFailures, NoPassingAdapter)
{
  Json document = minimal_document();
  document["scenarios"][0]["metrics"]["passed_count"] = 0;
  document["scenarios"][0]["metrics"]["adapter_count"] = 3;
  BenchResults results = parse_ok(document);
  EXPECT_FALSE(results.scenarios[0].passed);
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("metric passed_count is 0 while adapter_count is 3"));

  document["scenarios"][0]["metrics"]["adapter_count"] = 0;
  EXPECT_TRUE(parse_ok(document).scenarios[0].passed);
  document["scenarios"][0]["metrics"]["adapter_count"] = 3;
  document["scenarios"][0]["metrics"]["passed_count"] = 1;
  EXPECT_TRUE(parse_ok(document).scenarios[0].passed);
}

TEST(ResultsImplicitFailures, EveryReasonIsListed)
{
  Json document = with_gates({{{"metric", "p95_ms"}, {"op", "lte"}, {"value", 250}}});
  document["scenarios"][0]["passed"] = false;
  document["scenarios"][0]["metrics"]["failed_count"] = 1;
  BenchResults results = parse_ok(document);
  EXPECT_THAT(results.scenarios[0].failure_reasons,
              ElementsAre("the runner reported \"passed\": false",
                          "metric failed_count is 1 (must be 0)",
                          "gate failed: p95_ms lte 250 (actual 262.4)"));
}

// ---- Budget findings ----

TEST(ResultsFindings, NestedShapeIsRead)
{
  BenchResults results = parse_ok(with_findings(Json::parse(R"([{
    "tool": "lighthouse", "message": "LCP over budget", "rule": "lcp", "category": "perf",
    "severity": "warning", "file": "src/app.ts", "line": 12, "column": 4,
    "fingerprint": "lcp:home", "fixable": false, "producer": "ci", "source": "lh",
    "metadata": {"passed": true, "lcp_ms": 2400}, "raw": {"anything": [1, 2]}
  }])")));
  ASSERT_EQ(results.budget_findings.size(), 1u);
  const BudgetFinding& finding = results.budget_findings[0];
  EXPECT_EQ(finding.tool, "lighthouse");
  EXPECT_EQ(finding.message, "LCP over budget");
  EXPECT_EQ(finding.rule, "lcp");
  EXPECT_EQ(finding.category, "perf");
  EXPECT_EQ(finding.severity, "warning");
  EXPECT_EQ(finding.file, "src/app.ts");
  EXPECT_EQ(finding.line, 12);
  EXPECT_EQ(finding.column, 4);
  EXPECT_EQ(finding.fingerprint, "lcp:home");
  EXPECT_TRUE(finding.scenario_id.empty());
  EXPECT_EQ(finding.metadata_json, R"({"passed":true,"lcp_ms":2400})");
  // A warning that passed is report-only.
  EXPECT_FALSE(finding.fails_run);
  EXPECT_TRUE(results.passed());
}

TEST(ResultsFindings, FlatShapeIsRead)
{
  BenchResults results = parse_ok(with_findings(Json::parse(R"([{
    "category": "budget", "code": "rest.max_response_bytes", "severity": "warning",
    "file": null, "context_label": "profile:wordpress-rest",
    "message": "REST response exceeded 250 KB budget", "actual": 4378195,
    "expected": 250000, "unit": "bytes", "subject": "/wp-json/x", "passed": false
  }])")));
  const BudgetFinding& finding = results.budget_findings[0];
  EXPECT_EQ(finding.tool, "budget");
  EXPECT_EQ(finding.rule, "rest.max_response_bytes");
  EXPECT_EQ(finding.file, "");
  EXPECT_EQ(finding.metadata_json,
            R"({"code":"rest.max_response_bytes","actual":4378195,"expected":250000,)"
            R"("unit":"bytes","subject":"/wp-json/x","context_label":"profile:wordpress-rest",)"
            R"("passed":false})");
  // passed: false fails the run even below severity error.
  EXPECT_TRUE(finding.fails_run);
  EXPECT_FALSE(results.passed());
  EXPECT_TRUE(results.scenarios[0].passed);
}

TEST(ResultsFindings, FlatFieldsJoinDeclaredMetadata)
{
  BenchResults results = parse_ok(with_findings(Json::parse(R"([{
    "tool": "profiler", "code": "heap", "rule": "heap.max", "message": "m",
    "metadata": {"run": 3}, "actual": 10
  }])")));
  const BudgetFinding& finding = results.budget_findings[0];
  EXPECT_EQ(finding.tool, "profiler");
  EXPECT_EQ(finding.rule, "heap.max");
  EXPECT_EQ(finding.metadata_json, R"({"run":3,"code":"heap","actual":10})");
  EXPECT_FALSE(finding.fails_run);
}

TEST(ResultsFindings, SeverityErrorFailsTheRun)
{
  BenchResults results = parse_ok(
    with_findings({{{"tool", "budget"}, {"message", "too big"}, {"severity", "error"}}}));
  EXPECT_TRUE(results.budget_findings[0].fails_run);
  EXPECT_FALSE(results.passed());
}

TEST(ResultsFindings, MetadataPassedFalseFailsTheRun)
{
  BenchResults results = parse_ok(with_findings(
    {{{"tool", "budget"}, {"message", "m"}, {"metadata", {{"passed", false}}}}}));
  EXPECT_TRUE(results.budget_findings[0].fails_run);
  EXPECT_FALSE(results.passed());
}

TEST(ResultsFindings, UnknownKeysAreKeptAsData)
{
  BenchResults results =
    parse_ok(with_findings({{{"tool", "t"}, {"message", "m"}, {"owner", "perf-team"}}}));
  EXPECT_EQ((*results.document)["budget_findings"][0]["owner"], "perf-team");
  EXPECT_FALSE(results.budget_findings[0].fails_run);
}

TEST(ResultsFindings, RequiredKeysAndTypes)
{
  struct Case
  {
    Json finding;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"oops", "budget_findings[0]: must be an object, got string \"oops\""},
    {{{"message", "m"}}, "budget_findings[0]: missing required key \"tool\""},
    {{{"tool", "t"}}, "budget_findings[0]: missing required key \"message\" (a string)"},
    {{{"code", "c"}}, "budget_findings[0]: missing required key \"message\""},
    {{{"tool", 1}, {"message", "m"}}, "\"tool\" must be a string, got number 1"},
    {{{"tool", "t"}, {"message", "m"}, {"severity", 3}}, "\"severity\" must be a string"},
    {{{"tool", "t"}, {"message", "m"}, {"line", "12"}},
     "\"line\" must be an integer, got string \"12\""},
    {{{"tool", "t"}, {"message", "m"}, {"column", 1.5}}, "\"column\" must be an integer"},
    {{{"tool", "t"}, {"message", "m"}, {"fixable", "no"}}, "\"fixable\" must be a boolean"},
    {{{"code", "c"}, {"message", "m"}, {"passed", "no"}}, "\"passed\" must be a boolean"},
    {{{"tool", "t"}, {"message", "m"}, {"metadata", "x"}},
     "\"metadata\" must be an object, got string"},
  };
  for (const auto& test_case : cases) {
    Error error = doc_error(with_findings(Json::array({test_case.finding})));
    EXPECT_THAT(error.message, HasSubstr(test_case.message)) << dump_json(test_case.finding);
    EXPECT_EQ(details(error)["key"], "budget_findings");
    EXPECT_EQ(details(error)["index"], 0);
  }
}

TEST(ResultsFindings, MustBeAnArray)
{
  Error error = doc_error(with_findings(Json::object()));
  EXPECT_THAT(error.message, HasSubstr("\"budget_findings\" must be an array, got object"));
  EXPECT_EQ(details(error)["key"], "budget_findings");
}

} // namespace
} // namespace hb::bench::test

// Bad results files through the real binary: each is a clear error naming the
// file and what was expected, a non-zero exit, and a run recorded as failed
// with the offending file kept as evidence. Also a store held by another
// writer.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <fstream>
#include <thread>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

struct BadResults
{
  const char* name;
  std::string content;
  std::vector<std::string> message_parts;
  EnvOverrides env;
};

std::string
valid_with(const std::string& scenarios)
{
  return R"({"component_id": "bad", "iterations": 2, "scenarios": )" + scenarios + "}";
}

void
PrintTo(const BadResults& c, std::ostream* os)
{
  *os << c.name;
}

class BadResultsTest : public HomeboyTest, public ::testing::WithParamInterface<BadResults>
{
};

TEST_P(BadResultsTest, IsAClearErrorAndTheRunIsRecordedFailed)
{
  const auto& c = GetParam();
  fs::path dir = make_component("bad", "write_content.sh");
  {
    std::ofstream out(dir / "results.txt", std::ios::binary);
    out << c.content;
  }
  auto r = run({"bench", "bad", "--iterations", "2"}, c.env);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("bench-results.json")) << "the message names the file";
  for (const auto& part : c.message_parts) {
    EXPECT_THAT(r.err, HasSubstr(part)) << r.describe();
  }
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "failed");
  EXPECT_EQ(runs[0]["terminal_reason"], "results_invalid");
  Json shown = show_run(runs[0]["id"].get<std::string>());
  bool kept = false;
  for (const auto& a : shown["artifacts"]) {
    kept |= a["kind"] == "bench_results";
  }
  EXPECT_TRUE(kept) << "the rejected file is kept as evidence: " << shown.dump(2);
}

const std::string k_scenario = R"({"id": "a", "iterations": 2, "metrics": {"p95_ms": 1}})";

INSTANTIATE_TEST_SUITE_P(
  Cases, BadResultsTest,
  ::testing::Values(
    BadResults{"empty", "", {"empty"}, {}},
    BadResults{"whitespace", "  \n", {"empty"}, {}},
    BadResults{"not_json", "p95_ms=12", {"not valid JSON"}, {}},
    BadResults{"truncated", valid_with("[" + k_scenario).substr(0, 60), {"ended early"}, {}},
    BadResults{"not_an_object", "[1, 2]", {"object", "array"}, {}},
    BadResults{"nan", valid_with(R"([{"id": "a", "iterations": 2, "metrics": {"p95_ms": NaN}}])"),
               {"NaN"}, {}},
    BadResults{"infinity_overflow", valid_with(R"([{"id": "a", "iterations": 2, "metrics": {"p95_ms": 1e999}}])"),
               {"1e999", "finite"}, {}},
    BadResults{"string_metric", valid_with(R"([{"id": "a", "iterations": 2, "metrics": {"p95_ms": "fast"}}])"),
               {"p95_ms", "number"}, {}},
    BadResults{"iterations_not_integer", R"({"component_id": "bad", "iterations": "ten", "scenarios": []})",
               {"iterations"}, {}},
    BadResults{"duplicate_ids", valid_with("[" + k_scenario + ", " + k_scenario + "]"),
               {"duplicate", "\"a\""}, {}},
    BadResults{"missing_scenarios", R"({"component_id": "bad", "iterations": 2})", {"scenarios"}, {}},
    BadResults{"too_large", valid_with("[" + k_scenario + "]"), {"limit of 40 bytes", "HOMEBOY_BENCH_MAX_RESULTS_BYTES"},
               {{"HOMEBOY_BENCH_MAX_RESULTS_BYTES", "40"}}}),
  [](const auto& info) { return std::string(info.param.name); });

class StoreLock : public HomeboyTest
{
};

TEST_F(StoreLock, AWriterHoldingTheStoreIsWaitedForThenAClearError)
{
  make_component("locked", "two_scenarios.sh");
  ASSERT_EQ(run({"runs", "list"}).exit_code, 0); // creates the store
  fs::path db = fs::path(base_env().at("HOMEBOY_DATA_DIR")) / "homeboy.sqlite";

  // Another process holds the write lock for 2 s.
  RunOptions bg;
  bg.timeout = 20s;
  auto holder = [&] {
    return exec({"sh", "-c", "(echo 'BEGIN IMMEDIATE;'; sleep 2; echo 'COMMIT;') | sqlite3 '" + db.string() + "'"},
                bg);
  };
  std::thread t1([&] { holder(); });
  std::this_thread::sleep_for(500ms);
  auto waited = run({"bench", "locked", "--iterations", "2"});
  t1.join();
  EXPECT_EQ(waited.exit_code, 0) << "a short lock is waited out: " << waited.describe();
  EXPECT_EQ(list_runs().size(), 1u);

  std::thread t2([&] { holder(); });
  std::this_thread::sleep_for(500ms);
  auto refused = run({"bench", "locked", "--iterations", "2"}, {{"HOMEBOY_STORE_BUSY_TIMEOUT_MS", "300"}});
  t2.join();
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_THAT(refused.err, HasSubstr("locked by another writer"));
  EXPECT_THAT(refused.err, HasSubstr("nothing was recorded or run"));
  EXPECT_EQ(list_runs().size(), 1u) << "the refused bench left nothing behind";
}

} // namespace

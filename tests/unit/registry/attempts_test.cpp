// The pure parts of attempts: the retry options, the backoff and whether a
// run is retried, and the state directory's ledger.

#include "registry/attempts.hpp"
#include "registry/recipe.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace hb;
using namespace hb::registry;

TEST(RetryOptions, ParseWhatUsersTypeAndRefuseTheRest)
{
  auto none = parse_retry("", "", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->retries, 0);
  auto all = parse_retry("2", "", "");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->on, retryable_reasons());
  EXPECT_EQ(all->backoff_min_ms, k_default_retry_backoff_min_ms);
  auto some = parse_retry("3", "exit_code,timed_out,exit_code", "1s..1m");
  ASSERT_TRUE(some);
  EXPECT_EQ(some->on, (std::vector<std::string>{"exit_code", "timed_out"}));
  EXPECT_EQ(some->backoff_min_ms, 1000);
  EXPECT_EQ(some->backoff_max_ms, 60'000);
  auto fixed = parse_retry("1", "", "5s");
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->backoff_min_ms, 5000);
  EXPECT_EQ(fixed->backoff_max_ms, 5000);

  for (auto [retry, on, backoff] : std::vector<std::tuple<const char*, const char*, const char*>>{
         {"-1", "", ""}, {"101", "", ""}, {"1x", "", ""}, {"2", "cancelled_by_user", ""},
         {"2", "exit_code,", ""}, {"2", "", "10m..10s"}, {"2", "", "0s..1s"}, {"2", "", "..1s"},
         {"", "exit_code", ""}, {"", "", "1s"}}) {
    EXPECT_FALSE(parse_retry(retry, on, backoff)) << retry << " " << on << " " << backoff;
  }
}

TEST(RetryPolicy, BackoffDoublesWithJitterUpToItsMaximum)
{
  Recipe r;
  r.retry_backoff_min_ms = 1000;
  r.retry_backoff_max_ms = 5000;
  EXPECT_EQ(retry_backoff_ms(r, 1, 0.0), 1000);
  EXPECT_EQ(retry_backoff_ms(r, 1, 1.0), 1500);
  EXPECT_EQ(retry_backoff_ms(r, 2, 0.0), 2000);
  EXPECT_EQ(retry_backoff_ms(r, 3, 0.5), 5000);
  EXPECT_EQ(retry_backoff_ms(r, 30, 0.0), 5000);
}

TEST(RetryPolicy, RetriesOnlyListedFailuresWhileAttemptsRemainAndNeverAUserCancel)
{
  Recipe r;
  r.retries = 2;
  r.retry_on = {"heartbeat_lost", "timed_out"};
  r.retry_backoff_min_ms = r.retry_backoff_max_ms = 100;
  EXPECT_EQ(retry_time(r, 1, RunStatus::failed, "heartbeat_lost", 1000, 0), 1100);
  EXPECT_EQ(retry_time(r, 2, RunStatus::timed_out, "deadline", 1000, 0), 1100);
  EXPECT_FALSE(retry_time(r, 3, RunStatus::failed, "heartbeat_lost", 1000, 0)) << "exhausted";
  EXPECT_FALSE(retry_time(r, 1, RunStatus::failed, "exit_code", 1000, 0)) << "not listed";
  EXPECT_FALSE(retry_time(r, 1, RunStatus::succeeded, "completed", 1000, 0));
  r.retry_on = retryable_reasons();
  EXPECT_FALSE(retry_time(r, 1, RunStatus::cancelled, "cancelled_by_user", 1000, 0));
  r.retries = 0;
  EXPECT_FALSE(retry_time(r, 1, RunStatus::failed, "exit_code", 1000, 0));
}

namespace {

class Ledger : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-ledger-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
  }
  std::filesystem::path state() const { return m_dir->path() / "state"; }
  std::optional<fs::TempDir> m_dir;
};

} // namespace

TEST_F(Ledger, StepsRecordedByOneAttemptTellTheNextWhereToResume)
{
  AttemptState fresh = prepare_state(state(), 1);
  EXPECT_TRUE(fresh.warnings.empty());
  EXPECT_FALSE(fresh.resume_from);
  ASSERT_TRUE(record_step(state(), "build", "completed"));
  ASSERT_TRUE(record_step(state(), "test", "active"));
  EXPECT_TRUE(step_done(state(), "build").value());
  EXPECT_FALSE(step_done(state(), "test").value());
  EXPECT_FALSE(step_done(state(), "deploy").value());

  AttemptState next = prepare_state(state(), 2);
  EXPECT_TRUE(next.warnings.empty());
  EXPECT_EQ(next.resume_from, "test") << "the interrupted step";
  EXPECT_FALSE(next.ledger_json.empty());
  ASSERT_TRUE(record_step(state(), "test", "completed"));
  ASSERT_TRUE(plan_steps(state(), {"build", "test", "deploy"}));
  EXPECT_EQ(prepare_state(state(), 3).resume_from, "deploy") << "declared, not reached yet";
  ASSERT_TRUE(record_step(state(), "deploy", "completed"));
  EXPECT_FALSE(plan_steps(state(), {}));
  AttemptState done = prepare_state(state(), 3);
  EXPECT_TRUE(done.complete);
  EXPECT_FALSE(done.resume_from);
  EXPECT_FALSE(record_step(state(), "x", "finished")) << "not a status";
  EXPECT_FALSE(record_step(state(), "", "completed"));
}

TEST_F(Ledger, AMissingStateDirectoryOrACorruptLedgerIsAWarningAndAFreshStart)
{
  AttemptState missing = prepare_state(state(), 2);
  ASSERT_EQ(missing.warnings.size(), 1u);
  EXPECT_NE(missing.warnings[0].find("starts fresh"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_directory(state()));

  for (const char* text : {"{not json", "[1, 2]", R"({"commands": 3})"}) {
    std::ofstream(state() / k_ledger_file) << text;
    AttemptState corrupt = prepare_state(state(), 2);
    ASSERT_EQ(corrupt.warnings.size(), 1u) << text;
    EXPECT_NE(corrupt.warnings[0].find("ledger is corrupt"), std::string::npos);
    EXPECT_FALSE(corrupt.resume_from);
    EXPECT_FALSE(std::filesystem::exists(state() / k_ledger_file)) << "moved aside";
    EXPECT_TRUE(std::filesystem::exists(state() / "validation_progress.json.corrupt"));
  }
  std::ofstream(state() / k_ledger_file) << "{not json";
  auto refused = record_step(state(), "a", "completed");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "registry.corrupt_ledger");
}

// Schedules against a real SQLite store, with the clock given: an on-time
// slot fires exactly once whoever ticks; missed slots are skipped or caught
// up once as the schedule says; pause, resume and remove; the scheduler
// lease; and every bad input of `schedule add`.

#include "schedule/schedules.hpp"
#include "store/store.hpp"
#include "support/test_store.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <gtest/gtest.h>

using namespace hb;

namespace {

TimeMs
at(const char* rfc3339)
{
  return parse_rfc3339(rfc3339).value();
}

class Schedules : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-sched-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    m_paths.data_root = m_dir->path();
    m_paths.config_root = m_dir->path() / "config";
    m_paths.store_path = m_dir->path() / "homeboy.sqlite";
    m_paths.store_url = test::test_store_url(m_paths.store_path);
    m_paths.artifact_root = m_dir->path() / "artifacts";
    m_store = open();
  }

  std::unique_ptr<Store> open()
  {
    auto store = open_store(m_paths);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  schedule::AddRequest request(const std::string& name, const std::string& cron)
  {
    schedule::AddRequest r;
    r.name = name;
    r.cron = cron;
    r.timezone = "UTC";
    r.options.cwd = m_dir->path().string();
    r.argv = {"true"};
    return r;
  }

  Schedule added(const schedule::AddRequest& r, TimeMs now)
  {
    auto s = schedule::add(*m_store, r, now);
    EXPECT_TRUE(s) << s.error().message;
    return *s;
  }

  std::vector<hb::Run> runs()
  {
    RunFilter filter;
    filter.limit = 100;
    auto page = m_store->list_runs(filter);
    EXPECT_TRUE(page);
    return page->runs;
  }

  std::optional<fs::TempDir> m_dir;
  Paths m_paths;
  std::unique_ptr<Store> m_store;
};

} // namespace

TEST_F(Schedules, AnOnTimeSlotQueuesOneRunLinkedToItsSchedule)
{
  Schedule s = added(request("nightly", "0 3 * * *"), at("2026-12-04T10:00:00Z"));
  // Nothing is due before the slot.
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-05T02:59:59Z")).recorded.empty());
  auto report = schedule::tick(*m_store, m_paths, at("2026-12-05T03:00:01Z"));
  ASSERT_EQ(report.recorded.size(), 1u);
  EXPECT_EQ(report.recorded[0].outcome, "fired");
  EXPECT_EQ(report.recorded[0].slot_at, at("2026-12-05T03:00:00Z"));
  auto queued = runs();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].kind, "schedule");
  EXPECT_EQ(queued[0].status, RunStatus::queued);
  EXPECT_EQ(queued[0].id, report.recorded[0].run_id);
  Json metadata = Json::parse(queued[0].metadata_json);
  EXPECT_EQ(metadata["schedule"]["id"], s.id);
  EXPECT_EQ(metadata["schedule"]["name"], "nightly");
  EXPECT_EQ(metadata["schedule"]["slot"], "2026-12-05T03:00:00.000Z");
  EXPECT_EQ(metadata["labels"]["schedule"], "nightly");
}

TEST_F(Schedules, ASlotFiresOnceHoweverManySchedulersTickIt)
{
  added(request("every5", "*/5 * * * *"), at("2026-12-04T10:01:00Z"));
  auto other = open(); // a second daemon on the same store
  TimeMs now = at("2026-12-04T10:05:10Z");
  EXPECT_EQ(schedule::tick(*m_store, m_paths, now).recorded.size(), 1u);
  EXPECT_TRUE(schedule::tick(*other, m_paths, now).recorded.empty());
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, now + 1000).recorded.empty());
  // A restarted scheduler (a new store connection) does not fire it again.
  auto restarted = open();
  EXPECT_TRUE(schedule::tick(*restarted, m_paths, now + 2000).recorded.empty());
  EXPECT_EQ(runs().size(), 1u);
  // The next slot fires.
  EXPECT_EQ(schedule::tick(*other, m_paths, at("2026-12-04T10:10:01Z")).recorded.size(), 1u);
  EXPECT_EQ(runs().size(), 2u);
}

TEST_F(Schedules, MissedSlotsAreSkippedWithTheirSpan)
{
  Schedule s = added(request("hourly", "0 * * * *"), at("2026-12-04T10:30:00Z"));
  // No scheduler ran from 10:30 to 14:20: slots 11, 12, 13 and 14 missed.
  auto report = schedule::tick(*m_store, m_paths, at("2026-12-04T14:20:00Z"));
  ASSERT_EQ(report.recorded.size(), 1u);
  EXPECT_EQ(report.recorded[0].outcome, "skipped");
  EXPECT_EQ(report.recorded[0].slot_at, at("2026-12-04T14:00:00Z"));
  EXPECT_NE(report.recorded[0].reason.find("4 slots from 2026-12-04T11:00:00.000Z to "
                                           "2026-12-04T14:00:00.000Z passed while no scheduler ran"),
            std::string::npos)
    << report.recorded[0].reason;
  EXPECT_TRUE(runs().empty());
  // Settled: the next tick finds nothing until 15:00.
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-04T14:59:00Z")).recorded.empty());
  EXPECT_EQ(schedule::tick(*m_store, m_paths, at("2026-12-04T15:00:30Z")).recorded.size(), 1u);
  auto slots = m_store->schedule_slots(s.id, 10);
  ASSERT_TRUE(slots);
  ASSERT_EQ(slots->size(), 2u);
  EXPECT_EQ((*slots)[0].outcome, "fired");
  EXPECT_EQ((*slots)[1].outcome, "skipped");
}

TEST_F(Schedules, CatchUpOnceFiresTheLatestMissedSlotLate)
{
  auto r = request("hourly", "0 * * * *");
  r.catch_up = "once";
  added(r, at("2026-12-04T10:30:00Z"));
  auto report = schedule::tick(*m_store, m_paths, at("2026-12-04T14:20:00Z"));
  ASSERT_EQ(report.recorded.size(), 2u);
  EXPECT_EQ(report.recorded[0].outcome, "skipped");
  EXPECT_EQ(report.recorded[0].slot_at, at("2026-12-04T13:00:00Z"));
  EXPECT_EQ(report.recorded[1].outcome, "fired");
  EXPECT_EQ(report.recorded[1].slot_at, at("2026-12-04T14:00:00Z"));
  EXPECT_NE(report.recorded[1].reason.find("late"), std::string::npos);
  auto queued = runs();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_NE(Json::parse(queued[0].metadata_json)["schedule"]["late"].get<std::string>().find("--catch-up once"),
            std::string::npos);
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-04T14:30:00Z")).recorded.empty());
}

TEST_F(Schedules, AnOnTimeSlotAfterAGapFiresAndRecordsTheGap)
{
  added(request("hourly", "0 * * * *"), at("2026-12-04T10:30:00Z"));
  auto report = schedule::tick(*m_store, m_paths, at("2026-12-04T13:00:30Z"));
  ASSERT_EQ(report.recorded.size(), 2u);
  EXPECT_EQ(report.recorded[0].outcome, "skipped");
  EXPECT_EQ(report.recorded[0].slot_at, at("2026-12-04T12:00:00Z"));
  EXPECT_EQ(report.recorded[1].outcome, "fired");
  EXPECT_EQ(report.recorded[1].slot_at, at("2026-12-04T13:00:00Z"));
}

TEST_F(Schedules, PausedSlotsNeverFireAndResumeStartsFromNow)
{
  Schedule s = added(request("p", "0 * * * *"), at("2026-12-04T10:30:00Z"));
  auto paused = schedule::set_paused(*m_store, "p", true, at("2026-12-04T10:40:00Z"));
  ASSERT_TRUE(paused);
  EXPECT_TRUE(paused->paused);
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-04T11:00:10Z")).recorded.empty());
  auto resumed = schedule::set_paused(*m_store, s.id.substr(0, 8), false, at("2026-12-04T12:10:00Z"));
  ASSERT_TRUE(resumed);
  EXPECT_FALSE(resumed->paused);
  // 11:00 and 12:00 passed while paused: never fired, never "missed".
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-04T12:20:00Z")).recorded.empty());
  auto report = schedule::tick(*m_store, m_paths, at("2026-12-04T13:00:05Z"));
  ASSERT_EQ(report.recorded.size(), 1u);
  EXPECT_EQ(report.recorded[0].outcome, "fired");
}

TEST_F(Schedules, RemoveKeepsTheRunsItQueued)
{
  added(request("gone", "* * * * *"), at("2026-12-04T10:00:00Z"));
  ASSERT_EQ(schedule::tick(*m_store, m_paths, at("2026-12-04T10:01:01Z")).recorded.size(), 1u);
  auto removed = schedule::remove(*m_store, "gone");
  ASSERT_TRUE(removed);
  EXPECT_EQ(runs().size(), 1u);
  auto again = schedule::find(*m_store, "gone");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "schedule.not_found");
  EXPECT_TRUE(schedule::tick(*m_store, m_paths, at("2026-12-04T10:02:01Z")).recorded.empty());
}

TEST_F(Schedules, BadInputIsRefusedWithTheOptionNamed)
{
  TimeMs now = at("2026-12-04T10:00:00Z");
  struct Case { std::function<void(schedule::AddRequest&)> change; const char* code; const char* says; };
  std::vector<Case> cases = {
    {[](auto& r) { r.cron = "0 3 * *"; }, "validation.invalid_cron", "--cron: "},
    {[](auto& r) { r.cron = "0 0 30 2 *"; }, "validation.invalid_cron", "never fires"},
    {[](auto& r) { r.timezone = "Mars/Base"; }, "validation.invalid_timezone", "unknown time zone"},
    {[](auto& r) { r.catch_up = "all"; }, "validation.invalid_catch_up", "expected skip"},
    {[](auto& r) { r.argv.clear(); }, "validation.missing_command", "after `--`"},
    {[](auto& r) { r.name.clear(); }, "validation.missing_name", "--name"},
    {[](auto& r) { r.options.timeout = "soon"; }, "validation.invalid_duration", "--timeout"},
  };
  for (auto& c : cases) {
    auto r = request("x", "0 3 * * *");
    c.change(r);
    auto added = schedule::add(*m_store, r, now);
    ASSERT_FALSE(added) << c.code;
    EXPECT_EQ(added.error().code, c.code);
    EXPECT_NE(added.error().message.find(c.says), std::string::npos) << added.error().message;
  }
  added(request("dup", "0 3 * * *"), now);
  auto dup = schedule::add(*m_store, request("dup", "0 4 * * *"), now);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "store.conflict");
  auto list = m_store->list_schedules();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(Schedules, TheSchedulerLeaseHasOneHolderUntilItExpires)
{
  EXPECT_TRUE(m_store->acquire_lease("scheduler", "a", 1000, 15000).value());
  EXPECT_FALSE(m_store->acquire_lease("scheduler", "b", 2000, 15000).value());
  EXPECT_TRUE(m_store->acquire_lease("scheduler", "a", 3000, 15000).value()); // renewed
  EXPECT_FALSE(m_store->acquire_lease("scheduler", "b", 17000, 15000).value());
  EXPECT_TRUE(m_store->acquire_lease("scheduler", "b", 18000, 15000).value()); // expired
  ASSERT_TRUE(m_store->release_lease("scheduler", "b"));
  EXPECT_TRUE(m_store->acquire_lease("scheduler", "a", 18001, 15000).value());
}

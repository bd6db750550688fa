// Scheduled runs as a user sees them: `homeboy schedule ...` in a temporary
// HOME, a real daemon firing a slot that was missed while it was down (once,
// and not again after a restart), a schedule whose command does not exist,
// and the schedules API.

#include "integration/daemon_fixture.hpp"

#include <gmock/gmock.h>

#include <fstream>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class Schedule : public Daemon
{
protected:
  /// `homeboy schedule add ...` with --json; returns the payload.
  Json add(const std::vector<std::string>& options, const std::vector<std::string>& argv)
  {
    std::vector<std::string> args = {"schedule", "add", "--json"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), argv.begin(), argv.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload();
  }

  /// Runs of kind `schedule`, newest first.
  Json scheduled_runs()
  {
    auto r = run({"runs", "list", "--kind", "schedule", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload()["runs"];
  }

  /// The daemon's log so far.
  std::string daemon_log() { return read_file(data_ / "daemon" / "daemon.log"); }

  /// Waits until the daemon's log has `needle` `times` times (up to 30 s).
  bool wait_log(const std::string& needle, int times = 1)
  {
    for (int i = 0; i < 300; ++i) {
      std::string log = fs::exists(data_ / "daemon" / "daemon.log") ? daemon_log() : "";
      int seen = 0;
      for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++seen;
      if (seen >= times) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
};

} // namespace

TEST_F(Schedule, AddListShowPauseResumeRemove)
{
  Json added = add({"--name", "nightly", "--cron", "0 3 * * *", "--timezone", "UTC"}, {"echo", "hi"});
  EXPECT_EQ(added["name"], "nightly");
  EXPECT_EQ(added["timezone"], "UTC");
  EXPECT_EQ(added["catch_up"], "skip");
  ASSERT_EQ(added["next_firings"].size(), 5u) << added.dump(2);
  for (const auto& t : added["next_firings"]) {
    EXPECT_NE(t.get<std::string>().find("T03:00:00.000Z"), std::string::npos) << t;
  }
  EXPECT_EQ(added["command"], Json::array({"echo", "hi"}));

  auto list = run({"schedule", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_THAT(list.out, HasSubstr("nightly"));
  EXPECT_THAT(list.out, HasSubstr("0 3 * * *"));
  EXPECT_THAT(list.out, HasSubstr("active"));

  auto paused = run({"schedule", "pause", "nightly", "--json"});
  ASSERT_EQ(paused.exit_code, 0) << paused.describe();
  EXPECT_EQ(paused.payload()["paused"], true);
  EXPECT_TRUE(paused.payload()["next_firings"].empty());
  auto show = run({"schedule", "show", added["id"].get<std::string>().substr(0, 8)});
  ASSERT_EQ(show.exit_code, 0) << show.describe();
  EXPECT_THAT(show.out, HasSubstr("state     paused"));
  auto resumed = run({"schedule", "resume", "nightly", "--json"});
  EXPECT_EQ(resumed.payload()["paused"], false);

  auto removed = run({"schedule", "remove", "nightly"});
  ASSERT_EQ(removed.exit_code, 0) << removed.describe();
  auto gone = run({"schedule", "show", "nightly"});
  EXPECT_EQ(gone.exit_code, 1) << gone.describe();
  EXPECT_THAT(gone.err, HasSubstr("no schedule named or with id \"nightly\""));
  EXPECT_THAT(run({"schedule", "list"}).out, HasSubstr("No schedules."));

  auto next = run({"schedule", "next", "--cron", "@daily", "--timezone", "UTC", "--count", "2"});
  ASSERT_EQ(next.exit_code, 0) << next.describe();
  EXPECT_THAT(next.out, HasSubstr("T00:00:00.000Z"));
}

TEST_F(Schedule, BadInputIsRefusedAndNothingIsStored)
{
  struct Case { std::vector<std::string> args; const char* says; };
  std::vector<Case> cases = {
    {{"--name", "a", "--cron", "0 3 * *", "--", "true"}, "--cron: cron expression \"0 3 * *\" has 4 field(s)"},
    {{"--name", "a", "--cron", "61 * * * *", "--", "true"}, "minute field \"61\": out of range"},
    {{"--name", "a", "--cron", "0 0 31 2 *", "--", "true"}, "never fires"},
    {{"--name", "a", "--cron", "@daily", "--timezone", "Moon/Base", "--", "true"}, "unknown time zone \"Moon/Base\""},
    {{"--name", "a", "--cron", "@daily", "--catch-up", "all", "--", "true"}, "--catch-up all: expected skip"},
    {{"--name", "a", "--cron", "@daily"}, "give the command after `--`"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"schedule", "add"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(c.says)) << r.describe();
  }
  add({"--name", "dup", "--cron", "@daily"}, {"true"});
  auto dup = run({"schedule", "add", "--name", "dup", "--cron", "@hourly", "--", "true"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_THAT(dup.err, HasSubstr("a schedule named \"dup\" already exists"));
  auto list = run({"schedule", "list", "--json"});
  EXPECT_EQ(list.payload()["count"], 1);
  // A command missing now is a warning: the runs will fail until it exists.
  auto missing = run({"schedule", "add", "--name", "m", "--cron", "@daily", "--", "no-such-cmd-hb"});
  EXPECT_EQ(missing.exit_code, 0) << missing.describe();
  EXPECT_THAT(missing.err, HasSubstr("warning: `no-such-cmd-hb` is not found on PATH"));
}

TEST_F(Schedule, TheDaemonFiresAMissedSlotOnceAndNotAgainAfterARestart)
{
  fs::path marker = work_ / "fired";
  Json added = add({"--name", "yearly", "--cron", "0 0 1 1 *", "--timezone", "UTC", "--catch-up", "once",
                    "--cwd", work_.string()},
                   {"sh", "-c", "echo fired >> " + marker.string()});
  // As if the schedule had been added 400 days ago and no daemon ran since.
  sqlite("UPDATE schedules SET cursor_at = cursor_at - 400 * 86400000");
  ASSERT_FALSE(start_daemon().empty());
  ASSERT_TRUE(wait_log("fired run")) << daemon_log();
  Json runs;
  for (int i = 0; i < 300; ++i) {
    runs = scheduled_runs();
    if (runs.size() == 1 && runs[0]["status"] == "succeeded") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["status"], "succeeded") << runs.dump(2);
  EXPECT_EQ(read_file(marker), "fired\n");

  auto show = run({"schedule", "show", "yearly", "--json"});
  Json slots = show.payload()["slots"];
  ASSERT_GE(slots.size(), 1u) << show.describe();
  EXPECT_EQ(slots[0]["outcome"], "fired");
  EXPECT_EQ(slots[0]["run_id"], runs[0]["id"]);
  EXPECT_THAT(slots[0]["reason"].get<std::string>(), HasSubstr("--catch-up once"));

  // A restart finds the slot recorded: nothing fires again.
  ASSERT_EQ(run({"daemon", "stop"}).exit_code, 0);
  ASSERT_FALSE(start_daemon().empty());
  ASSERT_TRUE(wait_log("this daemon fires the schedules", 2)) << daemon_log();
  std::this_thread::sleep_for(2s); // two more ticks
  EXPECT_EQ(scheduled_runs().size(), 1u);
  EXPECT_EQ(read_file(marker), "fired\n");
}

TEST_F(Schedule, AFiredRunWhoseCommandIsMissingFailsAndTheScheduleStays)
{
  add({"--name", "broken", "--cron", "0 0 1 1 *", "--timezone", "UTC", "--catch-up", "once"},
      {"no-such-command-for-homeboy"});
  sqlite("UPDATE schedules SET cursor_at = cursor_at - 400 * 86400000");
  ASSERT_FALSE(start_daemon().empty());
  Json runs;
  for (int i = 0; i < 300; ++i) {
    runs = scheduled_runs();
    if (runs.size() == 1 && runs[0]["status"] == "failed") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_EQ(runs[0]["terminal_reason"], "spawn_failed") << runs.dump(2);
  auto show = run({"schedule", "show", "broken", "--json"});
  EXPECT_EQ(show.payload()["paused"], false);
  EXPECT_EQ(show.payload()["next_firings"].size(), 5u);
}

TEST_F(Schedule, TheApiManagesSchedules)
{
  ASSERT_FALSE(start_daemon().empty());
  Json body = {{"name", "api"}, {"cron", "30 4 * * 1-5"}, {"timezone", "Europe/Berlin"},
               {"argv", {"echo", "x"}}, {"cwd", work_.string()}};
  auto created = http("POST", "/api/v1/schedules", body.dump());
  ASSERT_EQ(created.status, 201) << created.describe();
  EXPECT_EQ(created.json()["schedule"]["timezone"], "Europe/Berlin");
  EXPECT_EQ(created.json()["schedule"]["next_firings"].size(), 5u);

  auto again = http("POST", "/api/v1/schedules", body.dump());
  EXPECT_EQ(again.status, 409) << again.describe();
  Json bad = body;
  bad["name"] = "other";
  bad["cron"] = "99 * * * *";
  auto invalid = http("POST", "/api/v1/schedules", bad.dump());
  EXPECT_EQ(invalid.status, 400) << invalid.describe();
  EXPECT_THAT(invalid.json()["error"]["message"].get<std::string>(), HasSubstr("minute field"));
  bad = body;
  bad["colour"] = "red";
  EXPECT_EQ(http("POST", "/api/v1/schedules", bad.dump()).status, 400);
  bad = body;
  bad["argv"] = "echo x";
  auto typed = http("POST", "/api/v1/schedules", bad.dump());
  EXPECT_EQ(typed.status, 400);
  EXPECT_THAT(typed.json()["error"]["message"].get<std::string>(), HasSubstr("`argv` must be an array"));

  auto list = http("GET", "/api/v1/schedules");
  ASSERT_EQ(list.status, 200) << list.describe();
  EXPECT_EQ(list.json()["count"], 1);
  auto paused = http("POST", "/api/v1/schedules/api/pause", "{}");
  ASSERT_EQ(paused.status, 200) << paused.describe();
  EXPECT_EQ(paused.json()["schedule"]["paused"], true);
  EXPECT_EQ(http("POST", "/api/v1/schedules/api/resume", "{}").json()["schedule"]["paused"], false);
  auto shown = http("GET", "/api/v1/schedules/api");
  EXPECT_EQ(shown.status, 200);
  EXPECT_EQ(http("GET", "/api/v1/schedules/nope").status, 404);

  auto next = http("GET", "/api/v1/cron/next?cron=0%203%20*%20*%20*&timezone=UTC&count=3");
  ASSERT_EQ(next.status, 200) << next.describe();
  EXPECT_EQ(next.json()["next_firings"].size(), 3u);
  EXPECT_EQ(http("GET", "/api/v1/cron/next?cron=0%200%2030%202%20*").status, 400);
  EXPECT_EQ(http("GET", "/api/v1/cron/next?cron=nonsense").status, 400);

  auto removed = http("DELETE", "/api/v1/schedules/api");
  EXPECT_EQ(removed.status, 200) << removed.describe();
  EXPECT_EQ(http("GET", "/api/v1/schedules").json()["count"], 0);
}

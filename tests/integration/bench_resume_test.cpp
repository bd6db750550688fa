// `homeboy bench --resume RUN` as a user sees it: a bench killed after two
// of its three scenarios is settled by `runs reconcile`, and the resumed
// bench measures only the third, records all three in a new run that says
// where each came from, and links both runs; resuming what cannot be
// resumed is refused with the reason.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <thread>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchResume : public HomeboyTest
{
protected:
  /// Starts `bench steps`, waits until the runner finished scenarios a and
  /// b, then SIGKILLs homeboy and the runner; returns the run, settled by
  /// `runs reconcile`.
  std::string killed_after_b()
  {
    fs::path marker = root_ / "stalled";
    RunOptions options;
    options.env = {{"STEPWISE_STALL_AFTER", "b"}, {"STEPWISE_MARKER", marker.string()}};
    auto bench = start({"bench", "steps"}, options);
    for (int i = 0; i < 300 && !fs::exists(marker); ++i) std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(fs::exists(marker)) << "the runner never reached scenario b";
    std::this_thread::sleep_for(50ms); // the marker is written before the sleep starts
    ::kill(bench->pid(), SIGKILL);
    int pgid = std::atoi(read_file(marker).c_str());
    if (pgid > 1) ::kill(-pgid, SIGKILL);
    bench->wait();
    auto settled = run({"runs", "reconcile"});
    EXPECT_EQ(settled.exit_code, 0) << settled.describe();
    auto runs = list_runs({"--kind", "bench"});
    EXPECT_EQ(runs.size(), 1u);
    if (runs.empty()) return "";
    EXPECT_EQ(runs[0]["run_status"], "failed") << runs[0].dump(2);
    return runs[0]["id"];
  }
};

} // namespace

TEST_F(BenchResume, MeasuresOnlyWhatTheKilledBenchLeftAndSaysWhereEachCameFrom)
{
  fs::path dir = make_component("steps", "stepwise.sh");
  std::string killed = killed_after_b();
  ASSERT_FALSE(killed.empty());

  auto resumed = run({"bench", "steps", "--resume", killed.substr(0, 8), "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.describe();
  std::string log = read_file(dir / "stepwise.log");
  EXPECT_THAT(log, HasSubstr("run all\nrun c\n")) << "only c is measured again:\n" << log;

  auto runs = list_runs({"--kind", "bench", "--status", "succeeded"});
  ASSERT_EQ(runs.size(), 1u);
  Json fresh = show_run(runs[0]["id"]);
  Json resume = fresh["metadata"]["resume"];
  EXPECT_EQ(resume["from_run"], killed) << fresh.dump(2);
  EXPECT_EQ(resume["kept"], Json::array({"a", "b"}));
  EXPECT_EQ(resume["measured"], Json::array({"c"}));
  EXPECT_EQ(resume["scenarios"]["a"], killed);
  EXPECT_EQ(resume["scenarios"]["c"], runs[0]["id"]);
  EXPECT_EQ(fresh["scenario_ids"], Json::array({"a", "b", "c"})) << fresh.dump(2);

  auto events = run({"runs", "events", killed, "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.describe();
  EXPECT_THAT(events.out, HasSubstr("\"resumed\"")) << events.describe();
  EXPECT_THAT(events.out, HasSubstr(runs[0]["id"].get<std::string>())) << events.describe();
}

TEST_F(BenchResume, RefusesWhatCannotBeResumed)
{
  make_component("steps", "stepwise.sh");
  std::string killed = killed_after_b();
  ASSERT_FALSE(killed.empty());

  auto changed = run({"bench", "steps", "--resume", killed, "--iterations", "4"});
  EXPECT_EQ(changed.exit_code, 2) << changed.describe();
  EXPECT_THAT(changed.err, HasSubstr("it measured differently"));
  auto runs2 = run({"bench", "steps", "--resume", killed, "--runs", "2"});
  EXPECT_EQ(runs2.exit_code, 2) << runs2.describe();
  EXPECT_THAT(runs2.err, HasSubstr("--resume continues one interrupted invocation"));

  auto done = run({"bench", "steps", "--resume", killed});
  ASSERT_EQ(done.exit_code, 0) << done.describe();
  EXPECT_THAT(done.out, HasSubstr("Resumed run " + killed + ": kept a, b; measured c"));
  std::string finished = list_runs({"--kind", "bench", "--status", "succeeded"}).at(0)["id"];
  auto again = run({"bench", "steps", "--resume", finished});
  EXPECT_EQ(again.exit_code, 2) << again.describe();
  EXPECT_THAT(again.err, HasSubstr("there is nothing to resume"));
  auto missing = run({"bench", "steps", "--resume", "no-such-run"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(list_runs({"--kind", "bench"}).size(), 2u) << "refusals record nothing";
}

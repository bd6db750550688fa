// homeboy bench under concurrency and interruption: two benches of one
// component at once, and SIGINT/SIGTERM while a runner is working.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchConcurrency : public HomeboyTest
{
protected:
  /// Starts a bench of a sleeper component, waits for the runner's pid file
  /// and returns {homeboy process, runner pid, sleep child pid}.
  struct Started
  {
    std::unique_ptr<Process> homeboy;
    pid_t runner = 0;
    pid_t child = 0;
  };

  Started start_sleeper(const std::string& id, const std::vector<std::string>& extra = {})
  {
    Started s;
    fs::path dir = make_component(id, "sleeper.sh");
    std::vector<std::string> args = {"bench", id, "--iterations", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions options;
    options.timeout = 20s;
    s.homeboy = start(args, options);
    if (!s.homeboy) return s;
    fs::path pidfile = dir / "runner.pid";
    if (!wait_for_file(pidfile, 10s)) {
      ADD_FAILURE() << "the runner never wrote " << pidfile;
      return s;
    }
    std::ifstream in(pidfile);
    in >> s.runner >> s.child;
    return s;
  }

  static bool wait_gone(pid_t pid, std::chrono::milliseconds timeout)
  {
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < timeout) {
      if (process_gone(pid)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return process_gone(pid);
  }
};

TEST_F(BenchConcurrency, TwoBenchesOfOneComponentAtOnceAreBothRecorded)
{
  make_component("shared", "two_scenarios.sh");
  // Each runner sleeps a little so the two runs surely overlap.
  std::vector<std::string> args = {"bench", "shared", "--iterations", "3", "--setting",
                                   "delay_s=0.6", "--json"};
  auto first = start(args);
  auto second = start(args);
  ASSERT_TRUE(first && second);
  auto a = first->wait();
  auto b = second->wait();
  ASSERT_EQ(a.exit_code, 0) << a.describe();
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  std::string id_a = a.payload()["persisted_run"].value("run_id", "a");
  std::string id_b = b.payload()["persisted_run"].value("run_id", "b");
  EXPECT_NE(id_a, id_b);

  auto runs = list_runs({"--component", "shared"});
  ASSERT_EQ(runs.size(), 2u);
  auto listed = ids_of(runs);
  std::set<std::string> ids(listed.begin(), listed.end());
  EXPECT_EQ(ids, (std::set<std::string>{id_a, id_b}));
  for (const auto& rec : runs) EXPECT_EQ(rec["run_status"], "succeeded") << rec.dump();
  // Both got their own results.
  for (const auto& id : {id_a, id_b}) {
    Json rec = show_run(id);
    EXPECT_EQ(rec["scenario_ids"].size(), 2u) << rec.dump(2);
  }
}

TEST_F(BenchConcurrency, ConcurrentBaselineSavesLeaveAValidHomeboyJson)
{
  fs::path dir = make_component("shared", "two_scenarios.sh",
                                ComponentOptions{true, {{"keep_me", "yes"}}, std::nullopt});
  std::vector<std::unique_ptr<Process>> procs;
  for (int i = 0; i < 3; ++i) {
    procs.push_back(start({"bench", "shared", "--iterations", "2", "--baseline"}));
  }
  for (auto& p : procs) {
    ASSERT_TRUE(p);
    auto r = p->wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  Json doc = Json::parse(read_file(dir / "homeboy.json"), nullptr, false);
  ASSERT_TRUE(doc.is_object()) << read_file(dir / "homeboy.json");
  EXPECT_EQ(doc["keep_me"], "yes");
  EXPECT_EQ(doc["baselines"]["bench"]["item_count"], 2);
  EXPECT_EQ(list_runs().size(), 3u);
  // No temp files left beside the user's file.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find("homeboy.json."), std::string::npos)
      << entry.path();
  }
}

TEST_F(BenchConcurrency, ConcurrentFirstUseOfAFreshStoreNeverReportsLocked)
{
  // Several rounds, each on a brand-new data dir: the first benches against
  // a store race to create it. None may fail with "database is locked".
  make_component("fresh", "two_scenarios.sh");
  for (int round = 0; round < 6; ++round) {
    RunOptions o;
    o.env["HOMEBOY_DATA_DIR"] = (root_ / ("fresh-data-" + std::to_string(round))).string();
    std::vector<std::unique_ptr<Process>> procs;
    for (int i = 0; i < 4; ++i) {
      procs.push_back(start({"bench", "fresh", "--iterations", "1", "--setting", "delay_s=0.3", "--json"}, o));
    }
    for (auto& p : procs) {
      ASSERT_TRUE(p);
      auto r = p->wait();
      EXPECT_EQ(r.exit_code, 0) << "round " << round << "\n" << r.describe();
      EXPECT_THAT(r.out, ::testing::Not(HasSubstr("database is locked")));
    }
    auto list = run_with({"runs", "list", "--json"}, o);
    ASSERT_EQ(list.exit_code, 0) << list.describe();
    EXPECT_EQ(list.payload()["runs"].size(), 4u) << "round " << round;
  }
}

TEST_F(BenchConcurrency, SigintCancelsTheRunAndStopsTheRunner)
{
  auto s = start_sleeper("sleepy");
  ASSERT_TRUE(s.homeboy);
  ASSERT_GT(s.runner, 0);
  ASSERT_GT(s.child, 0);
  ASSERT_FALSE(process_gone(s.runner)) << "the runner should still be sleeping";

  ASSERT_EQ(::kill(s.homeboy->pid(), SIGINT), 0);
  auto r = s.homeboy->wait();
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.exit_code, 130) << r.describe();
  EXPECT_LT(r.elapsed, 15s) << "homeboy must not wait for the 60 s sleep";
  EXPECT_THAT(r.err, HasSubstr("interrupted"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("woke up without being stopped")));

  EXPECT_TRUE(wait_gone(s.runner, 5s)) << "runner pid " << s.runner << " still alive";
  EXPECT_TRUE(wait_gone(s.child, 5s)) << "runner's child pid " << s.child << " still alive";

  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "cancelled");
  EXPECT_EQ(runs[0]["exit_code"], 130);
  EXPECT_FALSE(runs[0]["finished_at"].is_null());
  EXPECT_TRUE(list_runs({"--status", "running"}).empty());
  EXPECT_EQ(sqlite("SELECT count(*) FROM runs WHERE status = 'running';"), "0");
}

TEST_F(BenchConcurrency, SigintWithJsonStillPrintsAnEnvelope)
{
  auto s = start_sleeper("sleepy", {"--json"});
  ASSERT_TRUE(s.homeboy);
  ASSERT_GT(s.runner, 0);
  ASSERT_EQ(::kill(s.homeboy->pid(), SIGINT), 0);
  auto r = s.homeboy->wait();
  EXPECT_EQ(r.exit_code, 130) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["exit_code"], 130);
  EXPECT_EQ(p["passed"], false);
  EXPECT_EQ(p["failure"]["code"], "bench.interrupted");
  std::string id = p["persisted_run"].value("run_id", "");
  EXPECT_EQ(show_run(id)["run_status"], "cancelled");
}

TEST_F(BenchConcurrency, SigtermAlsoCancels)
{
  auto s = start_sleeper("sleepy");
  ASSERT_TRUE(s.homeboy);
  ASSERT_GT(s.runner, 0);
  ASSERT_EQ(::kill(s.homeboy->pid(), SIGTERM), 0);
  auto r = s.homeboy->wait();
  EXPECT_EQ(r.exit_code, 143) << r.describe();
  EXPECT_TRUE(wait_gone(s.runner, 5s));
  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_status"], "cancelled");
  EXPECT_EQ(sqlite("SELECT count(*) FROM runs WHERE status = 'running';"), "0");
}

} // namespace

namespace {

class Reconcile : public BenchConcurrency
{
};

TEST_F(Reconcile, SettlesRunsWhoseOwnerWasKilledAndLeavesLiveOnesAlone)
{
  // A bench whose homeboy dies with SIGKILL cannot settle its own run.
  auto killed = start_sleeper("killed");
  ASSERT_TRUE(killed.homeboy);
  ASSERT_GT(killed.runner, 0);
  ASSERT_EQ(::kill(killed.homeboy->pid(), SIGKILL), 0);
  killed.homeboy->wait();
  ::kill(-killed.runner, SIGKILL); // the orphaned runner's group
  auto orphan = list_runs({"--status", "running"});
  ASSERT_EQ(orphan.size(), 1u) << "the killed bench left its run running";
  std::string orphan_id = orphan[0]["id"];

  // A live bench is left alone.
  auto live = start_sleeper("live");
  ASSERT_TRUE(live.homeboy);
  ASSERT_GT(live.runner, 0);

  auto dry = run({"runs", "reconcile", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.describe();
  Json dp = dry.payload();
  EXPECT_EQ(dp["settled"], 0);
  std::map<std::string, std::string> actions;
  for (const auto& r : dp["runs"]) actions[r["id"]] = r["action"];
  EXPECT_EQ(actions[orphan_id], "would_settle") << dp.dump(2);
  EXPECT_EQ(list_runs({"--status", "running"}).size(), 2u) << "a dry run changes nothing";

  auto real = run({"runs", "reconcile"});
  ASSERT_EQ(real.exit_code, 0) << real.describe();
  EXPECT_THAT(real.out, HasSubstr("Settled 1 run."));
  EXPECT_THAT(real.out, HasSubstr("is still running"));
  Json settled = show_run(orphan_id);
  EXPECT_EQ(settled["run_status"], "failed");
  EXPECT_EQ(settled["terminal_reason"], "owner_gone");
  EXPECT_FALSE(settled["finished_at"].is_null());
  EXPECT_EQ(settled["metadata"]["reconciled"]["previous_status"], "running");

  // The live bench still finishes and settles its own run.
  ASSERT_EQ(::kill(live.homeboy->pid(), SIGINT), 0);
  EXPECT_EQ(live.homeboy->wait().exit_code, 130);
  EXPECT_TRUE(list_runs({"--status", "running"}).empty());
  auto nothing = run({"runs", "reconcile"});
  EXPECT_THAT(nothing.out, HasSubstr("nothing to reconcile"));
}

} // namespace

// kill -9 torture (issue 11): benches (half of them saving a baseline) and
// registry runs are SIGKILLed at random instants, over and over. Afterwards
// nothing may be lost, stuck, inconsistent or left running:
//   - every registry run that `runs start` acknowledged is in the store;
//   - after `runs reconcile`, no run is booting, running or collecting;
//   - the baseline in homeboy.json names a run the store records as
//     succeeded with baseline.saved, and no run still says pending;
//   - no runner, and no child a runner started, outlives its killed owner;
//   - SQLite's integrity check passes.
// HOMEBOY_TORTURE_ITERATIONS (default 40) and HOMEBOY_TORTURE_SEED set the
// size and the random sequence; the figures are printed for bench/RESULTS.md.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <thread>

using namespace hbit;

namespace {

class Torture : public HomeboyTest
{
protected:
  static std::uint64_t env_number(const char* name, std::uint64_t fallback)
  {
    const char* value = std::getenv(name);
    return value && *value ? std::strtoull(value, nullptr, 10) : fallback;
  }

  // A recorded pid still running one of the fixture's processes.
  static bool fixture_process_alive(const std::string& pid)
  {
    std::ifstream cmdline("/proc/" + pid + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    for (char& c : text) c = c == '\0' ? ' ' : c;
    bool ours = text.find("torture.sh") != std::string::npos
                || text.find("sleep 30") != std::string::npos;
    return ours && !process_gone(std::stoi(pid));
  }
};

TEST_F(Torture, KillsAtRandomInstantsLoseNothingAndLeaveNothingBehind)
{
  const std::uint64_t iterations = env_number("HOMEBOY_TORTURE_ITERATIONS", 40);
  const std::uint64_t seed = env_number("HOMEBOY_TORTURE_SEED", 20261204);
  std::mt19937_64 rng(seed);
  auto dir = make_component("tortured", "torture.sh");
  const fs::path pids = dir / "pids";

  std::size_t benches = 0, registry_runs = 0, kills = 0;
  std::set<std::string> acknowledged; // registry run ids `runs start` printed
  for (std::uint64_t i = 0; i < iterations; ++i) {
    const auto delay = std::chrono::milliseconds(rng() % 400);
    if (rng() % 10 < 7) {
      ++benches;
      std::vector<std::string> args = {"bench", "tortured", "--iterations", "3"};
      if (rng() % 2) args.push_back("--baseline");
      auto bench = start(args);
      std::this_thread::sleep_for(delay);
      kills += ::kill(bench->pid(), SIGKILL) == 0 ? 1 : 0;
      bench->wait();
    } else {
      ++registry_runs;
      auto started = run({"runs", "start", "--json", "--env",
                          "HOMEBOY_COMPONENT_PATH=" + dir.string(), "--env",
                          "HOMEBOY_BENCH_RESULTS_FILE=" + (root_ / "registry-results.json").string(),
                          "--", "bash", (dir / "runner.sh").string()});
      ASSERT_EQ(started.exit_code, 0) << started.describe();
      const std::string id = started.payload()["run_id"].get<std::string>();
      acknowledged.insert(id);
      std::this_thread::sleep_for(delay);
      Json shown = show_run(id);
      if (shown["owner_pid"].is_number_integer()) {
        // Only the run's supervisor, never whatever reused an exited pid.
        const int owner = shown["owner_pid"].get<int>();
        std::ifstream cmdline("/proc/" + std::to_string(owner) + "/cmdline");
        std::string text((std::istreambuf_iterator<char>(cmdline)),
                         std::istreambuf_iterator<char>());
        if (text.find("supervise") != std::string::npos) {
          kills += ::kill(owner, SIGKILL) == 0 ? 1 : 0;
        }
      }
    }
  }
  // Let supervisors that were not killed finish, then settle the dead.
  std::this_thread::sleep_for(500ms);
  auto reconciled = run({"runs", "reconcile", "--json"});
  ASSERT_EQ(reconciled.exit_code, 0) << reconciled.describe();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<Json> runs;
  std::size_t stuck = 0;
  do {
    runs = list_runs();
    stuck = 0;
    for (const auto& r : runs) {
      const std::string status = r["status"].get<std::string>();
      stuck += status == "booting" || status == "running" || status == "collecting_artifacts";
    }
    if (stuck == 0) break;
    std::this_thread::sleep_for(200ms);
    run({"runs", "reconcile"});
  } while (std::chrono::steady_clock::now() < deadline);

  std::set<std::string> stored;
  for (const auto& r : runs) stored.insert(r["id"].get<std::string>());
  std::size_t lost = 0;
  for (const auto& id : acknowledged) lost += stored.count(id) ? 0 : 1;

  std::size_t inconsistent = 0;
  for (const auto& r : runs) {
    if (r["kind"] != "bench") continue;
    Json shown = show_run(r["id"].get<std::string>());
    if (shown["metadata"].value("baseline", Json::object()).contains("pending")) ++inconsistent;
  }
  auto doc = Json::parse(read_file(dir / "homeboy.json"), nullptr, false);
  std::string baseline_run;
  if (doc.is_object() && doc.contains("baselines") && doc["baselines"].contains("bench")) {
    baseline_run = doc["baselines"]["bench"]["metadata"].value("run_id", "");
    Json shown = show_run(baseline_run);
    bool agrees = shown["run_status"] == "succeeded"
                  && shown["metadata"].value("baseline", Json::object()).value("saved", false);
    inconsistent += agrees ? 0 : 1;
    EXPECT_TRUE(agrees) << "baseline from run " << baseline_run << ": " << shown.dump(2);
  }

  std::size_t orphans = 0;
  deadline = std::chrono::steady_clock::now() + 5s;
  do {
    orphans = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(pids, ec)) {
      orphans += fixture_process_alive(entry.path().filename().string()) ? 1 : 0;
    }
    if (orphans == 0) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);

  if (orphans) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(pids, ec)) {
      const std::string pid = entry.path().filename().string();
      if (fixture_process_alive(pid)) {
        ADD_FAILURE() << "orphan " << pid << ": " << read_file("/proc/" + pid + "/stat");
      }
    }
  }
  const std::string integrity = sqlite("PRAGMA integrity_check");
  std::printf("torture: seed %llu, %llu iterations (%zu benches, %zu registry runs), %zu kills, "
              "%zu runs stored; lost %zu, stuck %zu, inconsistent baselines %zu, orphans %zu, "
              "integrity %s\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iterations),
              benches, registry_runs, kills, runs.size(), lost, stuck, inconsistent, orphans,
              integrity.c_str());
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(stuck, 0u);
  EXPECT_EQ(inconsistent, 0u);
  EXPECT_EQ(orphans, 0u);
  EXPECT_EQ(integrity, "ok");
}

} // namespace

#pragma once
// The Registry fixture the registry's integration tests share
// (registry_test.cpp, registry_attempts_test.cpp): queue, status, settle and
// wait for runs through the real binary, a worker, and a TearDown that
// kills every detached supervisor and command a test left running.

#include "integration/harness.hpp"

#include <csignal>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hbit {

using namespace std::chrono_literals;

inline std::string
trim(std::string s)
{
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline bool
active(const Json& s)
{
  std::string st = s["status"];
  return st == "running";
}

class Registry : public HomeboyTest
{
protected:
  void TearDown() override
  {
    // Detached supervisors (and their commands) must not outlive the test.
    if (!fs::exists(data_ / "homeboy.sqlite")) return HomeboyTest::TearDown();
    std::string rows = sqlite(
      "SELECT coalesce(owner_pid, 0) || ' ' || coalesce(json_extract(metadata, '$.runtime.pgid'), 0) "
      "FROM runs WHERE status IN ('booting', 'running', 'collecting_artifacts')");
    std::istringstream in(rows);
    int owner = 0, pgid = 0;
    while (in >> owner >> pgid) {
      if (pgid > 1) ::kill(-pgid, SIGKILL);
      if (owner > 1) ::kill(owner, SIGKILL);
    }
    HomeboyTest::TearDown();
  }

  /// `homeboy runs <verb> [options] -- argv...`: the printed run id.
  std::string queue(const std::string& verb, const std::vector<std::string>& options,
                    const std::vector<std::string>& argv, const EnvOverrides& env = {})
  {
    std::vector<std::string> args = {"runs", verb};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), argv.begin(), argv.end());
    auto r = run(args, env);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::string id = trim(r.out);
    EXPECT_EQ(id.size(), 36u) << r.describe();
    return id;
  }

  Json status(const std::string& id)
  {
    auto r = run({"runs", "status", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload();
  }

  /// Waits (up to 30 s) for the run to settle; returns its status payload.
  Json settle(const std::string& id)
  {
    auto r = run_with({"runs", "status", id, "--wait", "--timeout", "30s", "--json"}, {.timeout = 40s});
    EXPECT_NE(r.exit_code, 124) << r.describe();
    return r.payload();
  }

  /// Waits until `pred` holds for the run's status payload (up to 20 s).
  Json wait_for(const std::string& id, const std::function<bool(const Json&)>& pred)
  {
    Json s;
    if (eventually([&] { return pred(s = status(id)); }, 20s)) return s;
    ADD_FAILURE() << "run " << id << " never reached the expected state: " << status(id).dump();
    return status(id);
  }

  std::vector<Json> artifacts(const std::string& id)
  {
    auto r = run({"runs", "artifacts", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload()["artifacts"].get<std::vector<Json>>();
  }

  std::unique_ptr<Process> worker(const std::vector<std::string>& extra = {})
  {
    std::vector<std::string> args = {"worker"};
    args.insert(args.end(), extra.begin(), extra.end());
    return start(args, {.timeout = 60s});
  }

  struct Started
  {
    std::string id;
    int supervisor = 0; // the run's supervisor
    int child = 0;      // a `sleep 60` the command left in the background
  };

  /// `runs start` of a command that leaves a `sleep 60` behind (in a process
  /// group of its own when `own_group`), once it is running.
  Started start_with_child(const std::vector<std::string>& options, bool own_group = false)
  {
    std::string sleeper = own_group ? "perl -e 'setpgrp(0, 0); exec @ARGV' sleep 60" : "sleep 60";
    Started out;
    out.id = queue("start", options, {"sh", "-c", sleeper + " & echo $! > bg.pid; wait"});
    EXPECT_TRUE(wait_for_file(work_ / "bg.pid", 20s));
    out.supervisor = wait_for(out.id, active)["owner_pid"];
    out.child = std::stoi(read_file(work_ / "bg.pid"));
    if (own_group) {
      EXPECT_TRUE(eventually([&] { return ::getpgid(out.child) == out.child; }))
        << "the child did not leave the command's process group";
    }
    return out;
  }

  /// Whether `pred` holds within `timeout`.
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s)
  {
    auto start = std::chrono::steady_clock::now();
    while (!pred()) {
      if (std::chrono::steady_clock::now() - start > timeout) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  /// Every file under the data dir (store, WAL, artifacts) as one string.
  std::string everything_written()
  {
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(data_)) {
      if (entry.is_regular_file()) all += read_file(entry.path());
    }
    return all;
  }
};


} // namespace hbit

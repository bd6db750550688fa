// Invocation isolation and the resource policy as a user sees them
// (docs/isolation.md): two benches at once with sockets and ports that do
// not collide, named leases that refuse a second bench and name the holder,
// a killed bench's lease pruned by the next, a runtime root owned by someone
// else refused, `doctor resources` under load, the bench's warm/hot warning
// and --force-hot, and the bad inputs.

#include "harness.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <thread>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hbit {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

/// True once `dir` holds an entry (a runner marked itself there).
bool
wait_for_file_in(const fs::path& dir, std::chrono::milliseconds timeout)
{
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < timeout) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::string
fmt_pid(pid_t pid)
{
  return "(pid " + std::to_string(pid) + ",";
}

class Isolation : public HomeboyTest
{
protected:
  /// Component `id` running isolation_probe.sh, pinned by rig `id` whose
  /// workload asks for `workload` (port_range_size, named_leases).
  fs::path make_pinned(const std::string& id, const Json& workload)
  {
    fs::path dir = make_component(id, "isolation_probe.sh");
    write_file(dir / "bench" / "server.mjs", "// workload\n");
    Json entry = {{"path", "${components." + id + ".path}/bench/server.mjs"}};
    entry.merge_patch(workload);
    Json spec = {{"id", id},
                 {"components", {{id, {{"path", dir.string()}}}}},
                 {"bench", {{"default_component", id}}},
                 {"bench_workloads", {{"component-script", Json::array({entry})}}}};
    write_file(config_ / "rigs" / (id + ".json"), spec.dump(2));
    return dir;
  }

  fs::path barrier()
  {
    fs::path b = root_ / "barrier";
    fs::create_directories(b);
    return b;
  }

  std::vector<fs::path> lease_files()
  {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(config_ / "invocation-leases", ec)) {
      if (e.path().extension() == ".json") out.push_back(e.path());
    }
    return out;
  }
};

TEST_F(Isolation, TwoBenchesAtOnceBindASocketAndAPortEachWithoutCollision)
{
  fs::path a = make_pinned("a", {{"port_range_size", 4}});
  fs::path b = make_pinned("b", {{"port_range_size", 4}});
  RunOptions opts;
  opts.env = {{"ISOLATION_BARRIER", barrier().string()}, {"ISOLATION_PEERS", "2"}};
  auto first = start({"bench", "--rig", "a", "--iterations", "1", "--json"}, opts);
  auto second = start({"bench", "--rig", "b", "--iterations", "1", "--json"}, opts);
  auto ra = first->wait();
  auto rb = second->wait();
  ASSERT_EQ(ra.exit_code, 0) << ra.describe();
  ASSERT_EQ(rb.exit_code, 0) << rb.describe();

  auto ea = read_env_dump(a / "env.bin");
  auto eb = read_env_dump(b / "env.bin");
  EXPECT_NE(ea["HOMEBOY_INVOCATION_ID"], eb["HOMEBOY_INVOCATION_ID"]);
  EXPECT_EQ(ea["HOMEBOY_INVOCATION_ID"].size(), 10u);
  fs::path inv_root = root_ / "inv";
  EXPECT_EQ(ea["HOMEBOY_INVOCATION_STATE_DIR"], (inv_root / ea["HOMEBOY_INVOCATION_ID"]).string());
  EXPECT_EQ(ea["HOMEBOY_INVOCATION_ARTIFACT_DIR"], ea["HOMEBOY_INVOCATION_STATE_DIR"] + ".a");
  EXPECT_EQ(ea["HOMEBOY_INVOCATION_TMP_DIR"], ea["HOMEBOY_INVOCATION_STATE_DIR"] + ".t");
  EXPECT_EQ(ea["TMPDIR"], ea["HOMEBOY_INVOCATION_TMP_DIR"]);
  Json context = Json::parse(ea["HOMEBOY_INVOCATION_CONTEXT_JSON"]);
  EXPECT_EQ(context["id"], ea["HOMEBOY_INVOCATION_ID"]);
  int base_a = std::stoi(ea["HOMEBOY_INVOCATION_PORT_BASE"]);
  int base_b = std::stoi(eb["HOMEBOY_INVOCATION_PORT_BASE"]);
  EXPECT_EQ(std::stoi(ea["HOMEBOY_INVOCATION_PORT_MAX"]), base_a + 3);
  EXPECT_TRUE(base_a + 3 < base_b || base_b + 3 < base_a) << base_a << " " << base_b;
  EXPECT_GE(std::min(base_a, base_b), 20000);

  // Torn down: no dirs, no leases; the artifact was kept in the run's dir.
  EXPECT_FALSE(fs::exists(ea["HOMEBOY_INVOCATION_STATE_DIR"]));
  EXPECT_FALSE(fs::exists(ea["HOMEBOY_INVOCATION_ARTIFACT_DIR"]));
  EXPECT_TRUE(lease_files().empty());
  Json run = show_run(ra.payload()["persisted_run"]["run_id"]);
  bool found = false;
  for (const auto& artifact : run["artifacts"]) {
    if (artifact["kind"] != "invocation_artifacts") continue;
    found = true;
    fs::path manifest = artifact["path"].get<std::string>();
    EXPECT_EQ(read_file(manifest.parent_path() / "trace.txt"),
              "trace of " + ea["HOMEBOY_INVOCATION_ID"]);
    EXPECT_THAT(read_file(manifest), HasSubstr("\"path\": \"trace.txt\""));
  }
  EXPECT_TRUE(found) << run.dump(2);
}

TEST_F(Isolation, AHeldNamedLeaseRefusesASecondBenchAndNamesTheHolder)
{
  Json lease = {{"named_leases", Json::array({"playground-browser-profile"})}};
  make_pinned("a", lease);
  fs::path b = make_pinned("b", lease);
  fs::path release = root_ / "release";
  RunOptions opts;
  opts.env = {{"ISOLATION_BARRIER", barrier().string()}, {"ISOLATION_RELEASE", release.string()}};
  auto holder = start({"bench", "--rig", "a", "--iterations", "1", "--json"}, opts);
  ASSERT_TRUE(wait_for_file_in(root_ / "barrier", 20s));

  auto refused = run({"bench", "--rig", "b", "--iterations", "1"});
  EXPECT_NE(refused.exit_code, 0) << refused.describe();
  EXPECT_THAT(refused.err, HasSubstr("named lease `playground-browser-profile` is held by invocation"));
  EXPECT_THAT(refused.err, HasSubstr(fmt_pid(holder->pid())));
  EXPECT_THAT(refused.err, HasSubstr("component a"));
  EXPECT_FALSE(fs::exists(b / "env.bin")) << "the workload never started";

  write_file(release, "");
  auto held = holder->wait();
  EXPECT_EQ(held.exit_code, 0) << held.describe();
  auto after = run({"bench", "--rig", "b", "--iterations", "1"});
  EXPECT_EQ(after.exit_code, 0) << "released with its holder: " << after.describe();
}

TEST_F(Isolation, AKilledBenchsLeaseIsPrunedByTheNext)
{
  Json lease = {{"named_leases", Json::array({"db"})}, {"port_range_size", 2}};
  make_pinned("a", lease);
  make_pinned("b", lease);
  fs::path release = root_ / "release";
  RunOptions opts;
  opts.env = {{"ISOLATION_BARRIER", barrier().string()}, {"ISOLATION_RELEASE", release.string()}};
  auto victim = start({"bench", "--rig", "a", "--iterations", "1"}, opts);
  ASSERT_TRUE(wait_for_file_in(root_ / "barrier", 20s));
  ASSERT_EQ(::kill(victim->pid(), SIGKILL), 0);
  victim->wait();
  write_file(release, ""); // lets an orphaned runner, if any, finish
  auto left = lease_files();
  ASSERT_EQ(left.size(), 1u) << "the killed bench could not remove its lease";
  Json stale = Json::parse(read_file(left.front()));
  std::string state_dir = stale["state_dir"];

  auto next = run({"bench", "--rig", "b", "--iterations", "1"});
  EXPECT_EQ(next.exit_code, 0) << next.describe();
  EXPECT_FALSE(fs::exists(left.front())) << "pruned";
  EXPECT_FALSE(fs::exists(state_dir)) << "its leftover directories went with it";
}

TEST_F(Isolation, ARuntimeRootOwnedByAnotherUserIsRefused)
{
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  fs::path dir = make_component("plain", "isolation_probe.sh");
  fs::path theirs = root_ / "theirs";
  fs::create_directories(theirs);
  ASSERT_EQ(::chmod(theirs.c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  auto r = run({"bench", "plain", "--iterations", "1"},
               {{"HOMEBOY_INVOCATION_RUNTIME_DIR", theirs.string()}});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("invocation root " + theirs.string() + " is owned by uid 65534, not by you"));
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_INVOCATION_RUNTIME_DIR"));
  EXPECT_FALSE(fs::exists(dir / "env.bin")) << "the runner never started";
  EXPECT_TRUE(fs::is_empty(theirs)) << "nothing was created in it";
}

TEST_F(Isolation, ARuntimeDirTooLongForSocketsFailsBeforeAnythingIsCreated)
{
  fs::path dir = make_component("plain", "isolation_probe.sh");
  fs::path deep = root_ / std::string(80, 'd');
  auto r = run({"bench", "plain", "--iterations", "1"},
               {{"HOMEBOY_INVOCATION_RUNTIME_DIR", deep.string()}});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("sockaddr_un"));
  EXPECT_THAT(r.err, HasSubstr("108-byte"));
  EXPECT_THAT(r.err, HasSubstr("32 bytes of headroom"));
  EXPECT_THAT(r.err, HasSubstr("HOMEBOY_INVOCATION_RUNTIME_DIR"));
  EXPECT_FALSE(fs::exists(deep));
  EXPECT_FALSE(fs::exists(dir / "env.bin"));
}

TEST_F(Isolation, PortRangeSizeZeroOrLargerThanThePoolIsABadRig)
{
  make_pinned("zero", {{"port_range_size", 0}});
  auto zero = run({"bench", "--rig", "zero", "--iterations", "1"});
  EXPECT_NE(zero.exit_code, 0) << zero.describe();
  EXPECT_THAT(zero.err, HasSubstr("port_range_size"));
  EXPECT_THAT(zero.err, HasSubstr("must be at least 1"));
  make_pinned("huge", {{"port_range_size", 50000}});
  auto huge = run({"bench", "--rig", "huge", "--iterations", "1"});
  EXPECT_NE(huge.exit_code, 0) << huge.describe();
  EXPECT_THAT(huge.err, HasSubstr("must be at most 41000, the size of the port pool 20000-60999"));
}

TEST_F(Isolation, DoctorResourcesSaysWarmOrHotUnderLoad)
{
  // Two busy loops on a two-core machine (one per core elsewhere).
  long cores = std::max(2L, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::vector<pid_t> loops;
  for (long i = 0; i < cores; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      volatile unsigned long spin = 0;
      for (;;) spin = spin + 1;
    }
    loops.push_back(pid);
  }
  auto r = run({"doctor", "resources", "--json"});
  auto human = run({"doctor", "resources"});
  for (pid_t pid : loops) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_THAT(p["state"].get<std::string>(), AnyOf("warm", "hot")) << p.dump(2);
  EXPECT_FALSE(p["reasons"].empty());
  EXPECT_TRUE(p["figures"].contains("cpu_busy_percent"));
  EXPECT_TRUE(p["figures"].contains("cpu_steal_percent"));
  EXPECT_TRUE(p["figures"]["load"].contains("one_per_core"));
  EXPECT_THAT(human.out, AnyOf(HasSubstr("Machine: warm"), HasSubstr("Machine: hot")));
  EXPECT_THAT(human.out, HasSubstr("CPU busy"));
}

TEST_F(Isolation, BenchWarnsOnAHotMachineForceHotSilencesItAndTheStateIsRecorded)
{
  make_component("plain", "isolation_probe.sh");
  auto cold = bench_json({"plain", "--iterations", "1", "--baseline"});
  ASSERT_EQ(cold.exit_code, 0) << cold.describe();
  EXPECT_THAT(cold.err, Not(HasSubstr("the machine is")));

  auto hot = bench_json({"plain", "--iterations", "1"}, {{"HOMEBOY_TEST_RESOURCE_STATE", "hot"}});
  ASSERT_EQ(hot.exit_code, 0) << hot.describe();
  EXPECT_THAT(hot.err, HasSubstr("warning: the machine is hot"));
  EXPECT_THAT(hot.err, HasSubstr("--force-hot"));
  Json run_hot = show_run(hot.payload()["persisted_run"]["run_id"]);
  EXPECT_EQ(run_hot["metadata"]["resources"]["state"], "hot");
  EXPECT_EQ(run_hot["metadata"]["resources"]["forced"], false);
  // The baseline was measured cold: the comparison says so.
  EXPECT_THAT(hot.payload()["warnings"].dump(),
              HasSubstr("the baseline was measured while the machine was cold and this run while it was hot"));

  auto forced = run({"--force-hot", "bench", "plain", "--iterations", "1", "--json"},
                    {{"HOMEBOY_TEST_RESOURCE_STATE", "warm"}});
  ASSERT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_THAT(forced.err, Not(HasSubstr("the machine is")));
  EXPECT_THAT(forced.payload()["warnings"].dump(),
              HasSubstr("the baseline was measured while the machine was cold and this run while it was warm"));
  Json run_forced = show_run(forced.payload()["persisted_run"]["run_id"]);
  EXPECT_EQ(run_forced["metadata"]["resources"]["state"], "warm");
  EXPECT_EQ(run_forced["metadata"]["resources"]["forced"], true);

  // Other commands accept the global flag as the original does.
  EXPECT_EQ(run({"--force-hot", "runs", "list"}).exit_code, 0);
}

TEST_F(Isolation, ACorruptLeaseFileIsIgnoredWithAWarning)
{
  make_component("plain", "isolation_probe.sh");
  write_file(config_ / "invocation-leases" / "0123456789.json", "{not json");
  auto r = run({"bench", "plain", "--iterations", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("warning: ignored the corrupt invocation lease file"));
  EXPECT_FALSE(fs::exists(config_ / "invocation-leases" / "0123456789.json"));
}

} // namespace
} // namespace hbit

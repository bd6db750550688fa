// Peak RSS of a process tree (util/peak_rss.hpp): the cgroup v2 lookups,
// and a child that allocates about 50 MiB, alone and split over two
// children of a shell.

#include "util/peak_rss.hpp"
#include "util/process.hpp"

#include <gmock/gmock.h>

using namespace hb;

TEST(PeakRss, FindsTheCgroupV2PathAndMount)
{
  EXPECT_EQ(cgroup_v2_path("12:memory:/a\n0::/user.slice/app.scope\n"), "/user.slice/app.scope");
  EXPECT_FALSE(cgroup_v2_path("4:memory:/x\n1:cpu:/\n").has_value());
  const char* mountinfo =
    "22 1 0:21 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
    "30 1 0:26 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(cgroup2_mount(mountinfo), "/sys/fs/cgroup/unified");
  EXPECT_FALSE(cgroup2_mount("22 1 0:21 / /proc rw - proc proc rw\n").has_value());
}

namespace {

/// Runs `script` under /bin/sh with a monitor attached; the peak seen.
PeakRss
peak_of(const std::string& script, bool with_floor)
{
  PeakRssMonitor monitor;
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.on_spawn = [&](int pid, int) { monitor.attach(pid); };
  auto result = run_process(spec);
  EXPECT_TRUE(result) << result.error().message;
  EXPECT_EQ(result ? result->shell_exit_code() : -1, 0);
  std::uint64_t floor = with_floor && result ? static_cast<std::uint64_t>(result->max_rss_bytes) : 0;
  return monitor.finish(floor);
}

constexpr std::uint64_t MiB = 1024 * 1024;

} // namespace

TEST(PeakRss, AChildThatAllocates50MiBPeaksAbove40MiB)
{
  PeakRss peak = peak_of("python3 -c 'import time; x = b\"a\" * (50 << 20); time.sleep(0.5)'", true);
  EXPECT_GT(peak.bytes, 40 * MiB);
  EXPECT_LT(peak.bytes, 2048 * MiB);
}

TEST(PeakRss, TheTreeIsAddedUpNotJustItsLargestProcess)
{
  // Two children of 30 MiB each at once: no single process reaches 50 MiB,
  // the tree does. Each holds its memory until both have it.
  PeakRss peak = peak_of(
    "d=$(mktemp -d); "
    "hold='import os, sys, time; x = b\"a\" * (30 << 20); open(sys.argv[1] + \"/\" + sys.argv[2], \"w\").close()\n"
    "t = time.time()\nwhile len(os.listdir(sys.argv[1])) < 2 and time.time() - t < 20: time.sleep(0.02)\ntime.sleep(0.5)'; "
    "python3 -c \"$hold\" \"$d\" a & python3 -c \"$hold\" \"$d\" b & wait; rm -rf \"$d\"",
    false);
  EXPECT_GT(peak.bytes, 50 * MiB) << "method " << to_string(peak.method);
}

TEST(PeakRss, FinishWithoutAnAttachIsTheFloor)
{
  PeakRssMonitor monitor;
  EXPECT_EQ(monitor.finish(1234).bytes, 1234u);
}

// The host fingerprint on this (Linux) machine, and how two fingerprints are
// told apart.

#include "util/host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace hb;
using ::testing::ElementsAre;

namespace {

HostFingerprint
sample_host()
{
  HostFingerprint host;
  host.cpu_model = "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz";
  host.logical_cores = 8;
  host.kernel_name = "Linux";
  host.kernel_release = "6.1.0-18-amd64";
  host.machine = "x86_64";
  host.governor = "performance";
  host.load_average = std::array<double, 3>{0.5, 0.4, 0.3};
  host.memory_total_bytes = 32'000'000'000; // 29.8 GiB
  host.memory_available_bytes = 20'000'000'000;
  host.hostname = "bench-1";
  return host;
}

} // namespace

TEST(Host, ReadsThisMachine)
{
  const HostFingerprint host = host_fingerprint();
  EXPECT_FALSE(host.cpu_model.empty());
  EXPECT_EQ(host.cpu_model.find("  "), std::string::npos);
  EXPECT_GE(host.logical_cores, 1u);
  EXPECT_EQ(host.kernel_name, "Linux");
  EXPECT_FALSE(host.kernel_release.empty());
  EXPECT_FALSE(host.machine.empty());
  EXPECT_FALSE(host.hostname.empty());
  EXPECT_GT(host.memory_total_bytes, 0u);
  EXPECT_GT(host.memory_available_bytes, 0u);
  EXPECT_LE(host.memory_available_bytes, host.memory_total_bytes);
  ASSERT_TRUE(host.load_average.has_value());
  EXPECT_GE((*host.load_average)[0], 0);
  // The governor is absent on VMs; when present it is one trimmed word.
  EXPECT_EQ(host.governor.find_first_of(" \n"), std::string::npos);
}

TEST(Host, IdentityIsStable)
{
  const std::string first = host_fingerprint().identity();
  EXPECT_EQ(host_fingerprint().identity(), first);
  EXPECT_EQ(first.find("unknown"), std::string::npos) << first;
  EXPECT_TRUE(differences(host_fingerprint(), host_fingerprint()).empty());
}

TEST(Host, IdentityLeavesOutWhatChangesBetweenRuns)
{
  const HostFingerprint a = sample_host();
  EXPECT_EQ(a.identity(), "cpu=Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz; cores=8; "
                          "kernel=6.1.0-18-amd64; machine=x86_64; memory=30 GiB");
  HostFingerprint b = a;
  b.load_average = std::array<double, 3>{7, 6, 5};
  b.hostname = "bench-2";
  b.memory_available_bytes = 1'000'000'000;
  b.governor = "powersave";
  b.memory_total_bytes = 31'900'000'000; // still 30 GiB
  EXPECT_EQ(b.identity(), a.identity());
  EXPECT_TRUE(differences(a, b).empty());
}

TEST(Host, DifferencesNameEachPart)
{
  const HostFingerprint a = sample_host();
  HostFingerprint b = a;
  b.cpu_model = "AMD EPYC 7763 64-Core Processor";
  b.logical_cores = 16;
  b.kernel_release = "6.5.0-1-amd64";
  b.machine = "aarch64";
  b.memory_total_bytes = 64ULL << 30;
  EXPECT_NE(a.identity(), b.identity());
  EXPECT_THAT(differences(a, b),
              ElementsAre("CPU model differs: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz vs AMD "
                          "EPYC 7763 64-Core Processor",
                          "logical core count differs: 8 vs 16",
                          "kernel release differs: 6.1.0-18-amd64 vs 6.5.0-1-amd64",
                          "machine architecture differs: x86_64 vs aarch64",
                          "total memory differs: 30 GiB vs 64 GiB"));

  HostFingerprint c = a;
  c.kernel_release = "6.1.0-19-amd64";
  EXPECT_THAT(differences(a, c),
              ElementsAre("kernel release differs: 6.1.0-18-amd64 vs 6.1.0-19-amd64"));
}

TEST(Host, UnreadablePartsReadUnknown)
{
  const HostFingerprint empty;
  EXPECT_EQ(empty.identity(),
            "cpu=unknown; cores=unknown; kernel=unknown; machine=unknown; memory=unknown");
  EXPECT_THAT(differences(empty, sample_host()),
              ElementsAre("CPU model differs: unknown vs Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz",
                          "logical core count differs: unknown vs 8",
                          "kernel release differs: unknown vs 6.1.0-18-amd64",
                          "machine architecture differs: unknown vs x86_64",
                          "total memory differs: unknown vs 30 GiB"));
}

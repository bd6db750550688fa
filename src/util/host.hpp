#pragma once
// What machine a run ran on: enough to tell whether two runs' numbers can be
// compared (same CPU, cores, kernel, memory) and what state the machine was
// in (load, frequency governor). Linux sources, read best-effort; a part that
// cannot be read stays empty or zero. Knows nothing of homeboy.

#include "util/json_fwd.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb {

struct HostFingerprint
{
  std::string cpu_model;    // /proc/cpuinfo "model name", whitespace collapsed
  unsigned logical_cores = 0;
  std::string kernel_name;    // uname: "Linux"
  std::string kernel_release; // uname: "6.1.0-18-amd64"
  std::string machine;        // uname: "x86_64"
  std::string governor;       // cpu0's cpufreq scaling governor ("performance", ...)
  std::optional<std::array<double, 3>> load_average; // 1, 5 and 15 minutes
  std::uint64_t memory_total_bytes = 0;     // /proc/meminfo MemTotal
  std::uint64_t memory_available_bytes = 0; // /proc/meminfo MemAvailable
  std::string hostname;

  /// The parts that set the machine's performance class, in one stable string:
  /// CPU model, logical cores, kernel release, machine and total memory
  /// rounded to GiB, e.g. "cpu=Intel(R) Xeon(R) Gold 6230; cores=8;
  /// kernel=6.1.0-18-amd64; machine=x86_64; memory=31 GiB". Load, hostname,
  /// available memory and the governor change from run to run on the same
  /// machine and are left out; an unreadable part reads "unknown".
  std::string identity() const;
};

/// The fingerprint of this machine now. Reads /proc/cpuinfo, /proc/meminfo,
/// cpu0's scaling_governor, uname() and getloadavg(); spawns nothing and never
/// fails: what cannot be read stays empty (cores fall back to
/// std::thread::hardware_concurrency, which may also be 0).
HostFingerprint host_fingerprint();

/// This machine's host name ("localhost" when it cannot be read).
std::string hostname();

/// One sentence per identity() part that differs, in identity() order, e.g.
/// "CPU model differs: Intel(R) Xeon(R) Gold 6230 vs AMD EPYC 7763"; empty
/// exactly when the identities are equal.
std::vector<std::string> differences(const HostFingerprint& a, const HostFingerprint& b);

/// The fingerprint as a JSON object: every field above plus `identity`;
/// load_average only when read.
Json host_to_json(const HostFingerprint& host);
/// The inverse of host_to_json, best-effort: a missing or mistyped field
/// stays empty, as if it could not be read.
HostFingerprint host_from_json(const Json& node);

} // namespace hb

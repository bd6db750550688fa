#pragma once
// The machine-speed index (docs/bench.md "Machine speed"). A shared CI
// machine runs at different speeds from one session to the next: other jobs
// take the cores, the CPU clocks down when hot. A benchmark's own numbers
// cannot tell that apart from a change in the code, so each session also
// times a small fixed CPU workload that never changes (the probe) at its
// start and at its end. The probe's throughput, relative to a reference, is
// the session's speed index; the comparison reads the ratio of the run's
// index to the baseline's.
//
// Thread: any. The probe is pure CPU work in the calling thread.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::bench {

/// The probe's name, recorded with every index so a later, different probe
/// is never compared with this one.
inline constexpr std::string_view k_speed_probe = "cpu-v1";

/// Below this ratio of speeds (10 %) the machine counts as running at the
/// same speed: the probe's own noise on a quiet machine is about 2 %.
inline constexpr double k_speed_tolerance = 0.10;

/// The speed index of each session of a run (or of a baseline).
struct MachineSpeed
{
  std::string probe = std::string(k_speed_probe);
  /// One index per session, in session order; 100 is the reference machine
  /// (a 2020s server core at full speed), higher is faster.
  std::vector<double> sessions;

  /// The median over the sessions; 0 when there are none.
  double index() const;
};

/// {"probe": "cpu-v1", "index": 97.3, "sessions": [96.1, 98.5]}.
Json machine_speed_to_json(const MachineSpeed& speed);
/// The inverse. Anything else (no probe name, no sessions, an index that is
/// not a positive finite number) is an error whose message says what is
/// wrong, as "must ...".
Result<MachineSpeed> machine_speed_from_json(const Json& node);

/// Times the probe for about 10 ms (four slices of the fixed workload) and
/// returns its speed index.
double probe_speed_index();

/// How a metric follows the machine's speed, from its name: +1 for times
/// (`*_ms`, `*_seconds`, `latency`, ...: a slower machine makes them
/// larger), -1 for rates (`*_per_sec`, `ops_per_s`, `throughput`, ...: a
/// slower machine makes them smaller), 0 for everything else (bytes, counts,
/// instructions), which the speed index leaves alone.
int speed_sensitivity(std::string_view metric);

/// The run's speed against the baseline's.
struct SpeedComparison
{
  double baseline_index = 0;
  double current_index = 0;
  /// How many times longer the same work took now: baseline / current
  /// index (1.25: this run's machine was 25 % slower).
  double slowdown() const { return current_index > 0 ? baseline_index / current_index : 1; }
  /// The speeds differ by more than k_speed_tolerance.
  bool differs() const;
  /// "ran 23% slower than when the baseline was recorded (speed index 75
  /// against 98)", or "... faster ...".
  std::string describe() const;
};

/// Both indexes, when both sides have one from the same probe.
std::optional<SpeedComparison> compare_speed(const std::optional<MachineSpeed>& baseline,
                                             const std::optional<MachineSpeed>& current);

} // namespace hb::bench

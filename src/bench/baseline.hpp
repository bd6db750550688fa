#pragma once
// Saved baselines in the component's homeboy.json (compat.md "Baseline in
// homeboy.json"): baselines["bench"], or baselines["bench.rig.<rig>"].

#include "bench/machine_speed.hpp"
#include "bench/results/results.hpp"
#include "model/paths.hpp"
#include "util/host.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hb::bench {

struct BaselineScenario
{
  std::string id;
  std::vector<Metric> metrics;
  Distributions distributions;
  /// A baseline saved from several invocations (`--runs N`): how each
  /// metric's samples split into sessions. Empty: one session each (every
  /// legacy baseline).
  SessionSizes sessions;
  /// Each session's centre (its median) per metric, as saved; for a metric
  /// without samples the centres are all there is.
  std::vector<std::pair<std::string, std::vector<double>>> session_centres;

  const double* metric(std::string_view name) const { return find_metric(metrics, name); }
  const std::vector<double>* samples(std::string_view name) const
  {
    return find_samples(distributions, name);
  }
  /// The session sizes of `name`, or null (one session).
  const std::vector<std::size_t>* session_sizes(std::string_view name) const
  {
    return find_session_sizes(sessions, name);
  }
};

struct Baseline
{
  std::string created_at;
  std::string context_id;
  std::uint64_t iterations = 0;
  std::vector<BaselineScenario> scenarios;
  /// metadata.host: the machine the baseline was measured on (ours; the
  /// original tool's baselines have none).
  std::optional<HostFingerprint> host;
  /// metadata.run_id: the run this baseline came from (ours; empty in the
  /// original tool's baselines). It lets a crash-interrupted save be told
  /// from a completed one.
  std::string run_id;
  /// metadata.machine_speed: the speed index of each session the baseline
  /// was measured in (ours; absent in older baselines).
  std::optional<MachineSpeed> machine_speed;

  const BaselineScenario* find(std::string_view scenario_id) const;
};

/// "bench" or "bench.rig.<rig id>".
std::string baseline_key(const std::string& rig_id);

/// Reads baselines[key] from `homeboy_json`. No file or no such key: nullopt.
/// A malformed file or baseline is an error naming the file, the key and what
/// is wrong (never a silent "no baseline"). Legacy snapshots that carry
/// p95_ms/p50_ms/mean_ms directly on the scenario are read as metrics.
/// A scenario's `sessions` ({metric: {sizes: [n1, ...], centres: [c1, ...]}})
/// must be well formed (sizes positive integers adding up to the metric's
/// samples, centres finite numbers, one per session; a metric without
/// samples has centres only): anything else is an error, never a silent
/// fallback to one session. So is a malformed `metadata.machine_speed`
/// ({probe: string, sessions: [positive finite numbers]}).
Result<std::optional<Baseline>> read_baseline(const std::filesystem::path& homeboy_json,
                                              std::string_view key);

/// The snapshot of a run, as --baseline saves it (with each metric's session
/// sizes and session medians when the run has several sessions).
Baseline make_baseline(const BenchResults& results, TimeMs now,
                       std::optional<HostFingerprint> host = std::nullopt,
                       std::optional<MachineSpeed> speed = std::nullopt);

/// Replaces baselines[key] in `homeboy_json` under an exclusive lock, keeping
/// every other key and its order, then atomically renames the new file into
/// place. Creates the file ({"id": component_id, "baselines": {...}}) if
/// needed.
Result<void> write_baseline(const Paths& paths, const std::filesystem::path& homeboy_json,
                            std::string_view key, const Baseline& baseline);

} // namespace hb::bench

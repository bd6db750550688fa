#pragma once
// The resource policy (bench.md, `homeboy doctor resources`): is the machine
// cold, warm or hot right now? The figures are read from /proc (load, the
// runnable tasks, CPU busy and steal from /proc/stat deltas, PSI memory
// pressure, available memory) and the invocation lease index (other benches
// measuring now); classify() is pure so the thresholds are unit-tested.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::resources {

enum class State
{
  cold,
  warm,
  hot
};

const char* state_name(State s);
/// "cold" / "warm" / "hot", else nullopt.
std::optional<State> parse_state(std::string_view text);

struct CpuTimes
{
  std::uint64_t busy = 0;   // user + nice + system + irq + softirq
  std::uint64_t idle = 0;   // idle + iowait
  std::uint64_t steal = 0;
  std::uint64_t total() const { return busy + idle + steal; }
};

struct LoadAvg
{
  double one = 0, five = 0, fifteen = 0;
  std::uint64_t running = 0; // runnable tasks now (4th field, before '/')
};

/// The aggregate `cpu ` line of /proc/stat.
std::optional<CpuTimes> parse_proc_stat(std::string_view text);
std::optional<LoadAvg> parse_loadavg(std::string_view text);
/// The `some avg10=` figure of a /proc/pressure/* file.
std::optional<double> parse_psi_some_avg10(std::string_view text);
/// MemAvailable / MemTotal of /proc/meminfo.
std::optional<double> parse_mem_available_ratio(std::string_view text);

struct Figures
{
  unsigned cores = 1;
  std::optional<LoadAvg> load;
  /// Runnable tasks per core, not counting this process.
  std::optional<double> runnable_per_core;
  std::uint64_t sample_ms = 0;
  std::optional<double> cpu_busy_percent;  // over the sample window
  std::optional<double> cpu_steal_percent; // over the sample window
  std::optional<double> cpu_pressure_avg10;    // PSI `some`, percent
  std::optional<double> memory_pressure_avg10; // PSI `some`, percent
  std::optional<double> memory_available_percent;
  /// Bench children of other homeboy processes holding invocation leases.
  std::size_t other_benches = 0;
  std::vector<std::string> other_bench_runs; // their run ids (or invocation ids)
};

struct Reason
{
  std::string figure; // "load", "cpu_busy", ...
  State state;
  std::string text;   // "load 3.10 per core over the last minute"
};

struct Assessment
{
  State state = State::cold;
  std::vector<Reason> reasons; // the figures that made it warm or hot
  Figures figures;
};

/// Applies the thresholds (docs/isolation.md) to `figures`.
Assessment classify(const Figures& figures);

/// Reads the figures now, sampling /proc/stat over `sample_ms`; the lease
/// index under `config_root` says which other benches are running.
Figures sample(std::uint64_t sample_ms, const std::filesystem::path& config_root);

/// The assessment as JSON text: {state, reasons[], figures{}}.
std::string assessment_json(const Assessment& a);

} // namespace hb::resources

// The speed probe and how a metric follows it (machine_speed.hpp). The
// workload mixes integer arithmetic, a data-dependent branch and reads and
// writes over a 64 KiB table, so it slows down with a lower clock, with a
// shared core and with a thrashed cache, as most benchmarks do. Its size is
// fixed for good: changing it means a new k_speed_probe name.

#include "bench/machine_speed.hpp"

#include "bench/units.hpp"
#include "stats/descriptive.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace hb::bench {

namespace {

constexpr std::uint32_t k_slice_steps = 1u << 19;
constexpr int k_slices = 4;
/// One slice's time on the reference machine, in ms (measured on a quiet
/// 2-core Debian 12 server VM, 2026): index 100.
constexpr double k_reference_slice_ms = 2.3;

// One slice of the fixed workload; the result keeps the compiler from
// dropping it.
std::uint64_t
probe_slice(std::array<std::uint32_t, 16384>& table, std::uint64_t x)
{
  for (std::uint32_t i = 0; i < k_slice_steps; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    auto slot = static_cast<std::size_t>((x >> 33) & (table.size() - 1));
    if ((x >> 62) & 1u) {
      table[slot] += static_cast<std::uint32_t>(x >> 17);
    } else {
      table[slot] ^= table[(slot + 1) & (table.size() - 1)];
    }
  }
  return x;
}

} // namespace

double
MachineSpeed::index() const
{
  return sessions.empty() ? 0 : stats::median(sessions);
}

Json
machine_speed_to_json(const MachineSpeed& speed)
{
  return Json{{"probe", speed.probe}, {"index", speed.index()}, {"sessions", speed.sessions}};
}

Result<MachineSpeed>
machine_speed_from_json(const Json& node)
{
  auto bad = [](const char* what) {
    return make_error("baseline.invalid", what);
  };
  if (!node.is_object() || !node.contains("probe") || !node["probe"].is_string()) {
    return bad("must be an object with a string `probe` and a list `sessions`");
  }
  if (!node.contains("sessions") || !node["sessions"].is_array() || node["sessions"].empty()) {
    return bad("must list each session's speed index in `sessions`");
  }
  MachineSpeed speed;
  speed.probe = node["probe"].get<std::string>();
  for (const auto& v : node["sessions"]) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0) {
      return bad("must hold positive finite numbers in `sessions`");
    }
    speed.sessions.push_back(v.get<double>());
  }
  return speed;
}

double
probe_speed_index()
{
  static std::array<std::uint32_t, 16384> table{};
  static volatile std::uint64_t sink = 0;
  using clock = std::chrono::steady_clock;
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  auto start = clock::now();
  for (int s = 0; s < k_slices; ++s) {
    x = probe_slice(table, x);
  }
  std::chrono::duration<double, std::milli> took = clock::now() - start;
  sink = sink + x + table[x & (table.size() - 1)];
  double ms = std::max(took.count(), 1e-3);
  return 100.0 * k_reference_slice_ms * k_slices / ms;
}

int
speed_sensitivity(std::string_view metric)
{
  // The unit from the name, as reports read it (units.hpp), plus the rate
  // words that have no unit of their own.
  const Unit unit = unit_of(metric);
  std::string name(metric);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view n = name;
  if (unit.dimension == Dimension::rate) return -1;
  for (auto rate : {"throughput", "_hz", "fps"}) {
    if (n.find(rate) != std::string_view::npos) return -1;
  }
  if (unit.dimension == Dimension::time) {
    return n.find("instructions") == std::string_view::npos ? 1 : 0;
  }
  for (auto word : {"time", "duration", "latency", "elapsed", "wall"}) {
    if (n.find(word) != std::string_view::npos) return 1;
  }
  return 0;
}

bool
SpeedComparison::differs() const
{
  return baseline_index > 0 && current_index > 0
         && std::fabs(slowdown() - 1) > k_speed_tolerance;
}

std::string
SpeedComparison::describe() const
{
  double s = slowdown();
  // "x % slower": the same work took x % longer; "x % faster": it ran at
  // (1 + x %) the baseline's speed.
  double pct = s >= 1 ? (s - 1) * 100 : (1 / s - 1) * 100;
  return fmt::format("ran {:.0f}% {} than when the baseline was recorded (speed index {:.0f} "
                     "against {:.0f})",
                     pct, s >= 1 ? "slower" : "faster", current_index, baseline_index);
}

std::optional<SpeedComparison>
compare_speed(const std::optional<MachineSpeed>& baseline,
              const std::optional<MachineSpeed>& current)
{
  if (!baseline || !current || baseline->probe != current->probe || baseline->index() <= 0
      || current->index() <= 0) {
    return std::nullopt;
  }
  return SpeedComparison{baseline->index(), current->index()};
}

} // namespace hb::bench

// Reading and judging the machine's load. Thresholds: load per core 0.75
// warm / 1.5 hot (as the original), runnable tasks per core 0.5 / 1.0, CPU
// busy 50 % / 90 % and steal 2 % / 10 % over the sample window, PSI CPU
// `some avg10` 10 % / 40 %, PSI memory `some avg10` 1 % / 10 %, available memory 20 % / 10 %, and one other bench
// running warm / two hot. The worst figure decides.

#include "resources/resources.hpp"

#include "invocation/leases.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hb::resources {

const char*
state_name(State s)
{
  switch (s) {
  case State::cold: return "cold";
  case State::warm: return "warm";
  case State::hot: return "hot";
  }
  return "cold";
}

std::optional<State>
parse_state(std::string_view text)
{
  if (text == "cold") return State::cold;
  if (text == "warm") return State::warm;
  if (text == "hot") return State::hot;
  return std::nullopt;
}

std::optional<CpuTimes>
parse_proc_stat(std::string_view text)
{
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("cpu ")) continue;
    std::istringstream fields(line.substr(4));
    std::uint64_t v[8] = {};
    int n = 0;
    while (n < 8 && fields >> v[n]) ++n;
    if (n < 4) return std::nullopt;
    CpuTimes t;
    t.busy = v[0] + v[1] + v[2] + v[5] + v[6];
    t.idle = v[3] + v[4];
    t.steal = v[7];
    return t;
  }
  return std::nullopt;
}

std::optional<LoadAvg>
parse_loadavg(std::string_view text)
{
  std::istringstream in{std::string(text)};
  LoadAvg l;
  std::string tasks;
  if (!(in >> l.one >> l.five >> l.fifteen >> tasks)) return std::nullopt;
  auto slash = tasks.find('/');
  if (slash == std::string::npos) return std::nullopt;
  char* end = nullptr;
  l.running = std::strtoull(tasks.substr(0, slash).c_str(), &end, 10);
  return l;
}

std::optional<double>
parse_psi_some_avg10(std::string_view text)
{
  auto at = text.find("some ");
  if (at == std::string_view::npos) return std::nullopt;
  auto key = text.find("avg10=", at);
  if (key == std::string_view::npos) return std::nullopt;
  std::string rest(text.substr(key + 6, 16));
  char* end = nullptr;
  double v = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return std::nullopt;
  return v;
}

std::optional<double>
parse_mem_available_ratio(std::string_view text)
{
  auto field = [&](std::string_view name) -> std::optional<double> {
    auto at = text.find(name);
    if (at == std::string_view::npos) return std::nullopt;
    std::string rest(text.substr(at + name.size(), 32));
    char* end = nullptr;
    double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return std::nullopt;
    return v;
  };
  auto total = field("MemTotal:");
  auto available = field("MemAvailable:");
  if (!total || !available || *total <= 0) return std::nullopt;
  return *available / *total;
}

namespace {

void
judge(Assessment& a, const char* figure, std::optional<double> value, double warm, double hot,
      bool higher_is_worse, const std::string& text)
{
  if (!value) return;
  State s = State::cold;
  if (higher_is_worse) {
    if (*value >= hot) s = State::hot;
    else if (*value >= warm) s = State::warm;
  } else {
    if (*value <= hot) s = State::hot;
    else if (*value <= warm) s = State::warm;
  }
  if (s == State::cold) return;
  a.reasons.push_back({figure, s, text});
  a.state = std::max(a.state, s);
}

std::optional<std::string>
read_proc(const char* path)
{
  auto text = fs::read_file(path);
  if (!text) return std::nullopt;
  return std::move(*text);
}

} // namespace

Assessment
classify(const Figures& f)
{
  Assessment a;
  a.figures = f;
  if (f.load) {
    double per_core = f.load->one / std::max(1u, f.cores);
    judge(a, "load", per_core, 0.75, 1.5, true,
          fmt::format("load {:.2f} per core over the last minute ({:.2f} on {} core{})", per_core,
                      f.load->one, f.cores, f.cores == 1 ? "" : "s"));
  }
  judge(a, "runnable", f.runnable_per_core, 0.5, 1.0, true,
        fmt::format("{:.2f} runnable tasks per core now", f.runnable_per_core.value_or(0)));
  judge(a, "cpu_busy", f.cpu_busy_percent, 50, 90, true,
        fmt::format("CPU {:.0f}% busy over {} ms", f.cpu_busy_percent.value_or(0), f.sample_ms));
  judge(a, "cpu_steal", f.cpu_steal_percent, 2, 10, true,
        fmt::format("CPU steal {:.1f}% over {} ms (the hypervisor ran someone else)",
                    f.cpu_steal_percent.value_or(0), f.sample_ms));
  judge(a, "cpu_pressure", f.cpu_pressure_avg10, 10, 40, true,
        fmt::format("CPU pressure {:.1f}% (PSI some avg10: tasks waited for a CPU)",
                    f.cpu_pressure_avg10.value_or(0)));
  judge(a, "memory_pressure", f.memory_pressure_avg10, 1, 10, true,
        fmt::format("memory pressure {:.2f}% (PSI some avg10)", f.memory_pressure_avg10.value_or(0)));
  judge(a, "memory_available", f.memory_available_percent, 20, 10, false,
        fmt::format("{:.0f}% of memory available", f.memory_available_percent.value_or(0)));
  if (f.other_benches > 0) {
    judge(a, "other_benches", static_cast<double>(f.other_benches), 1, 2, true,
          fmt::format("{} other homeboy bench{} running now", f.other_benches,
                      f.other_benches == 1 ? "" : "es"));
  }
  return a;
}

Figures
sample(std::uint64_t sample_ms, const std::filesystem::path& config_root)
{
  Figures f;
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  f.cores = cores > 0 ? static_cast<unsigned>(cores) : 1;
  f.sample_ms = sample_ms;
  auto load_before = read_proc("/proc/loadavg");
  auto stat_before = read_proc("/proc/stat");
  if (sample_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sample_ms));
  auto load_after = read_proc("/proc/loadavg");
  auto stat_after = read_proc("/proc/stat");
  if (load_after) f.load = parse_loadavg(*load_after);
  if (f.load) {
    // The fewer runnable tasks of the two readings (a momentary spike is not
    // load), less this process.
    std::uint64_t running = f.load->running;
    if (load_before) {
      if (auto before = parse_loadavg(*load_before)) running = std::min(running, before->running);
    }
    f.runnable_per_core = static_cast<double>(running > 0 ? running - 1 : 0) / f.cores;
  }
  if (sample_ms > 0 && stat_before && stat_after) {
    auto a = parse_proc_stat(*stat_before);
    auto b = parse_proc_stat(*stat_after);
    if (a && b && b->total() > a->total()) {
      double total = static_cast<double>(b->total() - a->total());
      f.cpu_busy_percent = 100.0 * static_cast<double>(b->busy - a->busy) / total;
      f.cpu_steal_percent = 100.0 * static_cast<double>(b->steal - a->steal) / total;
    }
  }
  if (auto psi = read_proc("/proc/pressure/cpu")) f.cpu_pressure_avg10 = parse_psi_some_avg10(*psi);
  if (auto psi = read_proc("/proc/pressure/memory")) f.memory_pressure_avg10 = parse_psi_some_avg10(*psi);
  if (auto mem = read_proc("/proc/meminfo")) {
    if (auto ratio = parse_mem_available_ratio(*mem)) f.memory_available_percent = 100.0 * *ratio;
  }
  long self = static_cast<long>(::getpid());
  for (const auto& lease : invocation::LeaseIndex(config_root / "invocation-leases").live()) {
    if (lease.pid == self) continue;
    ++f.other_benches;
    f.other_bench_runs.push_back(lease.run_id.empty() ? lease.invocation_id : lease.run_id);
  }
  return f;
}

std::string
assessment_json(const Assessment& a)
{
  const Figures& f = a.figures;
  Json figures = {{"cores", f.cores}, {"sample_ms", f.sample_ms}, {"other_benches", f.other_benches}};
  auto put = [&](const char* key, const std::optional<double>& v) {
    figures[key] = v ? Json(std::round(*v * 100) / 100) : Json(nullptr);
  };
  if (f.load) {
    figures["load"] = {{"one", f.load->one}, {"five", f.load->five}, {"fifteen", f.load->fifteen},
                       {"one_per_core", std::round(f.load->one / f.cores * 100) / 100}};
  } else {
    figures["load"] = nullptr;
  }
  put("runnable_per_core", f.runnable_per_core);
  put("cpu_busy_percent", f.cpu_busy_percent);
  put("cpu_steal_percent", f.cpu_steal_percent);
  put("cpu_pressure_some_avg10", f.cpu_pressure_avg10);
  put("memory_pressure_some_avg10", f.memory_pressure_avg10);
  put("memory_available_percent", f.memory_available_percent);
  figures["other_bench_runs"] = f.other_bench_runs;
  Json reasons = Json::array();
  for (const auto& r : a.reasons) {
    reasons.push_back({{"figure", r.figure}, {"state", state_name(r.state)}, {"text", r.text}});
  }
  return dump_json(Json{{"state", state_name(a.state)}, {"reasons", reasons}, {"figures", figures}});
}

} // namespace hb::resources

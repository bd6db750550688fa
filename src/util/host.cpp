#include "util/host.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace hb {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view
trim(std::string_view text)
{
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

// Some CPUs pad their model name with runs of spaces; collapsed, the same CPU
// reads the same whatever the kernel's formatting.
std::string
collapse_whitespace(std::string_view text)
{
  std::string out;
  for (char c : trim(text)) {
    const bool space = kWhitespace.find(c) != std::string_view::npos;
    if (!space) {
      out += c;
    } else if (out.back() != ' ') {
      out += ' ';
    }
  }
  return out;
}

// Calls `visit(key, value)` for each "key : value" line of a /proc file.
template <class Visit>
void
for_each_field(std::string_view text, Visit visit)
{
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      visit(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
  }
}

void
read_cpuinfo(HostFingerprint& host)
{
  const std::string text = fs::read_file("/proc/cpuinfo").value_or(std::string());
  unsigned processors = 0;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "processor") {
      ++processors;
    } else if (key == "model name" && host.cpu_model.empty()) {
      host.cpu_model = collapse_whitespace(value);
    }
  });
  // /proc/cpuinfo lists the online CPUs; hardware_concurrency is the fallback
  // where it is unreadable or lists none (some containers, non-Linux).
  host.logical_cores = processors > 0 ? processors : std::thread::hardware_concurrency();
}

// "24684084 kB" to bytes; 0 when it does not parse.
std::uint64_t
kibibytes_to_bytes(std::string_view value)
{
  std::uint64_t kib = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), kib);
  if (ec != std::errc() || trim(std::string_view(end, value.data() + value.size())) != "kB") {
    return 0;
  }
  return kib * 1024;
}

void
read_meminfo(HostFingerprint& host)
{
  const std::string text = fs::read_file("/proc/meminfo").value_or(std::string());
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "MemTotal") {
      host.memory_total_bytes = kibibytes_to_bytes(value);
    } else if (key == "MemAvailable") {
      host.memory_available_bytes = kibibytes_to_bytes(value);
    }
  });
}

std::string
or_unknown(const std::string& value)
{
  return value.empty() ? "unknown" : value;
}

std::string
cores_text(unsigned cores)
{
  return cores > 0 ? std::to_string(cores) : "unknown";
}

// Whole GiB: the kernel's own reservations move MemTotal by megabytes between
// kernel versions on the same hardware.
std::string
memory_text(std::uint64_t bytes)
{
  if (bytes == 0) {
    return "unknown";
  }
  return fmt::format("{} GiB", std::llround(static_cast<double>(bytes) / (1024.0 * 1024 * 1024)));
}

} // namespace

std::string
HostFingerprint::identity() const
{
  return fmt::format("cpu={}; cores={}; kernel={}; machine={}; memory={}", or_unknown(cpu_model),
                     cores_text(logical_cores), or_unknown(kernel_release), or_unknown(machine),
                     memory_text(memory_total_bytes));
}

std::string
hostname()
{
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

HostFingerprint
host_fingerprint()
{
  HostFingerprint host;
  read_cpuinfo(host);
  read_meminfo(host);
  utsname names{};
  if (::uname(&names) == 0) {
    host.kernel_name = names.sysname;
    host.kernel_release = names.release;
    host.machine = names.machine;
  }
  host.hostname = hostname();
  // Absent on VMs and containers without cpufreq: the governor stays empty.
  const auto governor = fs::read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  host.governor = std::string(trim(governor.value_or(std::string())));
  std::array<double, 3> load{};
  if (::getloadavg(load.data(), 3) == 3) {
    host.load_average = load;
  }
  return host;
}

std::vector<std::string>
differences(const HostFingerprint& a, const HostFingerprint& b)
{
  std::vector<std::string> out;
  const auto compare = [&](const char* what, const std::string& left, const std::string& right) {
    if (left != right) {
      out.push_back(fmt::format("{} differs: {} vs {}", what, left, right));
    }
  };
  compare("CPU model", or_unknown(a.cpu_model), or_unknown(b.cpu_model));
  compare("logical core count", cores_text(a.logical_cores), cores_text(b.logical_cores));
  compare("kernel release", or_unknown(a.kernel_release), or_unknown(b.kernel_release));
  compare("machine architecture", or_unknown(a.machine), or_unknown(b.machine));
  compare("total memory", memory_text(a.memory_total_bytes), memory_text(b.memory_total_bytes));
  return out;
}

Json
host_to_json(const HostFingerprint& host)
{
  Json out = {{"hostname", host.hostname},
              {"cpu_model", host.cpu_model},
              {"logical_cores", host.logical_cores},
              {"kernel_name", host.kernel_name},
              {"kernel_release", host.kernel_release},
              {"machine", host.machine},
              {"governor", host.governor},
              {"memory_total_bytes", host.memory_total_bytes},
              {"memory_available_bytes", host.memory_available_bytes}};
  if (host.load_average) {
    out["load_average"] = *host.load_average;
  }
  out["identity"] = host.identity();
  return out;
}

HostFingerprint
host_from_json(const Json& node)
{
  HostFingerprint host;
  if (!node.is_object()) {
    return host;
  }
  auto text = [&](const char* key, std::string& into) {
    if (auto it = node.find(key); it != node.end() && it->is_string()) into = it->get<std::string>();
  };
  auto count = [&](const char* key, auto& into) {
    if (auto it = node.find(key); it != node.end() && it->is_number_unsigned()) {
      into = it->get<std::remove_reference_t<decltype(into)>>();
    }
  };
  text("hostname", host.hostname);
  text("cpu_model", host.cpu_model);
  count("logical_cores", host.logical_cores);
  text("kernel_name", host.kernel_name);
  text("kernel_release", host.kernel_release);
  text("machine", host.machine);
  text("governor", host.governor);
  count("memory_total_bytes", host.memory_total_bytes);
  count("memory_available_bytes", host.memory_available_bytes);
  if (auto it = node.find("load_average"); it != node.end() && it->is_array() && it->size() == 3) {
    std::array<double, 3> load{};
    for (std::size_t i = 0; i < 3; ++i) {
      if (!(*it)[i].is_number()) return host;
      load[i] = (*it)[i].get<double>();
    }
    host.load_average = load;
  }
  return host;
}

} // namespace hb

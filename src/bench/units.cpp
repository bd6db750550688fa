#include "bench/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace hb::bench {

namespace {

bool
ends_with(std::string_view s, std::string_view suffix)
{
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Prefix
{
  double factor;
  const char* symbol;
};

// Four significant digits of `v` (1 <= |v| < 1000 normally), trailing zeros
// kept: they say how precise the figure is.
std::string
four_digits(double v)
{
  const double a = std::fabs(v);
  const int decimals = a >= 100 ? 1 : a >= 10 ? 2 : 3;
  return fmt::format("{:.{}f}", v, decimals);
}

// `v` in the largest prefix that keeps it at 1 or more, then rounded to four
// digits; a rounding that reaches 1000 moves to the next prefix up.
template <std::size_t N>
std::string
scaled(double v, const std::array<Prefix, N>& prefixes)
{
  const double a = std::fabs(v);
  std::size_t i = 0;
  while (i + 1 < N && a >= prefixes[i + 1].factor) {
    ++i;
  }
  double shown = v / prefixes[i].factor;
  if (std::fabs(std::stod(four_digits(shown))) >= 1000 && i + 1 < N) {
    ++i;
    shown = v / prefixes[i].factor;
  }
  std::string text = four_digits(shown);
  return *prefixes[i].symbol ? text + " " + prefixes[i].symbol : text;
}

constexpr std::array<Prefix, 4> k_time{{{1e-9, "ns"}, {1e-6, "µs"}, {1e-3, "ms"}, {1, "s"}}};
constexpr std::array<Prefix, 4> k_bytes{
  {{1, "B"}, {1024.0, "KiB"}, {1024.0 * 1024, "MiB"}, {1024.0 * 1024 * 1024, "GiB"}}};
constexpr std::array<Prefix, 4> k_rate{{{1, "/s"}, {1e3, "k/s"}, {1e6, "M/s"}, {1e9, "G/s"}}};
constexpr std::array<Prefix, 4> k_count{{{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}}};

} // namespace

Unit
unit_of(std::string_view metric)
{
  std::string lower(metric);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view n = lower;
  for (auto rate : {"per_sec", "per_second", "per_s", "ops_s", "qps", "rps"}) {
    if (n.find(rate) != std::string_view::npos) return {Dimension::rate, 1};
  }
  if (ends_with(n, "_pct") || ends_with(n, "_percent")) return {Dimension::percent, 1};
  struct Suffix
  {
    const char* text;
    Unit unit;
  };
  static const std::array<Suffix, 14> k_suffixes{{
    {"_ns", {Dimension::time, 1e-9}},
    {"_nanos", {Dimension::time, 1e-9}},
    {"_us", {Dimension::time, 1e-6}},
    {"_micros", {Dimension::time, 1e-6}},
    {"_ms", {Dimension::time, 1e-3}},
    {"_millis", {Dimension::time, 1e-3}},
    {"_s", {Dimension::time, 1}},
    {"_sec", {Dimension::time, 1}},
    {"_secs", {Dimension::time, 1}},
    {"_seconds", {Dimension::time, 1}},
    {"_bytes", {Dimension::bytes, 1}},
    {"_kb", {Dimension::bytes, 1024}},
    {"_mb", {Dimension::bytes, 1024.0 * 1024}},
    {"_gb", {Dimension::bytes, 1024.0 * 1024 * 1024}},
  }};
  for (const auto& s : k_suffixes) {
    if (ends_with(n, s.text)) return s.unit;
  }
  if (ends_with(n, "_b")) return {Dimension::bytes, 1};
  return {};
}

std::string
format_quantity(double value, Unit unit)
{
  if (!std::isfinite(value)) {
    return fmt::format("{}", value);
  }
  const double v = value * unit.scale;
  switch (unit.dimension) {
  case Dimension::time: return v == 0 ? "0 s" : scaled(v, k_time);
  case Dimension::bytes: return v == 0 ? "0 B" : scaled(v, k_bytes);
  case Dimension::rate: return v == 0 ? "0 /s" : scaled(v, k_rate);
  case Dimension::percent:
    return v == 0 ? "0%" : std::fabs(v) < 1000 ? four_digits(v) + "%" : fmt::format("{:.0f}%", v);
  case Dimension::count: break;
  }
  if (v == std::trunc(v) && std::fabs(v) < 10000) {
    return fmt::format("{}", static_cast<long long>(v));
  }
  if (std::fabs(v) < 1) {
    return fmt::format("{:.4g}", v);
  }
  return scaled(v, k_count);
}

std::string
format_metric(std::string_view metric, double value)
{
  return format_quantity(value, unit_of(metric));
}

std::string
format_metric_delta(std::string_view metric, double delta)
{
  std::string text = format_metric(metric, delta);
  return delta > 0 ? "+" + text : text;
}

} // namespace hb::bench

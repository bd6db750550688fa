// Why: a bench against a rig that is not ready measures garbage. `rig check`
// runs every declared probe (no fail-fast, so one run shows everything that
// is wrong) with bounded time, and says for each what it saw (issue 14).

#include "rig/materialize.hpp"
#include "rig/rig.hpp"

#include "util/http_get.hpp"
#include "util/process.hpp"

#include <fmt/core.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace hb::rig {

namespace fs = std::filesystem;

namespace {

constexpr int k_http_tries = 5;
constexpr std::int64_t k_http_retry_ms = 400;
constexpr std::int64_t k_http_timeout_ms = 5000;
constexpr std::size_t k_output_cap = 2000;

struct Probe
{
  bool passed = false;
  std::string message;
};

Probe
pass(std::string message)
{
  return Probe{true, std::move(message)};
}

Probe
failed(std::string message)
{
  return Probe{false, std::move(message)};
}

/// Expands `value`, or explains why it cannot be.
Result<std::string>
expand_field(const Spec& spec, const std::vector<std::pair<std::string, std::string>>& components,
             const std::string& value, const std::string& key)
{
  detail::ExpandContext ctx{spec.file, spec.package_root, &components};
  return detail::expand(value, ctx, key);
}

Probe
probe_http(const std::string& url, int expect_status)
{
  http::GetError last;
  for (int attempt = 1; attempt <= k_http_tries; ++attempt) {
    auto status = http::get_status(url, k_http_timeout_ms);
    if (status) {
      if (*status == expect_status) return pass(fmt::format("GET {} returned {}", url, *status));
      return failed(fmt::format("GET {} returned {} (expected {})", url, *status, expect_status));
    }
    last = status.error();
    if (last.kind != http::GetFailure::refused) break;
    if (attempt < k_http_tries) std::this_thread::sleep_for(std::chrono::milliseconds(k_http_retry_ms));
  }
  if (last.kind == http::GetFailure::refused) {
    return failed(fmt::format("GET {}: connection refused ({} tries over {:.1f} s); is the service running?", url,
                              k_http_tries, (k_http_tries - 1) * k_http_retry_ms / 1000.0));
  }
  return failed(fmt::format("GET {}: {}", url, last.message));
}

Probe
probe_file(const std::string& path, const std::optional<std::string>& contains)
{
  std::error_code ec;
  if (!fs::exists(path, ec)) return failed(fmt::format("file {} does not exist", path));
  if (!contains) return pass(fmt::format("{} exists", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return failed(fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find(*contains) == std::string::npos) {
    return failed(fmt::format("file {} does not contain \"{}\"", path, *contains));
  }
  return pass(fmt::format("{} contains \"{}\"", path, *contains));
}

std::string
tail_text(const std::string& text)
{
  std::string out = text.size() > k_output_cap ? "..." + text.substr(text.size() - k_output_cap) : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Probe
probe_command(const std::string& command, int expect_exit, std::int64_t timeout_ms)
{
  SpawnSpec spawn;
  spawn.argv = {"sh", "-c", command};
  spawn.timeout_ms = timeout_ms;
  spawn.kill_grace_ms = 1000;
  std::string out, err;
  spawn.on_output = [&](OutputStream stream, std::string_view chunk) {
    std::string& into = stream == OutputStream::stdout_stream ? out : err;
    into.append(chunk);
    if (into.size() > 4 * k_output_cap) into.erase(0, into.size() - 2 * k_output_cap);
  };
  auto result = run_process(spawn);
  if (!result) return failed(fmt::format("`{}` could not start: {}", command, result.error().message));
  if (result->timed_out) return failed(fmt::format("`{}` did not finish within {} ms and was stopped", command, timeout_ms));
  int code = result->shell_exit_code();
  if (code == expect_exit) return pass(fmt::format("`{}` exited {}", command, code));
  std::string message = fmt::format("`{}` exited {} (expected {})", command, code, expect_exit);
  if (std::string e = tail_text(err); !e.empty()) message += "; stderr: " + e;
  else if (std::string o = tail_text(out); !o.empty()) message += "; stdout: " + o;
  return failed(message);
}

/// Seconds since the epoch at which the newest process matching `src` started.
std::optional<double>
newest_process_start(const TimeSource& src)
{
  double boot = 0;
  {
    std::ifstream stat("/proc/stat");
    std::string key;
    while (stat >> key) {
      if (key == "btime") {
        stat >> boot;
        break;
      }
    }
  }
  long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) ticks = 100;
  std::optional<double> newest;
  std::string self = std::to_string(::getpid());
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::string pid = it->path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    std::ifstream cmd_in(it->path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(cmd_in)), std::istreambuf_iterator<char>());
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(src.process_pattern) == std::string::npos) continue;
    bool all = true;
    for (const auto& needle : src.argv_contains) all = all && cmdline.find(needle) != std::string::npos;
    if (!all) continue;
    std::ifstream stat_in(it->path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 0; i < 20 && fields >> field; ++i) {
    }
    double start = boot + std::strtod(field.c_str(), nullptr) / static_cast<double>(ticks);
    if (!newest || start > *newest) newest = start;
  }
  return newest;
}

struct Resolved
{
  std::optional<double> seconds;
  std::string what;
  std::string error;
};

Resolved
resolve_time(const Spec& spec, const std::vector<std::pair<std::string, std::string>>& components,
             const TimeSource& src, const std::string& key)
{
  if (src.is_process) {
    auto pattern = expand_field(spec, components, src.process_pattern, key + ".process_start.pattern");
    if (!pattern) return {std::nullopt, "", pattern.error().message};
    TimeSource expanded = src;
    expanded.process_pattern = *pattern;
    return {newest_process_start(expanded), fmt::format("process matching \"{}\"", *pattern), ""};
  }
  auto path = expand_field(spec, components, src.file_mtime, key + ".file_mtime");
  if (!path) return {std::nullopt, "", path.error().message};
  struct stat st{};
  if (::stat(path->c_str(), &st) != 0) return {std::nullopt, *path, fmt::format("{}: file {} does not exist", key, *path)};
  return {static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9, *path, ""};
}

Probe
probe_newer_than(const Spec& spec, const std::vector<std::pair<std::string, std::string>>& components,
                 const CheckStep& step)
{
  auto left = resolve_time(spec, components, step.left, "newer_than.left");
  if (!left.error.empty()) return failed(left.error);
  auto right = resolve_time(spec, components, step.right, "newer_than.right");
  if (!right.error.empty()) return failed(right.error);
  if (!left.seconds) return pass(fmt::format("no {} is running; nothing stale", left.what));
  if (!right.seconds) return failed(fmt::format("newer_than.right: no {} is running to compare against", right.what));
  if (*left.seconds > *right.seconds) return pass(fmt::format("{} is newer than {}", left.what, right.what));
  return failed(fmt::format("{} is not newer than {} ({:.0f} s older); rebuild or restart it", left.what, right.what,
                            *right.seconds - *left.seconds));
}

Probe
run_step(const Spec& spec, const std::vector<std::pair<std::string, std::string>>& components, const CheckStep& step,
         std::size_t index)
{
  if (step.kind != "check") {
    return failed(fmt::format("step kind `{}` is not supported by homeboy's rig check (only `check` steps are probed)",
                              step.kind));
  }
  std::string key = fmt::format("pipeline.check[{}]", index);
  auto expand = [&](const std::string& value, const std::string& field) {
    return expand_field(spec, components, value, key + "." + field);
  };
  if (step.probe == "http") {
    auto url = expand(step.http, "http");
    return url ? probe_http(*url, step.expect_status) : failed(url.error().message);
  }
  if (step.probe == "file") {
    auto path = expand(step.file, "file");
    return path ? probe_file(*path, step.contains) : failed(path.error().message);
  }
  if (step.probe == "any_file_exists") {
    std::vector<std::string> tried;
    for (std::size_t i = 0; i < step.any_file_exists.size(); ++i) {
      auto path = expand(step.any_file_exists[i], fmt::format("any_file_exists[{}]", i));
      if (!path) return failed(path.error().message);
      std::error_code ec;
      if (fs::exists(*path, ec)) return pass(fmt::format("{} exists", *path));
      tried.push_back(*path);
    }
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    return failed("none of these files exist: " + list);
  }
  if (step.probe == "command") {
    auto command = expand(step.command, "command");
    return command ? probe_command(*command, step.expect_exit, step.timeout_ms) : failed(command.error().message);
  }
  return probe_newer_than(spec, components, step);
}

} // namespace

CheckReport
check(const Spec& spec)
{
  CheckReport report{spec.id, true, {}};
  std::vector<std::pair<std::string, std::string>> components;
  for (const auto& c : spec.components) components.emplace_back(c.id, c.path.string());
  using Clock = std::chrono::steady_clock;
  auto record = [&](std::string label, std::string probe, Clock::time_point started, Probe outcome) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    report.passed = report.passed && outcome.passed;
    report.steps.push_back(StepOutcome{std::move(label), std::move(probe), outcome.passed, std::move(outcome.message),
                                       static_cast<std::int64_t>(elapsed)});
  };
  for (const auto& c : spec.components) {
    auto started = Clock::now();
    std::error_code ec;
    Probe outcome = fs::is_directory(c.path, ec)
                      ? pass(fmt::format("{} exists", c.path.string()))
                      : failed(fmt::format("component `{}`: path {} does not exist (components.{}.path in {})", c.id,
                                           c.path.string(), c.id, spec.file.string()));
    record("component " + c.id, "component_path", started, std::move(outcome));
  }
  for (std::size_t i = 0; i < spec.checks.size(); ++i) {
    const CheckStep& step = spec.checks[i];
    auto started = Clock::now();
    Probe outcome = run_step(spec, components, step, i);
    std::string label = step.label.empty() ? fmt::format("check {}", i + 1) : step.label;
    record(std::move(label), step.probe.empty() ? step.kind : step.probe, started, std::move(outcome));
  }
  return report;
}

} // namespace hb::rig

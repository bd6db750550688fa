// Concurrent runner instances (instances.hpp): one thread per instance, each
// running measure_with_runner with its own results file and log tag, then
// the original's `:i<k>` aggregation and the first failure named.

#include "app/bench/instances.hpp"

#include "app/bench/isolation.hpp"

#include "bench/instances.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <mutex>
#include <thread>

namespace hb::app::pipeline {

namespace stdfs = std::filesystem;
using namespace hb::bench;

Result<void>
check_instances(const BenchRequest& request, bool timed_commands)
{
  auto refuse = [](std::string message) -> Result<void> {
    return make_error("validation.invalid_argument", std::move(message));
  };
  const std::uint64_t n = request.concurrency;
  if (n == 0) {
    return refuse("--concurrency must be at least 1, got 0; --concurrency 4 --shared-state DIR "
                  "runs four runner instances at once");
  }
  if (n > k_max_concurrency) {
    return refuse(fmt::format("--concurrency must be at most {}, got {}", k_max_concurrency, n));
  }
  if (n > 1 && !request.shared_state) {
    return refuse(fmt::format("--concurrency {} needs --shared-state DIR: the instances share "
                              "their warm state through that directory "
                              "(HOMEBOY_BENCH_SHARED_STATE); add e.g. --shared-state "
                              "/tmp/homeboy-bench",
                              n));
  }
  if (n > 1 && timed_commands) {
    return refuse(fmt::format(
      "--concurrency {} runs runner instances; timed commands (--exec, bench.commands) are "
      "measured one at a time so that they do not disturb each other's timings: drop "
      "--concurrency (--shared-state alone still reaches the commands)",
      n));
  }
  if (!request.shared_state) return {};
  const stdfs::path& dir = *request.shared_state;
  if (dir.empty()) {
    return refuse("--shared-state needs a directory, got an empty path");
  }
  std::error_code ec;
  auto status = stdfs::status(dir, ec);
  if (stdfs::exists(status) && !stdfs::is_directory(status)) {
    return refuse(fmt::format("--shared-state {} is not a directory (a file is there); give a "
                              "directory, which is created when missing",
                              dir.string()));
  }
  if (!stdfs::exists(status)) {
    stdfs::create_directories(dir, ec);
    if (ec) {
      return refuse(fmt::format("--shared-state {} could not be created: {}; give a directory "
                                "you can write",
                                dir.string(), ec.message()));
    }
  }
  return {};
}

Round
measure_instances(const Prepared& p, const BenchRequest& request, const std::string& run_id,
                  const stdfs::path& run_dir, const stdfs::path& results_file,
                  const std::string& log_tag, std::uint64_t iterations,
                  const std::vector<std::string>& scenarios)
{
  const auto n = static_cast<std::uint32_t>(request.concurrency);
  // The runner knows its scenarios by their own ids: a later round
  // (--until-decisive) asks again for `x`, not `x:i0`.
  const std::vector<std::string> runner_ids = base_scenario_ids(scenarios);
  // The instances' output reaches the caller's callback from n threads.
  std::mutex output_mutex;
  BenchRequest shared = request;
  if (request.on_runner_output) {
    shared.on_runner_output = [&](OutputStream stream, std::string_view chunk) {
      std::lock_guard lock(output_mutex);
      request.on_runner_output(stream, chunk);
    };
  }
  // The instances share the bench's process group (so `runs reconcile`
  // finds all of them); GroupGuard has one owner thread, so its guard is
  // made sure of here, once, and the threads only read its group id.
  if (p.group) (void)p.group->ensure();
  std::vector<Round> rounds(n);
  std::vector<stdfs::path> files(n);
  {
    std::vector<std::jthread> threads;
    for (std::uint32_t k = 0; k < n; ++k) {
      files[k] = results_file.parent_path() / instance_results_name(results_file.filename().string(), k);
      std::error_code ec;
      stdfs::remove(files[k], ec);
      threads.emplace_back([&, k] {
        rounds[k] = measure_with_runner(p, shared, run_id, run_dir, files[k],
                                        fmt::format("{}.i{}", log_tag, k), iterations, runner_ids,
                                        k);
      });
    }
  }

  Round out;
  std::vector<InstanceResults> parts;
  for (std::uint32_t k = 0; k < n; ++k) {
    Round& r = rounds[k];
    out.memory.insert(out.memory.end(), r.memory.begin(), r.memory.end());
    if (r.results) parts.push_back({k, std::move(*r.results)});
    if (r.cancelled) out.cancelled = true;
    if (!out.process || (r.failure && !out.failure)) out.process = r.process;
    if (r.failure && !out.failure) {
      out.failure = *r.failure;
      // An interruption stops every instance: its message says so alone.
      if (!r.cancelled) {
        out.failure->message = fmt::format(
          "instance {} of {} (HOMEBOY_BENCH_INSTANCE_ID={}) failed: {}", k, n, k, r.failure->message);
      }
      out.exit_code = r.exit_code;
      out.terminal_reason = r.terminal_reason;
    }
  }
  if (out.failure && !out.cancelled) {
    std::vector<std::string> failed;
    for (std::uint32_t k = 0; k < n; ++k) {
      if (rounds[k].failure) failed.push_back(std::to_string(k));
    }
    if (failed.size() > 1) {
      out.failure->message += fmt::format(" (instances that failed: {})", fmt::join(failed, ", "));
    }
  }
  if (out.cancelled && out.terminal_reason.empty()) out.terminal_reason = "cancelled_by_user";
  if (parts.empty()) return out;
  BenchResults merged = merge_instances(std::move(parts), p.component.id, iterations);
  if (auto written = fs::write_file_atomic(results_file, dump_json(*merged.document)); !written) {
    warn(request, fmt::format("the joined results of the instances could not be written to {} "
                              "({}); each instance's file is kept",
                              results_file.string(), written.error().message));
  }
  out.results = std::move(merged);
  return out;
}

} // namespace hb::app::pipeline

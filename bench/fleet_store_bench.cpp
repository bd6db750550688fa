// The registry's store path under many workers (issue 18): N threads, each
// with its own store connection as a worker on its own host would have,
// claim, start and settle queued `true` runs until none is left. Prints the
// wall time and the store time per run (the time spent inside the store
// calls, summed over the threads, divided by the runs), and checks that
// every run was settled exactly once.
//
//   fleet_store_bench STORE [runs=2000] [workers=8]
//
// STORE is sqlite:PATH or postgres://...; the runs are added to it.

#include "model/store_spec.hpp"
#include "store/store.hpp"
#include "util/id.hpp"

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace hb;

namespace {

Result<std::unique_ptr<Store>>
open_spec(const std::string& spec)
{
  Paths paths;
  if (!name_store(paths, spec)) {
    return make_error("validation.invalid_argument",
                      "the store is sqlite:PATH or postgres://user@host:port/database");
  }
  return open_store(paths);
}

TimeMs
wall_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 2) {
    fmt::print(stderr, "usage: fleet_store_bench sqlite:PATH|postgres://... [runs] [workers]\n");
    return 2;
  }
  const std::string spec = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int workers = argc > 3 ? std::atoi(argv[3]) : 8;
  auto store = open_spec(spec);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().message);
    return 1;
  }
  std::vector<Run> queued;
  const TimeMs now = wall_ms();
  for (int i = 0; i < runs; ++i) {
    Run r;
    r.id = new_uuid_v4();
    r.kind = "task";
    r.status = RunStatus::queued;
    r.command = "true";
    r.created_at = now + i;
    queued.push_back(r);
  }
  if (auto ok = (*store)->insert_runs(queued); !ok) {
    fmt::print(stderr, "error: {}\n", ok.error().message);
    return 1;
  }
  std::mutex mutex;
  std::set<std::string> settled;
  std::atomic<long long> store_us{0};
  std::atomic<int> duplicates{0}, errors{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto mine = open_spec(spec);
      if (!mine) {
        ++errors;
        return;
      }
      Store& s = **mine;
      const std::string owner = fmt::format("bench-host-{}:{}", w, w);
      while (true) {
        auto t0 = std::chrono::steady_clock::now();
        auto claimed = s.claim_run(owner, wall_ms(), std::nullopt);
        if (!claimed) {
          ++errors;
          fmt::print(stderr, "claim: {}\n", claimed.error().message);
          return;
        }
        if (!*claimed) break;
        const Run& run = **claimed;
        RunUpdate start;
        start.status = RunStatus::running;
        start.started_at = wall_ms();
        auto running = s.update_run(run.id, RunStatus::booting, run.lease_epoch, start, wall_ms());
        RunOutcome outcome;
        outcome.status = RunStatus::succeeded;
        outcome.exit_code = 0;
        outcome.finished_at = wall_ms();
        auto done = running ? s.settle_run(run.id, RunStatus::running, run.lease_epoch, outcome)
                            : Result<void>(Unexpected(running.error()));
        store_us += std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
        if (!done) {
          ++errors;
          fmt::print(stderr, "settle: {}\n", done.error().message);
          continue;
        }
        std::lock_guard lock(mutex);
        if (!settled.insert(run.id).second) ++duplicates;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print("{{\"store\": \"{}\", \"runs\": {}, \"workers\": {}, \"settled\": {}, \"duplicates\": {}, "
             "\"errors\": {}, \"wall_ms\": {:.0f}, \"store_ms_per_run\": {:.2f}, "
             "\"wall_ms_per_run\": {:.2f}}}\n",
             spec.rfind("sqlite:", 0) == 0 ? "sqlite" : "postgres", runs, workers, settled.size(),
             duplicates.load(), errors.load(), wall,
             store_us.load() / 1000.0 / std::max<std::size_t>(settled.size(), 1),
             wall / std::max<std::size_t>(settled.size(), 1));
  return settled.size() == static_cast<std::size_t>(runs) && duplicates == 0 && errors == 0 ? 0 : 1;
}

#pragma once
// `homeboy worker`: claims queued runs and launches a supervisor for each,
// up to a concurrency; wakes on a submit at once (WakeWatcher); and reaps:
// settles every active run on the store whose heartbeats stopped, whose
// deadline or start timeout passed, or whose owning process on this machine
// is gone, after killing what is left of it.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hb::registry {

/// Past a running deadline the supervisor stops the command itself (SIGTERM,
/// grace, SIGKILL) and settles; the reaper steps in only after this much more.
inline constexpr std::int64_t k_deadline_grace_ms = 5000;

struct ReapAction
{
  RunStatus status = RunStatus::failed;
  std::string reason; // heartbeat_lost | start_timeout | deadline | owner_gone
  std::string detail; // a sentence for the run's metadata `error`
};

/// Whether a process of this machine with this pid (and start time) lives.
using AliveFn = std::function<bool(int, std::optional<std::uint64_t>)>;

/// What the reaper does with an active run at `now`: nothing (nullopt), or
/// settle it. `host` is this machine's name. Pure.
std::optional<ReapAction> reap_decision(const Run& run, TimeMs now, const std::string& host,
                                        const AliveFn& alive);

/// The earliest time reap_decision could act on this run (nullopt: only
/// when its owner dies, which is checked on every pass).
std::optional<TimeMs> reap_due(const Run& run);

struct Reaped
{
  Run run;
  ReapAction action;
  std::optional<TimeMs> retry_at; // an automatic retry was queued for then
};

/// One reaper pass over the active runs: kills what remains of each run it
/// settles (its supervisor and the command's process group, when they run
/// here), then settles it by compare-and-set (a run that moved meanwhile is
/// left alone). `next_due` is when the next pass is needed.
Result<std::vector<Reaped>> reap(Store& store, const Paths& paths, TimeMs now,
                                 std::optional<TimeMs>& next_due);

struct WorkerOptions
{
  int concurrency = 1;
  // Stop when the queue is empty (no queued run at all, automatic retries
  // waiting for their backoff included) and our runs are done.
  bool once = false;
};

/// One line of a worker's report: an event (a run started, finished or
/// reaped) or an error (a claim, launch or reaper pass that failed).
using WorkerLog = std::function<void(bool error, const std::string& line)>;

/// Runs the worker until SIGINT/SIGTERM (its supervisors keep running and
/// settle their runs) or, with `once`, until there is nothing left to do.
/// `log` receives every error, and the events only when `events` is set
/// (a finished run is read back just for its line, so a quiet worker does
/// not read it).
Result<void> run_worker(const Paths& paths, const WorkerOptions& options, bool events,
                        const WorkerLog& log);

} // namespace hb::registry

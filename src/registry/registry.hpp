#pragma once
// The durable run registry (DESIGN.md "Run lifecycle"): submit and start
// runs, wait for them, cancel them, beat for them, replay them. Runs are
// executed by a supervisor process (supervisor.hpp) that a worker
// (worker.hpp) or `runs start` launches detached, so no caller has to stay.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "registry/recipe.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb::registry {

/// A run's captured output of attempt `attempt`, in that attempt's
/// directory (attempt_dir: the run directory for attempt 1).
std::filesystem::path log_path(const Paths& paths, const std::string& run_id, bool stderr_stream,
                               int attempt = 1);

/// Validates and queues runs in one transaction, then wakes the workers.
/// The values of each recipe's secret variables, as this process sees them,
/// are masked out of what is stored.
Result<std::vector<Run>> submit(Store& store, const Paths& paths, const std::vector<Recipe>& recipes,
                                const std::string& replay_of = "");

/// Records a run of `recipe` already claimed by this process (booting,
/// lease epoch 1: it is never queued, so no worker can take it) and
/// launches its supervisor detached; the caller may exit at once. A
/// supervisor that cannot be launched settles the run `failed` with reason
/// `spawn_failed`.
Result<Run> start(Store& store, const Paths& paths, const Recipe& recipe,
                  const std::string& replay_of = "");

/// Launches `homeboy runs supervise <id> --epoch N` for a run this process
/// just claimed, in a new session with its output to the run's
/// supervisor.log; returns its pid. When it cannot be launched, the run is
/// settled `failed` (`spawn_failed`) and the error returned.
Result<int> launch_claimed(Store& store, const Paths& paths, const Run& claimed);

/// The `homeboy` program launch_claimed runs as the supervisor (default:
/// this process's own executable). The daemon, a separate program, names
/// the homeboy beside it. Call before any launch, from one thread.
void set_supervisor_executable(const std::string& path);

/// The `homeboy` program: the one set_supervisor_executable named, else
/// this process's own executable.
Result<std::string> homeboy_program();

/// Tells waiting workers and `runs status --wait` that something changed.
void wake(const Paths& paths);

/// Blocks until wake() is called by any process on this machine, or
/// `timeout_ms` passes (inotify on the data directory; no polling). With a
/// shared PostgreSQL store, until any host changes a run's status (LISTEN/
/// NOTIFY; a notification lost while the connection is down is caught by
/// the caller's timeout).
class WakeWatcher
{
public:
  explicit WakeWatcher(const Paths& paths);
  ~WakeWatcher();
  WakeWatcher(const WakeWatcher&) = delete;
  WakeWatcher& operator=(const WakeWatcher&) = delete;
  /// The descriptor to poll for POLLIN (-1 if none is available now).
  int fd() const { return m_listener ? m_listener->fd() : m_fd; }
  /// Reads pending notifications; true if one was a wake.
  bool drain();
  /// Waits up to `timeout_ms`; true when woken.
  bool wait(int timeout_ms);
  /// How long to wait between looks at the queue while fd() is -1: 50 ms
  /// on one machine without inotify; 1 s with a shared store whose
  /// listener is down (the slow safety poll).
  int blind_poll_ms() const { return m_shared ? 1000 : 50; }

private:
  bool m_shared = false; // a shared (PostgreSQL) store
  int m_fd = -1;
  std::unique_ptr<StoreListener> m_listener;
};

/// Waits until the run is terminal or `timeout_ms` (nullopt: forever)
/// passes; returns the run as last read.
Result<Run> wait_until_settled(Store& store, const Paths& paths, const std::string& run_id,
                               std::optional<std::int64_t> timeout_ms);

struct CancelResult
{
  Run run;
  /// requested | cancelled | already_finished | already_requested
  std::string action;
  bool signalled = false; // the supervisor on this machine was sent SIGTERM
};

/// Cancels a run (idempotent): a queued run is cancelled at once; an active
/// one is marked and its supervisor, when it runs on this machine, is sent
/// SIGTERM (it stops the command's process group: SIGTERM, a grace period,
/// SIGKILL); a finished one is left as it is.
Result<CancelResult> cancel(Store& store, const Paths& paths, const std::string& run_id,
                            const std::string& reason);

/// `runs heartbeat`: a beat for a producer that runs its own process, with
/// optional preview info (JSON object, merged into metadata `preview`,
/// secret-named keys redacted: registry/preview.hpp) and a message (an
/// event).
Result<Run> heartbeat(Store& store, const std::string& run_id, const std::string& preview_json,
                      const std::string& message);

/// The recipe to run `run` again from (replay, resume): `registry.no_recipe`
/// for runs not made by the registry, `registry.masked_recipe` when a
/// secret was typed into its command or environment and stored masked.
Result<Recipe> rerunnable_recipe(const Run& run);

/// Submits (or, with `start_now`, starts) a new run from `run_id`'s recipe,
/// linked to it (`replay_of`).
Result<Run> replay(Store& store, const Paths& paths, const std::string& run_id, bool start_now);

} // namespace hb::registry

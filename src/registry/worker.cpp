#include "registry/worker.hpp"

#include "model/host_id.hpp"
#include "app/reconcile.hpp"
#include "registry/attempts.hpp"
#include "registry/registry.hpp"
#include "util/host.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <csignal>
#include <map>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hb::registry {

namespace {

std::optional<int>
local_owner(const Run& run, const std::string& host)
{
  if (run.owner_pid && run.lease_owner == fmt::format("{}:{}", host, *run.owner_pid)) {
    return run.owner_pid;
  }
  return std::nullopt;
}

// Kills what is left of a run settled by the reaper. A live supervisor (a
// session leader) goes with every process of its session, which covers a
// command whose process group was not recorded yet; without it, the
// command's recorded process group, if it is still the same process.
void
kill_remains(const Run& run, const std::string& host)
{
  if (auto owner = local_owner(run, host); owner && process_alive(*owner, run.owner_start_time)) {
    kill_session(*owner, SIGKILL);
    return;
  }
  app::kill_recorded_group(run, host);
}

int
open_pidfd(int pid)
{
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

} // namespace

std::optional<TimeMs>
reap_due(const Run& run)
{
  std::optional<TimeMs> due;
  auto earliest = [&](TimeMs t) { due = due ? std::min(*due, t) : t; };
  if (run.deadline_at && run.status != RunStatus::collecting_artifacts) {
    earliest(*run.deadline_at + (run.status == RunStatus::booting ? 0 : k_deadline_grace_ms));
  }
  if (run.heartbeat_timeout_ms) {
    TimeMs last = run.heartbeat_at.value_or(run.started_at.value_or(run.created_at));
    earliest(last + *run.heartbeat_timeout_ms + 1);
  }
  return due;
}

std::optional<ReapAction>
reap_decision(const Run& run, TimeMs now, const std::string& host, const AliveFn& alive)
{
  if (is_terminal(run.status) || run.status == RunStatus::queued) {
    return std::nullopt;
  }
  bool booting = run.status == RunStatus::booting;
  // A command that ended in time is not timed out by a slow collection: that
  // is judged by heartbeats alone.
  bool bounded = run.deadline_at && run.status != RunStatus::collecting_artifacts;
  if (bounded && now >= *run.deadline_at + (booting ? 0 : k_deadline_grace_ms)) {
    return ReapAction{RunStatus::timed_out, booting ? "start_timeout" : "deadline",
                      booting ? "the run did not start within its start timeout"
                              : "the run was still active past its deadline and its supervisor "
                                "did not stop it"};
  }
  if (run.heartbeat_timeout_ms) {
    TimeMs last = run.heartbeat_at.value_or(run.started_at.value_or(run.created_at));
    // A beat from the future (a corrupt lease, a clock far off) counts as
    // none: the run must not escape the reaper forever.
    bool corrupt = last > now + *run.heartbeat_timeout_ms;
    if (corrupt || now - last > *run.heartbeat_timeout_ms) {
      return ReapAction{RunStatus::failed, "heartbeat_lost",
                        corrupt ? fmt::format("its last heartbeat is in the future ({}); the "
                                              "lease is corrupt",
                                              format_rfc3339(last))
                                : fmt::format("no heartbeat since {} (timeout {})",
                                              format_rfc3339(last),
                                              format_duration_ms(*run.heartbeat_timeout_ms))};
    }
    return std::nullopt;
  }
  // A producer that owns its process (a `homeboy bench`): settled when that
  // process is gone.
  if (auto owner = local_owner(run, host); owner && !alive(*owner, run.owner_start_time)) {
    return ReapAction{RunStatus::failed, "owner_gone",
                      fmt::format("its owner {} is no longer running", run.lease_owner)};
  }
  return std::nullopt;
}

Result<std::vector<Reaped>>
reap(Store& store, const Paths& paths, TimeMs now, std::optional<TimeMs>& next_due)
{
  auto active = store.active_runs();
  if (!active) {
    return Unexpected(active.error());
  }
  std::string host = host_id();
  AliveFn alive = [](int pid, std::optional<std::uint64_t> start) { return process_alive(pid, start); };
  std::vector<Reaped> out;
  next_due.reset();
  for (const auto& run : *active) {
    auto action = reap_decision(run, now, host, alive);
    if (!action) {
      if (auto due = reap_due(run)) next_due = next_due ? std::min(*next_due, *due) : *due;
      continue;
    }
    kill_remains(run, host);
    RunOutcome outcome;
    outcome.status = action->status;
    outcome.terminal_reason = action->reason;
    outcome.finished_at = now;
    outcome.merge_metadata = true;
    outcome.metadata_json = dump_json(Json{{"error", action->detail}});
    // An automatic retry (--retry) is queued in the same transaction.
    if (auto recipe = recipe_from_run(run)) {
      outcome.retry_at = retry_time(*recipe, run.attempt, outcome.status, outcome.terminal_reason,
                                    now, jitter_sample());
    }
    if (auto settled = store.settle_run(run.id, run.status, run.lease_epoch, outcome); settled) {
      out.push_back(Reaped{run, *action, outcome.retry_at});
    } else if (settled.error().code != "store.conflict") {
      return Unexpected(settled.error());
    }
  }
  if (!out.empty()) {
    wake(paths);
  }
  return out;
}

Result<void>
run_worker(const Paths& paths, const WorkerOptions& options, bool events, const WorkerLog& log)
{
  auto event = [&](const std::string& line) {
    if (events) log(false, line);
  };
  auto error = [&](const std::string& line) { log(true, line); };
  auto opened = open_store(paths);
  if (!opened) {
    return Unexpected(opened.error());
  }
  Store& store = **opened;
  install_interrupt_handlers();
  WakeWatcher watcher(paths);
  std::string label = app::owner_label(static_cast<int>(::getpid()));
  struct Child
  {
    std::string run_id;
    int pidfd = -1;
  };
  std::map<int, Child> children;
  TimeMs next_reap = 0;
  while (true) {
    TimeMs now = now_ms();
    if (now >= next_reap) {
      std::optional<TimeMs> due;
      auto reaped = reap(store, paths, now, due);
      if (!reaped) {
        error(fmt::format("reaper: {}", reaped.error().message));
      } else {
        for (const auto& r : *reaped) {
          event(fmt::format("reaped {} ({}): {} {}{}", r.run.id, to_string(r.run.status),
                          to_string(r.action.status), r.action.reason,
                          r.retry_at ? fmt::format("; attempt {} queued for {}", r.run.attempt + 1,
                                                   format_rfc3339(*r.retry_at))
                                     : std::string()));
        }
      }
      // Owners that die are noticed within a second; timeouts on time.
      next_reap = std::min(due.value_or(now + 1000), now + 1000);
    }
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      auto it = children.find(pid);
      if (it == children.end()) continue;
      auto run = events ? store.get_run(it->second.run_id) : Result<std::optional<Run>>();
      if (run && *run && (*run)->status == RunStatus::queued && (*run)->retry_at) {
        event(fmt::format("finished {}: attempt {} failed; attempt {} queued for {}", (*run)->id,
                          (*run)->attempt - 1, (*run)->attempt, format_rfc3339(*(*run)->retry_at)));
      } else if (run && *run) {
        event(fmt::format("finished {}: {} ({})", (*run)->id, to_string((*run)->status),
                        (*run)->terminal_reason));
      }
      if (it->second.pidfd >= 0) ::close(it->second.pidfd);
      children.erase(it);
    }
    if (interrupt_signal() != 0) {
      if (!children.empty()) {
        event(fmt::format("stopping; {} run(s) keep going under their supervisors and settle on "
                        "their own",
                        children.size()));
      }
      return {};
    }
    bool queue_empty = false;
    while (static_cast<int>(children.size()) < options.concurrency) {
      auto claimed = store.claim_run(label, now_ms(), std::nullopt);
      if (!claimed) {
        error(fmt::format("cannot claim a run: {}", claimed.error().message));
        break;
      }
      if (!*claimed) {
        queue_empty = true;
        break;
      }
      const Run& run = **claimed;
      auto pid = launch_claimed(store, paths, run);
      if (!pid) {
        error(fmt::format("cannot start {}: {}", run.id, pid.error().message));
        continue;
      }
      children[*pid] = Child{run.id, open_pidfd(*pid)};
      event(fmt::format("started {}: {}", run.id, run.command));
    }
    if (options.once && queue_empty && children.empty()) {
      // A retry waiting for its backoff is still queued: wait for it.
      RunFilter queued;
      queued.statuses = {RunStatus::queued};
      queued.limit = 1;
      auto waiting = store.list_runs(queued);
      if (!waiting || waiting->runs.empty()) {
        std::optional<TimeMs> due;
        (void)reap(store, paths, now_ms(), due);
        return {};
      }
    }
    std::vector<struct pollfd> fds;
    if (watcher.fd() >= 0) fds.push_back({watcher.fd(), POLLIN, 0});
    for (const auto& [pid, child] : children) {
      if (child.pidfd >= 0) fds.push_back({child.pidfd, POLLIN, 0});
    }
    int wait_ms = static_cast<int>(std::clamp<std::int64_t>(next_reap - now_ms(), 0, 1000));
    if (watcher.fd() < 0) wait_ms = std::min(wait_ms, watcher.blind_poll_ms());
    ::poll(fds.data(), fds.size(), wait_ms);
    watcher.drain();
  }
}

} // namespace hb::registry

#include "app/reconcile.hpp"

#include "model/host_id.hpp"
#include "app/bench/baseline_commit.hpp"

#include "util/json.hpp"
#include "util/host.hpp"
#include "util/process.hpp"

#include <fmt/core.h>

#include <csignal>

namespace hb::app {

std::string
owner_label(int pid)
{
  return fmt::format("{}:{}", host_id(), pid);
}

Run
owned_run(std::string id, std::string kind, std::string command, std::string cwd,
          std::string homeboy_version)
{
  Run run;
  run.id = std::move(id);
  run.kind = std::move(kind);
  run.status = RunStatus::running;
  run.command = std::move(command);
  run.cwd = std::move(cwd);
  run.homeboy_version = std::move(homeboy_version);
  run.created_at = now_ms();
  run.started_at = run.created_at;
  run.heartbeat_at = run.created_at;
  run.owner_pid = static_cast<int>(::getpid());
  run.lease_owner = owner_label(*run.owner_pid);
  run.owner_start_time = process_start_time(::getpid());
  return run;
}

std::size_t
kill_recorded_group(const Run& run, const std::string& host)
{
  Json meta = parse_json_or_discard(run.metadata_json);
  if (!meta.is_object() || !meta.contains("runtime") || !meta["runtime"].is_object()) {
    return 0;
  }
  const Json& runtime = meta["runtime"];
  if (runtime.value("host", Json()) != host || !runtime.value("pgid", Json()).is_number_integer()) {
    return 0;
  }
  std::optional<std::uint64_t> start_time;
  if (runtime.value("start_time", Json()).is_number_unsigned()) {
    start_time = runtime["start_time"].get<std::uint64_t>();
  }
  return static_cast<std::size_t>(
    kill_process_group(runtime["pgid"].get<int>(), start_time, SIGKILL));
}

Result<ReconcileReport>
reconcile_runs(Store& store, const Paths& paths, bool dry_run)
{
  ReconcileReport report;
  const std::string host = host_id();
  RunFilter filter;
  filter.statuses = {RunStatus::booting, RunStatus::running, RunStatus::collecting_artifacts};
  filter.limit = 500;
  std::vector<Run> active;
  while (true) {
    auto page = store.list_runs(filter);
    if (!page) {
      return Unexpected(page.error());
    }
    active.insert(active.end(), page->runs.begin(), page->runs.end());
    if (!page->next_cursor) {
      break;
    }
    filter.after = page->next_cursor;
  }
  for (auto& run : active) {
    ReconcileEntry entry{run, "", ""};
    const std::string owner = owner_host(run.lease_owner);
    if (!run.owner_pid) {
      entry.action = "no_owner";
      entry.detail = "no owner process recorded; left alone";
    } else if (!owner.empty() && owner != host) {
      entry.action = "other_host";
      entry.detail = fmt::format("owned by {} on another host; reconcile it there", run.lease_owner);
    } else if (process_alive(*run.owner_pid, run.owner_start_time)) {
      entry.action = "alive";
      entry.detail = fmt::format("owner process {} is still running", *run.owner_pid);
    } else if (dry_run) {
      entry.action = "would_settle";
      entry.detail = fmt::format("owner process {} is gone; would settle as failed (owner_gone)",
                                 *run.owner_pid);
    } else {
      Json meta = parse_json_or_discard(run.metadata_json);
      if (!meta.is_object()) {
        meta = Json::object();
      }
      TimeMs now = now_ms();
      meta["reconciled"] = {{"at", format_rfc3339(now)},
                            {"reason", fmt::format("owner process {} is gone", *run.owner_pid)},
                            {"previous_status", to_string(run.status)}};
      RunOutcome outcome;
      outcome.status = RunStatus::failed;
      outcome.terminal_reason = "owner_gone";
      outcome.finished_at = now;
      outcome.metadata_json = dump_json(meta);
      auto settled = store.settle_run(run.id, run.status, run.lease_epoch, outcome);
      if (!settled && settled.error().code == "store.conflict") {
        entry.action = "moved";
        entry.detail = "the run changed while reconciling; left alone";
      } else if (!settled) {
        return Unexpected(settled.error());
      } else {
        entry.action = "settled";
        entry.detail = fmt::format("owner process {} is gone; settled as failed (owner_gone)",
                                   *run.owner_pid);
        ++report.settled;
      }
      if (std::size_t killed = kill_recorded_group(run, host)) {
        report.processes_killed += killed;
        entry.detail += fmt::format("; killed {} leftover process{} of its group", killed,
                                    killed == 1 ? "" : "es");
      }
    }
    report.entries.push_back(std::move(entry));
  }
  if (!dry_run) {
    report.baselines = recover_pending_baselines(store, paths);
  }
  return report;
}

} // namespace hb::app

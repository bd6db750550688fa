#pragma once
// `homeboy runs reconcile`: settles runs whose owning process is gone (a
// `homeboy bench` killed with SIGKILL, a machine that lost power), so nothing
// stays `running` forever.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <string>
#include <vector>

namespace hb::app {

/// "<hostname>:<pid>": how a producer names itself in a run's lease_owner.
std::string owner_label(int pid);

/// A new `running` run owned by this process, as a producer inserts it
/// before its work: id, kind, command line, cwd and version; created,
/// started and heartbeat now; owner pid, lease owner and the process's
/// start time (what `runs reconcile` checks).
Run owned_run(std::string id, std::string kind, std::string command, std::string cwd,
              std::string homeboy_version);

struct ReconcileEntry
{
  Run run;
  std::string action; // settled | would_settle | alive | other_host | no_owner | moved
  std::string detail; // a sentence for the report
};

struct ReconcileReport
{
  std::vector<ReconcileEntry> entries;
  std::size_t settled = 0;
  /// Processes of dead benches' groups that were killed.
  std::size_t processes_killed = 0;
  /// One sentence per interrupted baseline write completed or rolled back.
  std::vector<std::string> baselines;
};

/// Kills what is left of a run's command on this host: the process group its
/// metadata.runtime records (pgid, and the group leader's start time, so a
/// reused id is never hit), when runtime.host is `host`. Returns how many
/// processes were signalled.
std::size_t kill_recorded_group(const Run& run, const std::string& host);

/// Looks at every active run (booting, running, collecting_artifacts). One
/// owned by a process of this host that no longer exists or is a zombie
/// (checked by pid and process start time, so a reused pid does not count as
/// alive) is settled `failed` with terminal_reason `owner_gone`
/// (compare-and-set: a run that moved meanwhile is left alone), and what is
/// left of its process group (metadata.runtime: pgid and the group leader's
/// start time) is killed. Then interrupted baseline writes are completed or
/// rolled back (app/bench/baseline_commit.hpp). With `dry_run` nothing is
/// written or killed.
Result<ReconcileReport> reconcile_runs(Store& store, const Paths& paths, bool dry_run);

} // namespace hb::app

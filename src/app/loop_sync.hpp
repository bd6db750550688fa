#pragma once
// `homeboy runs loop-sync <archive-root>`: records continuous-loop archive
// directories as observation evidence. Each subdirectory of the archive root
// is one loop iteration; its triage summary (triage.json or summary.json)
// gives the run's status. Recording is idempotent: an archive's run id is
// derived from its path, so a second sync records only new archives.

#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hb::app {

struct LoopSyncRequest
{
  std::filesystem::path archive_root;
  std::string component_id, rig_id, label;
  bool dry_run = false;
  std::string command_line; // recorded as each run's command
};

struct LoopArchive
{
  std::string name;
  std::filesystem::path path;
  std::string run_id;   // derived from the archive's path
  std::string state;    // new | recorded (this sync) | synced (before)
  RunStatus status = RunStatus::succeeded;
  std::string triage_file; // empty when there is none
  std::string problem;     // e.g. the triage file is not valid JSON
  std::size_t files = 0;
  std::uint64_t bytes = 0;
};

struct LoopSyncReport
{
  std::filesystem::path archive_root;
  bool dry_run = false;
  std::vector<LoopArchive> archives;
};

Result<LoopSyncReport> loop_sync(Store& store, const LoopSyncRequest& request);
Json loop_sync_json(const LoopSyncReport& report);

} // namespace hb::app

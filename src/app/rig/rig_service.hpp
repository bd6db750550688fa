#pragma once
// The rig commands' store side (issue 14): `rig check` recorded as a
// `kind=rig` run, and `rig runs` (every run pinned to a rig, newest first).

#include "model/paths.hpp"
#include "rig/rig.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <string>

namespace hb::app::rig {

struct CheckRequest
{
  std::string command_line;
  std::string cwd;
  std::string homeboy_version;
};

struct CheckRun
{
  hb::rig::CheckReport report;
  std::string run_id;
  hb::rig::State state;
};

/// Runs every check step of `spec` and records the outcome as a `kind=rig`
/// run (succeeded when every step passed, else failed with exit code 1):
/// the steps in metadata.rig_check, a finding per failed step, the rig's
/// git snapshot in metadata.rig_state.
Result<CheckRun> run_check(Store& store, const hb::rig::Spec& spec, const CheckRequest& request);

/// The runs of every kind pinned to `rig_id`, newest first (the runs list query with --rig).
Result<RunPage> rig_runs(Store& store, const std::string& rig_id, std::size_t limit,
                         const std::optional<std::string>& after = std::nullopt);

/// The check report as JSON text: {rig_id, passed, steps: [{label, probe, passed, message, elapsed_ms}]}.
std::string check_report_json(const hb::rig::CheckReport& report);

} // namespace hb::app::rig

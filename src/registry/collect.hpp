#pragma once
// Collecting a finished run's evidence into the artifact root: its captured
// logs, the files its --artifact globs name (copied, with sha256 and size),
// and a bundle manifest that lists them all.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "util/error.hpp"

#include <string>
#include <vector>

namespace hb::registry {

struct Collection
{
  std::vector<Artifact> artifacts;
  /// Globs that matched nothing, and matches refused because they lead
  /// outside the run's cwd (through a symbolic link); for the metadata.
  std::vector<std::string> warnings;
};

/// The stdout and stderr logs of attempt `attempt` as artifacts (kind
/// `command_log`).
Result<std::vector<Artifact>> collect_logs(const Paths& paths, const std::string& run_id, TimeMs now,
                                           int attempt = 1);

/// Copies the files `globs` match under `cwd` (glob(3) patterns; a
/// directory brings every file below it) into `<attempt dir>/files/`, and
/// writes `<attempt dir>/manifest.json` (attempt_dir: the run directory for
/// attempt 1) listing them with `logs` (kind
/// `bundle_manifest`). All or nothing: on an error (a full disk) every copy
/// made is removed again and the error says what failed.
Result<Collection> collect_files(const Paths& paths, const std::string& run_id,
                                 const std::string& cwd, const std::vector<std::string>& globs,
                                 const std::vector<Artifact>& logs, TimeMs now, int attempt = 1);

} // namespace hb::registry

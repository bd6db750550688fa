#pragma once
// `homeboy runs artifact cleanup-persisted` and `cleanup-downloads`: plan (a
// dry run, the default) or apply the removal of artifact files under the
// artifact root. Nothing outside the artifact root is ever deleted, and no
// artifact of a run that is promoted or retained.

#include "model/paths.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

struct CleanupItem
{
  std::string run_id;      // empty for download caches
  std::string artifact_id; // empty for download caches
  std::string kind;
  std::string path;
  std::uint64_t bytes = 0;
  /// delete (file and record) | forget (the file is already gone: only the
  /// record goes) | keep (with `reason`: outside the artifact root, could
  /// not be deleted)
  std::string action = "delete";
  std::string reason;
};

struct CleanupReport
{
  std::string command; // runs.artifact.cleanup-persisted | runs.artifact.cleanup-downloads
  bool applied = false;
  std::vector<CleanupItem> items;
  std::size_t removed = 0;     // files or directories deleted (or to delete)
  std::uint64_t bytes = 0;     // their size
  std::size_t records_removed = 0; // artifact rows removed from the store
};

struct PersistedCleanupRequest
{
  std::optional<std::uint64_t> older_than_days; // finished more than this many days ago
  std::string run_id;                           // resolved full id, or empty
  bool apply = false;
};

/// Artifact files and directories of finished, unprotected runs (see
/// Store::cleanup_candidates). With `apply`, deletes each file, then the rows
/// of those deleted, in one transaction; an artifact whose file is already
/// gone loses its row too; one that cannot be deleted keeps its row and says
/// why. Empty run directories left behind are removed.
Result<CleanupReport> cleanup_persisted(Store& store, const Paths& paths,
                                        const PersistedCleanupRequest& request, TimeMs now);

/// Runner artifact download caches under <artifact root>/runner[/<runner
/// id>[/<run id>]]; with `apply`, deletes that subtree.
Result<CleanupReport> cleanup_downloads(const Paths& paths, const std::string& runner_id,
                                        const std::string& run_id, bool apply);

Json cleanup_json(const CleanupReport& report);

} // namespace hb::app

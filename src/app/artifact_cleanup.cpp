#include "app/artifact_cleanup.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <system_error>

namespace hb::app {

namespace stdfs = std::filesystem;

namespace {

constexpr TimeMs k_day_ms = 24LL * 3600 * 1000;

// A single path component a user names (runner id, run id): no separators,
// no `.` or `..`.
bool
plain_name(const std::string& name)
{
  return name.find('/') == std::string::npos && name != "." && name != "..";
}

} // namespace

Result<CleanupReport>
cleanup_persisted(Store& store, const Paths& paths, const PersistedCleanupRequest& request,
                  TimeMs now)
{
  std::optional<TimeMs> before;
  if (request.older_than_days) {
    before = now - static_cast<TimeMs>(*request.older_than_days) * k_day_ms;
  }
  auto candidates = store.cleanup_candidates(before, request.run_id, now);
  if (!candidates) return Unexpected(candidates.error());

  CleanupReport report;
  report.command = "runs.artifact.cleanup-persisted";
  report.applied = request.apply;
  std::vector<std::string> rows;
  std::set<stdfs::path> run_dirs;
  for (const Artifact& a : *candidates) {
    CleanupItem item{a.run_id, a.id, a.kind, a.path};
    std::error_code ec;
    const bool exists = !a.path.empty() && stdfs::exists(stdfs::symlink_status(a.path, ec));
    if (!exists) {
      item.action = "forget";
      item.reason = "the file is already gone";
      rows.push_back(a.id);
    } else if (!fs::resolves_inside(a.path, paths.artifact_root)) {
      item.action = "keep";
      item.reason = fmt::format("outside the artifact root {}; homeboy never deletes files it "
                                "does not own",
                                paths.artifact_root.string());
    } else {
      item.bytes = fs::tree_size(a.path);
      if (request.apply) {
        stdfs::remove_all(a.path, ec);
      }
      if (ec) {
        item.action = "keep";
        item.reason = fmt::format("could not be deleted: {}", ec.message());
      } else {
        ++report.removed;
        report.bytes += item.bytes;
        rows.push_back(a.id);
        run_dirs.insert(stdfs::path(a.path).parent_path());
      }
    }
    report.items.push_back(std::move(item));
  }
  if (request.apply && !rows.empty()) {
    auto deleted = store.delete_artifacts(rows);
    if (!deleted) return Unexpected(deleted.error());
    report.records_removed = *deleted;
    // Run directories emptied by the cleanup go too (never the root itself).
    for (const auto& dir : run_dirs) {
      std::error_code ec;
      if (fs::resolves_inside(dir, paths.artifact_root) && stdfs::is_empty(dir, ec) && !ec) {
        stdfs::remove(dir, ec);
      }
    }
  } else if (!request.apply) {
    report.records_removed = rows.size();
  }
  return report;
}

Result<CleanupReport>
cleanup_downloads(const Paths& paths, const std::string& runner_id, const std::string& run_id,
                  bool apply)
{
  for (const auto& [flag, value] : {std::pair{"--runner", &runner_id}, {"--run-id", &run_id}}) {
    if (!value->empty() && !plain_name(*value)) {
      return make_error("validation.invalid_argument",
                        fmt::format("{} `{}` is not a plain name (no `/`, `.` or `..`)", flag,
                                    *value));
    }
  }
  if (!run_id.empty() && runner_id.empty()) {
    return make_error("validation.invalid_argument",
                      "--run-id needs --runner: download caches are kept per runner");
  }
  stdfs::path target = paths.artifact_root / "runner";
  if (!runner_id.empty()) target /= runner_id;
  if (!run_id.empty()) target /= run_id;

  CleanupReport report;
  report.command = "runs.artifact.cleanup-downloads";
  report.applied = apply;
  std::error_code ec;
  if (!stdfs::exists(target, ec)) {
    return report; // nothing cached
  }
  // One item per cached run directory (<runner>/<run>), so the plan says
  // what goes.
  std::vector<stdfs::path> dirs;
  if (!run_id.empty()) {
    dirs.push_back(target);
  } else {
    for (const auto& runner : stdfs::directory_iterator(target, ec)) {
      if (!runner_id.empty()) {
        dirs.push_back(runner.path());
        continue;
      }
      std::error_code inner;
      for (const auto& run : stdfs::directory_iterator(runner.path(), inner)) {
        dirs.push_back(run.path());
      }
      if (inner) dirs.push_back(runner.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    CleanupItem item{"", "", "runner_download", dir.string(), fs::tree_size(dir)};
    std::error_code removed;
    if (apply) stdfs::remove_all(dir, removed);
    if (removed) {
      item.action = "keep";
      item.reason = fmt::format("could not be deleted: {}", removed.message());
    } else {
      ++report.removed;
      report.bytes += item.bytes;
    }
    report.items.push_back(std::move(item));
    // A runner directory emptied by the cleanup goes too.
    const stdfs::path parent = dir.parent_path();
    if (apply && parent != paths.artifact_root / "runner" && stdfs::is_empty(parent, removed)
        && !removed) {
      stdfs::remove(parent, removed);
    }
  }
  return report;
}

Json
cleanup_json(const CleanupReport& report)
{
  Json items = Json::array();
  for (const auto& item : report.items) {
    Json entry = {{"path", item.path}, {"kind", item.kind}, {"bytes", item.bytes},
                  {"action", item.action},
                  {"reason", item.reason.empty() ? Json(nullptr) : Json(item.reason)}};
    if (!item.run_id.empty()) entry["run_id"] = item.run_id;
    if (!item.artifact_id.empty()) entry["artifact_id"] = item.artifact_id;
    items.push_back(std::move(entry));
  }
  return {{"command", report.command}, {"dry_run", !report.applied},
          {"removed", report.removed},  {"bytes", report.bytes},
          {"records_removed", report.records_removed}, {"items", std::move(items)}};
}

} // namespace hb::app

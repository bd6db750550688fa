#include "app/loop_sync.hpp"

#include "app/reconcile.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <fmt/core.h>


#include <algorithm>
#include <chrono>

namespace hb::app {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* k_triage_files[] = {"triage.json", "summary.json"};
// Triage summaries up to this size are kept whole in the run's metadata;
// larger ones by their top-level scalars (the file itself is an artifact).
constexpr std::size_t k_inline_triage_bytes = 16 * 1024;

// A stable run id for an archive: a UUID-shaped slice of the SHA-256 of its
// canonical path, so syncing twice finds the run recorded the first time.
std::string
archive_run_id(const stdfs::path& canonical)
{
  const std::string h = fs::sha256_hex("homeboy loop-sync\n" + canonical.string());
  return fmt::format("{}-{}-5{}-a{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(13, 3),
                     h.substr(17, 3), h.substr(20, 12));
}

TimeMs
mtime_ms(const stdfs::path& path)
{
  std::error_code ec;
  auto t = stdfs::last_write_time(path, ec);
  if (ec) return now_ms();
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

RunStatus
status_of(const Json& triage)
{
  if (!triage.is_object() || !triage.contains("status") || !triage["status"].is_string()) {
    return RunStatus::succeeded;
  }
  auto statuses = parse_status_filter(triage["status"].get<std::string>());
  return statuses && statuses->size() == 1 && is_terminal(statuses->front()) ? statuses->front()
                                                                            : RunStatus::succeeded;
}

Json
triage_for_metadata(const Json& triage, std::size_t bytes)
{
  if (bytes <= k_inline_triage_bytes || !triage.is_object()) return triage;
  Json out = Json::object();
  for (const auto& [key, value] : triage.items()) {
    if (value.is_primitive()) out[key] = value;
  }
  out["_truncated"] = "larger than 16 KiB: only top-level values kept; see the loop_triage artifact";
  return out;
}

} // namespace

Result<LoopSyncReport>
loop_sync(Store& store, const LoopSyncRequest& request)
{
  std::error_code ec;
  if (!stdfs::is_directory(request.archive_root, ec)) {
    return make_error("validation.invalid_argument",
                      fmt::format("archive root {} is not a directory; pass the directory that "
                                  "holds the loop's archive directories",
                                  request.archive_root.string()));
  }
  LoopSyncReport report;
  report.archive_root = stdfs::canonical(request.archive_root, ec);
  report.dry_run = request.dry_run;

  std::vector<stdfs::path> dirs;
  for (const auto& entry : stdfs::directory_iterator(report.archive_root, ec)) {
    std::error_code inner;
    const std::string name = entry.path().filename().string();
    if (!name.starts_with('.') && entry.is_directory(inner) && !entry.is_symlink(inner)) {
      dirs.push_back(entry.path());
    }
  }
  if (ec) {
    return make_error("io.failed", fmt::format("cannot list {}: {}", report.archive_root.string(),
                                               ec.message()));
  }
  std::sort(dirs.begin(), dirs.end());

  for (const auto& dir : dirs) {
    LoopArchive a;
    a.name = dir.filename().string();
    a.path = dir;
    a.run_id = archive_run_id(dir);
    for (auto it = stdfs::recursive_directory_iterator(dir, ec);
         !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code inner;
      if (it->is_regular_file(inner) && !it->is_symlink(inner)) {
        ++a.files;
        a.bytes += it->file_size(inner);
      }
    }
    Json triage;
    std::size_t triage_bytes = 0;
    for (const char* candidate : k_triage_files) {
      if (stdfs::is_regular_file(dir / candidate, ec)) {
        a.triage_file = (dir / candidate).string();
        auto text = fs::read_file(dir / candidate);
        if (!text) {
          a.problem = text.error().message;
        } else {
          triage_bytes = text->size();
          triage = parse_json_or_discard(*text);
          if (triage.is_discarded() || !triage.is_object()) {
            a.problem = fmt::format("{} is not a JSON object", candidate);
            triage = nullptr;
          }
        }
        break;
      }
    }
    a.status = a.problem.empty() ? status_of(triage) : RunStatus::failed;

    auto existing = store.get_run(a.run_id);
    if (!existing) return Unexpected(existing.error());
    a.state = *existing ? "synced" : "new";
    if (*existing || request.dry_run) {
      report.archives.push_back(std::move(a));
      continue;
    }

    // Owned by this process until settled below; dated by the archive.
    Run run = owned_run(a.run_id, "loop", request.command_line, report.archive_root.string(), "");
    run.component_id = request.component_id;
    run.rig_id = request.rig_id;
    run.created_at = mtime_ms(dir);
    run.started_at = run.created_at;
    run.heartbeat_at.reset();
    if (auto inserted = store.insert_run(run); !inserted) return Unexpected(inserted.error());

    RunOutcome outcome;
    outcome.status = a.status;
    outcome.terminal_reason = a.problem.empty() ? "" : "triage_unreadable";
    outcome.finished_at = run.created_at;
    Json sync = {{"archive_root", report.archive_root.string()}, {"archive", a.name},
                 {"files", a.files}, {"bytes", a.bytes}};
    if (!request.label.empty()) sync["label"] = request.label;
    Json meta = {{"loop_sync", std::move(sync)},
                 {"triage", triage_for_metadata(triage, triage_bytes)}};
    if (!a.problem.empty()) meta["triage_error"] = a.problem;
    outcome.metadata_json = dump_json(meta);
    Artifact dir_artifact;
    dir_artifact.id = new_uuid_v4();
    dir_artifact.run_id = run.id;
    dir_artifact.kind = "loop_archive";
    dir_artifact.type = "directory";
    dir_artifact.path = dir.string();
    dir_artifact.size_bytes = a.bytes;
    dir_artifact.label = "Loop archive " + a.name;
    dir_artifact.created_at = run.created_at;
    outcome.artifacts.push_back(dir_artifact);
    if (!a.triage_file.empty()) {
      Artifact t = dir_artifact;
      t.id = new_uuid_v4();
      t.kind = "loop_triage";
      t.type = "file";
      t.path = a.triage_file;
      t.mime = "application/json";
      t.label = "Triage summary";
      if (auto digest = fs::digest_file(a.triage_file)) {
        t.sha256 = digest->sha256;
        t.size_bytes = digest->size;
      }
      outcome.artifacts.push_back(t);
    }
    if (auto settled = store.settle_run(run.id, RunStatus::running, 0, outcome); !settled) {
      return Unexpected(settled.error());
    }
    a.state = "recorded";
    report.archives.push_back(std::move(a));
  }
  return report;
}

Json
loop_sync_json(const LoopSyncReport& report)
{
  Json archives = Json::array();
  std::size_t fresh = 0;
  for (const auto& a : report.archives) {
    fresh += a.state != "synced";
    archives.push_back({{"name", a.name},
                        {"path", a.path.string()},
                        {"run_id", a.run_id},
                        {"state", a.state},
                        {"status", to_string(a.status)},
                        {"files", a.files},
                        {"bytes", a.bytes},
                        {"triage_file", a.triage_file.empty() ? Json(nullptr) : Json(a.triage_file)},
                        {"problem", a.problem.empty() ? Json(nullptr) : Json(a.problem)}});
  }
  return {{"command", "runs.loop-sync"},
          {"archive_root", report.archive_root.string()},
          {"dry_run", report.dry_run},
          {"archives", std::move(archives)},
          {"new", fresh}};
}

} // namespace hb::app

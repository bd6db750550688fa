#include "app/run_retention.hpp"

#include "app/run_json.hpp"
#include "app/runs_service.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <unordered_map>

namespace hb::app {

namespace stdfs = std::filesystem;

namespace {

// Far enough for any retention, near enough that now + it never overflows.
constexpr std::int64_t k_max_retention_ms = 1000LL * 366 * 86'400'000;

Result<Run>
reread(Store& store, const std::string& run_id)
{
  auto run = store.get_run(run_id);
  if (!run) return Unexpected(run.error());
  if (!*run) {
    return make_error("run.not_found",
                      fmt::format("run {} was deleted meanwhile (by `homeboy runs cleanup`?)",
                                  run_id));
  }
  return std::move(**run);
}

// Why a run the plan listed is no longer deletable at `now` (it was not
// deleted by the DELETE's re-check).
std::string
skip_reason(Store& store, const std::string& run_id, TimeMs now)
{
  auto run = store.get_run(run_id);
  if (!run) return "could not be re-read: " + run.error().message;
  if (!*run) return "already deleted (by another cleanup?)";
  const Run& r = **run;
  if (r.promoted_at) return "promoted since the plan";
  if (r.retained_until && *r.retained_until > now) {
    return "retained until " + format_rfc3339(*r.retained_until);
  }
  if (r.eligible_at && *r.eligible_at > now) {
    return "not eligible for cleanup before " + format_rfc3339(*r.eligible_at);
  }
  return "changed since the plan";
}

// The files and directories deleting `run_id` removes: the run's own
// directory <artifact root>/<run id>/, and its file and directory artifacts
// elsewhere. Nothing outside the artifact root (symlinks resolved), nothing
// in another existing run's directory; a path already gone is `missing`.
std::vector<CleanupPath>
file_plan(Store& store, const Paths& paths, const std::string& run_id,
          const std::vector<Artifact>& artifacts)
{
  std::error_code ec;
  const stdfs::path root = stdfs::weakly_canonical(paths.artifact_root, ec);
  // Where homeboy writes a run's files (bench, imports): the id as one
  // safe path segment.
  const std::string own = fs::safe_path_segment(run_id);
  const stdfs::path run_dir = paths.run_dir(run_id);
  std::vector<CleanupPath> out;
  auto consider = [&](const stdfs::path& path, bool is_run_dir) {
    CleanupPath item{path.string(), 0, "delete", ""};
    std::error_code exists_ec;
    if (!stdfs::exists(stdfs::symlink_status(path, exists_ec))) {
      if (is_run_dir) return; // runs without files have no directory
      item.action = "missing";
    } else if (!fs::resolves_inside(path, paths.artifact_root)) {
      item.action = "keep";
      item.reason = fmt::format("outside the artifact root {}; homeboy never deletes files it "
                                "does not own",
                                paths.artifact_root.string());
    } else {
      std::error_code inner;
      const stdfs::path relative = stdfs::weakly_canonical(path, inner).lexically_relative(root);
      const std::string owner = relative.empty() ? "" : relative.begin()->string();
      bool others = false;
      if (owner != own) {
        auto other = store.get_run(owner);
        others = !other || *other; // unsure counts as someone else's
      }
      if (others) {
        item.action = "keep";
        item.reason = fmt::format("inside the directory of run {}, which is not deleted", owner);
      } else {
        item.bytes = fs::tree_size(path);
      }
    }
    out.push_back(std::move(item));
  };
  consider(run_dir, true);
  const bool run_dir_exists = stdfs::exists(stdfs::symlink_status(run_dir, ec));
  for (const Artifact& a : artifacts) {
    if ((a.type != "file" && a.type != "directory") || a.path.empty()) continue;
    // What lies in the run's directory goes with it.
    if (run_dir_exists && fs::resolves_inside(a.path, run_dir)) continue;
    consider(a.path, false);
  }
  return out;
}

std::uint64_t
bytes_to_delete(const std::vector<CleanupPath>& items)
{
  std::uint64_t total = 0;
  for (const auto& item : items) {
    if (item.action == "delete" || item.action == "deleted") total += item.bytes;
  }
  return total;
}

} // namespace

Result<PromoteReport>
promote_run(Store& store, const std::string& id_or_prefix, const std::string& reason, TimeMs now)
{
  auto run = find_run(store, id_or_prefix);
  if (!run) return Unexpected(run.error());
  PromoteReport report;
  if (!run->promoted_at) {
    auto promoted = store.promote_run(run->id, reason, now);
    if (!promoted) return Unexpected(promoted.error());
    report.changed = *promoted; // false: another process promoted it first
    auto after = reread(store, run->id);
    if (!after) return Unexpected(after.error());
    *run = std::move(*after);
  }
  report.run = std::move(*run);
  return report;
}

Result<TimeMs>
parse_retain_until(std::string_view text, TimeMs now)
{
  TimeMs until = 0;
  if (auto duration = parse_duration_ms(text)) {
    if (*duration > k_max_retention_ms) {
      return make_error("validation.invalid_argument",
                        fmt::format("--until {} is more than 1000 years away", text));
    }
    until = now + *duration;
  } else if (auto at = parse_rfc3339(text)) {
    until = *at;
  } else {
    return make_error("validation.invalid_argument",
                      fmt::format("--until `{}` is neither an RFC 3339 time "
                                  "(2026-12-31T00:00:00Z) nor a duration from now (30d, 12h)",
                                  text));
  }
  if (until <= now) {
    return make_error("validation.invalid_argument",
                      fmt::format("--until {} ({}) is not in the future; give a later time or a "
                                  "duration from now (30d, 12h)",
                                  text, format_rfc3339(until)));
  }
  return until;
}

Result<RetainReport>
retain_run(Store& store, const std::string& id_or_prefix, TimeMs until, bool force, TimeMs now)
{
  if (until <= now) {
    return make_error("validation.invalid_argument",
                      fmt::format("retention until {} is not in the future", format_rfc3339(until)));
  }
  auto run = find_run(store, id_or_prefix);
  if (!run) return Unexpected(run.error());
  RetainReport report;
  report.previous = run->retained_until;
  auto refuse = [&](TimeMs current) {
    return make_error("validation.retention_shortened",
                      fmt::format("run {} is retained until {}, later than {}; retain only "
                                  "extends retention (pass --force to shorten it)",
                                  run->id, format_rfc3339(current), format_rfc3339(until)));
  };
  if (run->retained_until && *run->retained_until > until && !force) {
    return refuse(*run->retained_until);
  }
  if (run->retained_until != until) {
    auto written = store.retain_run(run->id, until, force);
    if (!written) return Unexpected(written.error());
    auto after = reread(store, run->id);
    if (!after) return Unexpected(after.error());
    // Not written: another process retained it past `until` meanwhile.
    if (!*written && after->retained_until != until) return refuse(after->retained_until.value_or(0));
    report.changed = *written;
    *run = std::move(*after);
  }
  report.run = std::move(*run);
  return report;
}

Result<std::vector<RunStatus>>
parse_cleanup_statuses(std::string_view text)
{
  auto statuses = parse_status_filter(text);
  if (!statuses) {
    return make_error("validation.invalid_argument",
                      fmt::format("--status `{}` is not a status; use succeeded, failed, "
                                  "timed_out, cancelled or terminal (or pass, fail, ...)",
                                  text));
  }
  std::vector<std::string> active;
  for (RunStatus status : *statuses) {
    if (!is_terminal(status)) active.push_back(to_string(status));
  }
  if (!active.empty()) {
    return make_error("validation.invalid_argument",
                      fmt::format("--status `{}` selects active runs ({}): active runs are never "
                                  "cleaned up; use a terminal status (succeeded, failed, "
                                  "timed_out, cancelled, terminal)",
                                  text, fmt::join(active, ", ")));
  }
  return *statuses;
}

std::size_t
RunCleanupReport::total_runs() const
{
  return static_cast<std::size_t>(std::count_if(runs.begin(), runs.end(), [](const auto& r) {
    return r.action != "skipped";
  }));
}

std::size_t
RunCleanupReport::total_artifacts() const
{
  std::size_t total = 0;
  for (const auto& r : runs) total += r.action == "skipped" ? 0 : r.artifacts;
  return total;
}

std::uint64_t
RunCleanupReport::total_bytes() const
{
  std::uint64_t total = 0;
  for (const auto& r : runs) total += r.action == "skipped" ? 0 : r.bytes;
  return total;
}

std::size_t
RunCleanupReport::failures() const
{
  std::size_t total = 0;
  for (const auto& r : runs) {
    for (const auto& p : r.paths) total += p.action == "failed";
  }
  return total;
}

Result<RunCleanupReport>
plan_run_cleanup(Store& store, const Paths& paths, const RunCleanupRequest& request, TimeMs now)
{
  RunCleanupReport report;
  report.now = now;
  report.request = request;
  if (report.request.batch_size == 0) report.request.batch_size = k_cleanup_batch;
  report.filter.statuses = request.statuses;
  report.filter.kind = request.kind;
  if (request.older_than_ms) report.filter.ended_by = now - *request.older_than_ms;
  auto runs = store.deletable_runs(report.filter, now, request.limit);
  if (!runs) return Unexpected(runs.error());

  std::vector<std::string> ids;
  for (const Run& run : *runs) ids.push_back(run.id);
  auto artifacts = store.artifacts_for_runs(ids);
  if (!artifacts) return Unexpected(artifacts.error());
  std::unordered_map<std::string, std::vector<Artifact>> by_run;
  for (auto& a : *artifacts) by_run[a.run_id].push_back(std::move(a));

  for (const Run& run : *runs) {
    RunCleanupEntry entry{run.id, run.kind, run.status, run.created_at, run.finished_at};
    const auto& mine = by_run[run.id];
    entry.artifacts = mine.size();
    entry.paths = file_plan(store, paths, run.id, mine);
    entry.bytes = bytes_to_delete(entry.paths);
    report.runs.push_back(std::move(entry));
  }
  return report;
}

Result<RunCleanupReport>
apply_run_cleanup(Store& store, const Paths& paths, const RunCleanupReport& plan)
{
  RunCleanupReport report = plan;
  report.applied = true;
  const std::size_t batch = std::max<std::size_t>(1, plan.request.batch_size);
  std::size_t deleted_so_far = 0;
  for (std::size_t begin = 0; begin < report.runs.size(); begin += batch) {
    const std::size_t end = std::min(report.runs.size(), begin + batch);
    std::vector<std::string> ids;
    for (std::size_t i = begin; i < end; ++i) ids.push_back(report.runs[i].run_id);
    auto deleted = store.delete_runs(ids, plan.filter, plan.now);
    if (!deleted) {
      Error error = deleted.error();
      error.message += fmt::format(" ({} run(s) were deleted before this batch; run the cleanup "
                                   "again for the rest)",
                                   deleted_so_far);
      return Unexpected(error);
    }
    std::unordered_map<std::string, std::vector<Artifact>> gone;
    for (auto& d : *deleted) gone.emplace(d.run_id, std::move(d.artifacts));
    deleted_so_far += gone.size();
    for (std::size_t i = begin; i < end; ++i) {
      RunCleanupEntry& entry = report.runs[i];
      auto found = gone.find(entry.run_id);
      if (found == gone.end()) {
        entry.action = "skipped";
        entry.reason = skip_reason(store, entry.run_id, plan.now);
        entry.paths.clear();
        entry.bytes = 0;
        continue;
      }
      // The files of the rows actually deleted, as they were at the delete.
      entry.action = "deleted";
      entry.artifacts = found->second.size();
      entry.paths = file_plan(store, paths, entry.run_id, found->second);
      for (auto& item : entry.paths) {
        if (item.action != "delete") continue;
        std::error_code ec;
        stdfs::remove_all(item.path, ec);
        if (ec) {
          item.action = "failed";
          item.reason = fmt::format("could not be deleted: {}; the run's records are gone, "
                                    "delete it by hand",
                                    ec.message());
          item.bytes = 0;
        } else {
          item.action = "deleted";
        }
      }
      entry.bytes = bytes_to_delete(entry.paths);
    }
  }
  return report;
}

Json
promote_json(const PromoteReport& report)
{
  Json meta = object_or_empty(report.run.metadata_json);
  Json promotion = meta.contains("promotion") ? meta["promotion"] : Json(nullptr);
  return {{"command", "runs.promote"},
          {"run_id", report.run.id},
          {"changed", report.changed},
          {"promoted_at", time_json(report.run.promoted_at)},
          {"promotion", std::move(promotion)}};
}

Json
retain_json(const RetainReport& report)
{
  return {{"command", "runs.retain"},
          {"run_id", report.run.id},
          {"changed", report.changed},
          {"retained_until", time_json(report.run.retained_until)},
          {"previous_retained_until", time_json(report.previous)}};
}

Json
run_cleanup_json(const RunCleanupReport& report)
{
  Json runs = Json::array();
  Json failures = Json::array();
  for (const auto& r : report.runs) {
    Json items = Json::array();
    for (const auto& p : r.paths) {
      items.push_back({{"path", p.path}, {"bytes", p.bytes}, {"action", p.action},
                       {"reason", text_or_null(p.reason)}});
      if (p.action == "failed") {
        failures.push_back({{"run_id", r.run_id}, {"path", p.path}, {"reason", p.reason}});
      }
    }
    runs.push_back({{"run_id", r.run_id},
                    {"kind", r.kind},
                    {"status", to_string(r.status)},
                    {"created_at", format_rfc3339(r.created_at)},
                    {"finished_at", time_json(r.finished_at)},
                    {"artifacts", r.artifacts},
                    {"bytes", r.bytes},
                    {"action", r.action},
                    {"reason", text_or_null(r.reason)},
                    {"paths", std::move(items)}});
  }
  Json statuses = Json::array();
  for (RunStatus s : report.filter.statuses) statuses.push_back(to_string(s));
  const std::size_t skipped = report.runs.size() - report.total_runs();
  return {{"command", "runs.cleanup"},
          {"dry_run", !report.applied},
          {"now", format_rfc3339(report.now)},
          {"filters",
           {{"statuses", std::move(statuses)},
            {"kind", text_or_null(report.filter.kind.value_or(""))},
            {"ended_by", time_json(report.filter.ended_by)},
            {"limit", report.request.limit ? Json(report.request.limit) : Json(nullptr)}}},
          {"batch_size", report.request.batch_size},
          {"totals",
           {{"runs", report.total_runs()},
            {"artifacts", report.total_artifacts()},
            {"bytes", report.total_bytes()},
            {"skipped", skipped},
            {"failed_paths", report.failures()}}},
          {"failures", std::move(failures)},
          {"runs", std::move(runs)}};
}

} // namespace hb::app

// The --baseline / --ratchet decision and its crash-consistent commit
// (see baseline_commit.hpp for the protocol).

#include "app/bench/baseline_commit.hpp"

#include "util/fault.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/process.hpp"

#include <fmt/core.h>

#include <chrono>

namespace hb::app {

namespace stdfs = std::filesystem;
using namespace hb::bench;

namespace {

stdfs::path
marker_dir(const Paths& paths)
{
  return paths.data_root / "pending-baselines";
}

stdfs::path
marker_path(const Paths& paths, const std::string& run_id)
{
  return marker_dir(paths) / (fs::sha256_hex(run_id).substr(0, 32) + ".json");
}

Result<void>
patch_metadata(Store& store, const Run& run, const Json& patch)
{
  RunUpdate update;
  update.metadata_patch = dump_json(patch);
  auto written = store.update_run(run.id, run.status, run.lease_epoch, update, now_ms());
  if (!written) {
    return Unexpected(written.error());
  }
  return {};
}

} // namespace

std::optional<Baseline>
planned_baseline(const BenchRequest& request, BenchReport& report,
                 const std::optional<Baseline>& current)
{
  if (!request.save_baseline && !request.ratchet) {
    return std::nullopt;
  }
  const bool regression = report.comparison && report.comparison->regression;
  const bool improved = report.comparison && report.comparison->has_improvements;
  if (!report.passed) {
    std::string note = request.save_baseline ? "baseline not saved: gates or budgets failed"
                                             : "baseline not ratcheted: gates or budgets failed";
    if (request.save_baseline && report.baseline_found) {
      note += fmt::format("; the one saved before (baselines.{}) is kept", report.baseline_key);
    }
    report.notes.push_back(std::move(note));
    return std::nullopt;
  }
  if (request.save_baseline) {
    Baseline next = make_baseline(*report.results, now_ms(), report.host, report.machine_speed);
    next.run_id = report.run_id;
    return next;
  }
  if (!report.comparison) {
    report.notes.push_back("baseline not ratcheted: there is no baseline to improve on yet (save "
                           "one with --baseline)");
    return std::nullopt;
  }
  if (regression) {
    report.notes.push_back("baseline not ratcheted: the run regressed");
    return std::nullopt;
  }
  if (!improved) {
    report.notes.push_back("baseline not ratcheted: nothing improved significantly beyond its "
                           "threshold");
    return std::nullopt;
  }
  Baseline next = ratchet_baseline(*current, *report.results, *report.comparison);
  next.run_id = report.run_id;
  for (const auto& sc : report.comparison->scenarios) {
    for (const auto& d : sc.metric_deltas) {
      if (d.improvement) report.ratcheted_metrics.push_back(sc.id + "/" + d.name);
    }
  }
  if (!report.comparison->new_scenario_ids.empty()) {
    report.notes.push_back("--ratchet leaves new scenarios out of the baseline; add them with "
                           "--baseline");
  }
  return next;
}

Result<void>
mark_baseline_pending(const Paths& paths, const std::string& run_id,
                      const stdfs::path& homeboy_json, const std::string& key, bool ratchet)
{
  if (auto made = fs::create_directories(marker_dir(paths)); !made) {
    return made;
  }
  Json marker = {{"run_id", run_id}, {"file", stdfs::absolute(homeboy_json).string()},
                 {"key", key}, {"ratchet", ratchet}};
  return fs::write_file_atomic(marker_path(paths, run_id), dump_json(marker) + "\n");
}

void
drop_baseline_marker(const Paths& paths, const std::string& run_id)
{
  std::error_code ec;
  stdfs::remove(marker_path(paths, run_id), ec);
}

Result<void>
commit_baseline(Store& store, const Paths& paths, const std::string& run_id,
                const stdfs::path& homeboy_json, const std::string& key, Baseline next,
                bool ratchet)
{
  kill_here_if_asked("bench.settled");
  auto written = write_baseline(paths, homeboy_json, key, next);
  kill_here_if_asked("bench.baseline_written");
  auto run = store.get_run(run_id);
  if (!run || !*run) {
    // The file is right; the record says pending until the next recovery.
    return written ? Result<void>(make_error("store.unavailable",
                                             "the baseline was written but the run could not be "
                                             "read back to record it"))
                   : written;
  }
  Json patch = {{"baseline", {{"pending", nullptr}}}};
  if (written) {
    patch["baseline"][ratchet ? "ratcheted" : "saved"] = true;
  } else {
    patch["baseline"]["write_error"] = written.error().message;
  }
  auto patched = patch_metadata(store, **run, patch);
  if (patched) {
    drop_baseline_marker(paths, run_id);
  }
  return written ? patched : written;
}

std::vector<std::string>
recover_pending_baselines(Store& store, const Paths& paths)
{
  std::vector<std::string> resolved;
  std::error_code ec;
  std::vector<stdfs::path> markers;
  for (const auto& entry : stdfs::directory_iterator(marker_dir(paths), ec)) {
    if (entry.path().extension() == ".json") markers.push_back(entry.path());
  }
  for (const auto& file : markers) {
    auto text = fs::read_file(file);
    Json marker = text ? parse_json_or_discard(*text) : Json(Json::value_t::discarded);
    if (!marker.is_object() || !marker.value("run_id", Json()).is_string()
        || !marker.value("file", Json()).is_string() || !marker.value("key", Json()).is_string()) {
      stdfs::remove(file, ec); // not ours or torn: nothing can be completed from it
      continue;
    }
    const std::string run_id = marker["run_id"].get<std::string>();
    auto run = store.get_run(run_id);
    if (!run) {
      continue; // store unavailable: try again next time
    }
    if (!*run) {
      stdfs::remove(file, ec);
      continue;
    }
    const Run& r = **run;
    if (r.owner_pid && process_alive(*r.owner_pid, r.owner_start_time)) {
      continue; // that bench is still committing
    }
    if (is_terminal(r.status) && r.status != RunStatus::succeeded) {
      stdfs::remove(file, ec); // the file is written only after a successful settle
      continue;
    }
    if (!is_terminal(r.status)) {
      continue; // dead owner, not settled yet: `runs reconcile` settles it first
    }
    auto current = read_baseline(marker["file"].get<std::string>(),
                                 marker["key"].get<std::string>());
    const bool landed = current && *current && (*current)->run_id == run_id;
    Json patch = {{"baseline", {{"pending", nullptr}}}};
    if (landed) {
      patch["baseline"][json_member_or(marker, "ratchet", false) ? "ratcheted" : "saved"] = true;
    } else {
      patch["baseline"]["interrupted"] =
        "homeboy stopped before the baseline was written; it was not saved";
    }
    if (patch_metadata(store, r, patch)) {
      stdfs::remove(file, ec);
      resolved.push_back(fmt::format("run {}: {}", run_id,
                                     landed ? "its baseline write had completed; recorded as saved"
                                            : "its baseline write was interrupted; recorded as not "
                                              "saved"));
    }
  }
  return resolved;
}

void
remove_stale_temp_files(const stdfs::path& homeboy_json)
{
  const std::string prefix = homeboy_json.filename().string() + ".tmp-";
  const auto cutoff = stdfs::file_time_type::clock::now() - std::chrono::minutes(1);
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(homeboy_json.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.is_regular_file(ec)
        && entry.last_write_time(ec) < cutoff) {
      stdfs::remove(entry.path(), ec);
    }
  }
}

} // namespace hb::app

// store copy: page through the source newest first, read each batch with the
// batched readers, copy the new runs' artifact files, then insert the batch
// in one destination transaction (see store_copy.hpp).

#include "app/fleet/store_copy.hpp"

#include "model/paths.hpp"
#include "model/store_spec.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <map>
#include <set>

namespace hb::app {

namespace {

namespace stdfs = std::filesystem;

/// The Paths that name the store `spec` names (only the store fields are
/// set); `validation.invalid_argument` for anything else.
Result<Paths>
store_paths(const std::string& spec, const char* side)
{
  Paths p;
  if (name_store(p, spec)) return p;
  return make_error("validation.invalid_argument",
                    fmt::format("--{} `{}` is not a store: write sqlite:PATH (a homeboy.sqlite "
                                "file) or postgres://user@host:port/database",
                                side, spec));
}

/// The same file once the artifact root moves: inside `from` it moves to
/// `to`; anywhere else it stays (a path the run only referred to).
std::optional<stdfs::path>
moved_path(const stdfs::path& path, const stdfs::path& from, const stdfs::path& to)
{
  const stdfs::path rel = path.lexically_normal().lexically_relative(from);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  return to / rel;
}

/// Copies a file artifact's file or directory to `to` (replacing an earlier
/// partial copy); the bytes copied.
Result<std::uint64_t>
copy_artifact_bytes(const stdfs::path& from, const stdfs::path& to)
{
  std::error_code ec;
  if (auto made = fs::create_directories(to.parent_path()); !made) return Unexpected(made.error());
  stdfs::remove_all(to, ec);
  stdfs::copy(from, to,
              stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks, ec);
  if (ec) {
    return make_error("store.copy_failed",
                      fmt::format("cannot copy artifact {} to {}: {}", from.string(), to.string(),
                                  ec.message()));
  }
  return fs::tree_size(to);
}

struct Batch
{
  std::vector<Run> runs;
  std::map<std::string, std::vector<std::string>> scenarios;
  std::map<std::string, std::vector<MetricRow>> metrics;
  std::vector<Artifact> artifacts;
  std::vector<Finding> findings;
  std::vector<TraceSpan> spans;
  std::vector<RunEvent> events;
  std::vector<RunAttempt> attempts;
};

/// Everything recorded for `runs`, read from `source` in one snapshot.
Result<Batch>
read_batch(Store& source, std::vector<Run> runs)
{
  Batch b;
  b.runs = std::move(runs);
  std::vector<std::string> ids;
  for (const auto& r : b.runs) ids.push_back(r.id);
  auto done = source.read_snapshot([&]() -> Result<void> {
    auto scenarios = source.scenarios_for_runs(ids);
    if (!scenarios) return Unexpected(scenarios.error());
    for (auto& s : *scenarios) b.scenarios[s.run_id].push_back(s.scenario_id);
    auto metrics = source.metrics_for_runs(ids);
    if (!metrics) return Unexpected(metrics.error());
    for (auto& m : *metrics) b.metrics[m.run_id].push_back(std::move(m.metric));
    auto artifacts = source.artifacts_for_runs(ids);
    if (!artifacts) return Unexpected(artifacts.error());
    b.artifacts = std::move(*artifacts);
    auto findings = source.findings_for_runs(ids);
    if (!findings) return Unexpected(findings.error());
    b.findings = std::move(*findings);
    auto spans = source.trace_spans_for_runs(ids);
    if (!spans) return Unexpected(spans.error());
    b.spans = std::move(*spans);
    for (const auto& id : ids) {
      for (std::int64_t after = 0;;) {
        auto events = source.run_events(id, after, 1000);
        if (!events) return Unexpected(events.error());
        for (auto& e : *events) {
          after = e.seq;
          b.events.push_back(std::move(e));
        }
        if (events->size() < 1000) break;
      }
      auto attempts = source.run_attempts(id);
      if (!attempts) return Unexpected(attempts.error());
      for (auto& a : *attempts) b.attempts.push_back(std::move(a));
    }
    return {};
  });
  if (!done) return Unexpected(done.error());
  return b;
}

} // namespace

Result<CopyReport>
copy_store(const CopyRequest& request, const CopyProgress& progress)
{
  auto from = store_paths(request.from, "from");
  if (!from) return Unexpected(from.error());
  auto to = store_paths(request.to, "to");
  if (!to) return Unexpected(to.error());
  if (from->store_url == to->store_url && from->store_path == to->store_path) {
    return make_error("validation.invalid_argument",
                      "--from and --to name the same store; nothing to copy");
  }
  if (request.batch == 0) {
    return make_error("validation.invalid_argument", "--batch must be at least 1");
  }
  if (!from->store_url.empty() || std::filesystem::exists(from->store_path)) {
    // fine: a server, or a file that exists
  } else {
    return make_error("store.not_found",
                      fmt::format("--from {}: no such file (the local store is "
                                  "<data dir>/homeboy.sqlite; `homeboy store status` shows it)",
                                  from->store_path.string()));
  }
  auto source = open_store(*from);
  if (!source) return Unexpected(source.error());
  auto dest = open_store(*to);
  if (!dest) return Unexpected(dest.error());
  auto counted = store_status(*from);
  if (!counted) return Unexpected(counted.error());

  CopyReport report;
  report.runs_total = static_cast<std::size_t>(counted->runs);
  // Where the files are: beside a sqlite: source, else this host's root;
  // where they go: this host's root, unless the request says otherwise.
  stdfs::path from_root = request.from_artifact_root;
  if (from_root.empty()) {
    from_root = from->store_url.empty() ? from->store_path.parent_path() / "artifacts"
                                        : request.host_artifact_root;
  }
  stdfs::path to_root =
    request.to_artifact_root.empty() ? request.host_artifact_root : request.to_artifact_root;
  auto absolute = [](stdfs::path& root) {
    std::error_code ec;
    if (!root.empty()) root = stdfs::absolute(root, ec).lexically_normal();
  };
  absolute(from_root);
  absolute(to_root);
  const bool move_files = !from_root.empty() && !to_root.empty() && from_root != to_root;

  RunFilter page;
  page.limit = request.batch;
  while (true) {
    auto listed = (*source)->list_runs(page);
    if (!listed) return Unexpected(listed.error());
    if (listed->runs.empty()) break;
    // Which of these the destination has: a batch lands whole or not at
    // all, so a run present came with everything of its own.
    std::set<std::string> present;
    for (const auto& run : listed->runs) {
      auto found = (*dest)->get_run(run.id);
      if (!found) return Unexpected(found.error());
      if (*found) present.insert(run.id);
    }
    std::vector<Run> missing;
    for (auto& run : listed->runs) {
      if (present.count(run.id)) continue;
      if (!is_terminal(run.status)) {
        ++report.runs_active;
        continue;
      }
      missing.push_back(run);
    }
    report.runs_present += present.size();
    if (!missing.empty()) {
      auto batch = read_batch(**source, std::move(missing));
      if (!batch) return Unexpected(batch.error());
      // The files first, so no run lands without its bytes.
      for (auto& a : batch->artifacts) {
        if (!move_files || (a.type != "file" && a.type != "directory") || a.path.empty()) continue;
        auto target = moved_path(a.path, from_root, to_root);
        std::error_code ec;
        if (!target || !stdfs::exists(a.path, ec)) continue;
        auto bytes = copy_artifact_bytes(a.path, *target);
        if (!bytes) return Unexpected(bytes.error());
        a.path = target->string();
        report.files_copied += 1;
        report.bytes_copied += *bytes;
      }
      auto written = (*dest)->import_transaction([&](ImportWriter& w) -> Result<void> {
        for (const auto& run : batch->runs) {
          if (auto ok = w.insert_run(run, batch->scenarios[run.id], batch->metrics[run.id]); !ok) {
            return ok;
          }
        }
        for (const auto& a : batch->artifacts) {
          if (auto ok = w.insert_artifact(a); !ok) return ok;
        }
        for (const auto& f : batch->findings) {
          if (auto ok = w.insert_finding(f); !ok) return ok;
        }
        for (const auto& t : batch->spans) {
          if (auto ok = w.insert_trace_span(t); !ok) return ok;
        }
        for (const auto& e : batch->events) {
          if (auto ok = w.insert_event(e); !ok) return ok;
        }
        for (const auto& a : batch->attempts) {
          if (auto ok = w.insert_attempt(a); !ok) return ok;
        }
        return {};
      });
      if (!written) return Unexpected(written.error());
      report.runs_copied += batch->runs.size();
      report.artifacts += batch->artifacts.size();
      report.findings += batch->findings.size();
      report.trace_spans += batch->spans.size();
      report.events += batch->events.size();
      report.attempts += batch->attempts.size();
      for (const auto& [id, rows] : batch->metrics) report.metrics += rows.size();
    }
    if (progress) progress(report);
    if (!listed->next_cursor) break;
    page.after = listed->next_cursor;
  }
  return report;
}

Json
copy_payload(const CopyRequest& request, const CopyReport& r)
{
  return Json{{"command", "store.copy"},
              {"from", request.from},
              {"to", request.to},
              {"runs_total", r.runs_total},
              {"runs_copied", r.runs_copied},
              {"runs_present", r.runs_present},
              {"runs_active", r.runs_active},
              {"artifacts", r.artifacts},
              {"files_copied", r.files_copied},
              {"bytes_copied", r.bytes_copied},
              {"metrics", r.metrics},
              {"findings", r.findings},
              {"trace_spans", r.trace_spans},
              {"events", r.events},
              {"attempts", r.attempts}};
}

} // namespace hb::app

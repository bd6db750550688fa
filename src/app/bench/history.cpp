// Stage 2b of a bench: what the store's earlier runs say about the session
// spread on this host. A run's samples are one session; the spread of the
// centres of earlier sessions of the same scenario and metric, measured the
// same way on the same machine, is an estimate of how far a session moves
// without any change (stats::history_spread), so a single-session
// comparison is measured instead of assumed (docs/bench.md, Sessions).

#include "app/bench/pipeline.hpp"

#include "app/bench_context.hpp"
#include "stats/change_points.hpp"
#include "stats/descriptive.hpp"
#include "stats/sessions.hpp"
#include "util/json.hpp"

#include <algorithm>
#include <map>
#include <cmath>

namespace hb::app::pipeline {

namespace {

// Whether an earlier run measured the way this one does, on this machine,
// as one session: the same host, iterations, workload kind and settings.
bool
comparable(const Json& meta, const BenchRequest& request, const Prepared& p,
           const std::string& host)
{
  if (!meta.is_object()) return false;
  const Json host_meta = json_member_or(meta, "host", Json::object());
  if (json_member_or(host_meta, "hostname", "") != host) return false;
  if (json_member_or(meta, "iterations", std::uint64_t{0}) != request.iterations) return false;
  if (json_member_or(meta, "measured_by", "") != (p.exec() ? "exec" : "runner")) return false;
  const Json statistics = json_member_or(meta, "statistics", Json::object());
  // A --runs N run's samples are N sessions; its overall centre would
  // understate the spread of one session.
  if (json_member_or(statistics, "runs", std::uint64_t{1}) != 1) return false;
  if (json_member_or(statistics, "until_decisive", std::uint64_t{0}) != 0) return false;
  if (!p.exec() && json_member_or(meta, "settings_sha256", "") != settings_fingerprint(p.settings_json)) {
    return false;
  }
  return true;
}

} // namespace

std::vector<bench::HistorySpread>
session_history(Store& store, const Prepared& p, const BenchRequest& request,
                const std::string& host, TimeMs now)
{
  RunFilter filter;
  filter.kind = "bench";
  filter.component_id = p.component.id;
  filter.since = now - k_history_window_ms;
  filter.limit = k_history_runs;
  auto page = store.list_runs(filter);
  if (!page) return {};
  std::vector<std::string> ids; // oldest first
  for (auto it = page->runs.rbegin(); it != page->runs.rend(); ++it) {
    const Run& run = *it;
    // Measurements of a run that regressed or failed a gate are as good as
    // any; a run that failed to measure is not.
    const bool measured = run.status == RunStatus::succeeded ||
                          (run.status == RunStatus::failed &&
                           (run.terminal_reason == "regression" ||
                            run.terminal_reason == "inconclusive" ||
                            run.terminal_reason == "gate_failed"));
    if (measured && comparable(parse_json_or_discard(run.metadata_json), request, p, host)) {
      ids.push_back(run.id);
    }
  }
  if (ids.size() < 2) return {};
  auto rows = store.metrics_for_runs(ids);
  if (!rows) return {};
  // Each (scenario, metric)'s series of run centres, oldest first.
  std::map<std::pair<std::string, std::string>, std::vector<double>> series;
  for (const auto& row : *rows) { // in the order of ids
    const auto& samples = row.metric.samples;
    if (samples.empty() ||
        std::any_of(samples.begin(), samples.end(), [](double v) { return !(v > 0); })) {
      continue;
    }
    series[{row.metric.scenario_id, row.metric.name}].push_back(stats::median(samples));
  }
  std::vector<bench::HistorySpread> out;
  for (const auto& [key, centres] : series) {
    // A real change in the history is not noise: the spread is pooled
    // within the stretches between change points.
    std::vector<double> logs;
    for (double c : centres) logs.push_back(std::log(c));
    auto split = stats::change_points(logs);
    std::vector<std::vector<double>> groups;
    for (const auto& segment : split.segments) {
      groups.emplace_back(centres.begin() + static_cast<std::ptrdiff_t>(segment.begin),
                          centres.begin() + static_cast<std::ptrdiff_t>(segment.end));
    }
    if (auto spread = stats::history_spread(groups)) {
      out.push_back({key.first, key.second, *spread});
    }
  }
  return out;
}

} // namespace hb::app::pipeline

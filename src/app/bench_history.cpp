// bench history: one metric of one component's bench runs over time, with
// the change points in it.

#include "app/bench_context.hpp"
#include "app/run_json.hpp"
#include "app/runs_readers.hpp"
#include "bench/compare.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace hb::app {

namespace {

/// Runs are read in pages of --limit runs, at least this many (so runs
/// without the metric cost few round trips) and at most one metrics batch.
constexpr std::size_t k_min_page = 20;
constexpr std::size_t k_max_page = 500;

struct Point
{
  const Run* run = nullptr;
  double value = 0;
  std::size_t samples = 0;
};

Error
bad_input(std::string code, std::string message)
{
  return Error{std::move(code), std::move(message), "{}"};
}

std::string
listed(const std::set<std::string>& names)
{
  if (names.empty()) return "(none)";
  std::vector<std::string> first(names.begin(), names.end());
  std::string more;
  if (first.size() > 30) {
    more = fmt::format(" and {} more", first.size() - 30);
    first.resize(30);
  }
  return fmt::format("{}{}", fmt::join(first, ", "), more);
}

/// A time-like metric rises when it gets slower.
bool
time_like(const std::string& metric)
{
  for (std::string_view suffix : {"_ms", "_us", "_ns", "_s", "_sec", "_seconds", "_time"}) {
    if (metric.size() > suffix.size() && metric.ends_with(suffix)) return true;
  }
  return false;
}

/// The metric's direction from the newest run that recorded its policies.
std::optional<bench::Direction>
direction_of(const std::string& metric, const std::vector<Point>& newest_first)
{
  for (const auto& p : newest_first) {
    auto policies = policies_from_metadata(object_or_empty(p.run->metadata_json));
    if (!policies) continue;
    for (const auto& [name, policy] : *policies) {
      if (name == metric) return policy.direction;
    }
    if (policies->empty() && metric == bench::k_legacy_metric) {
      return bench::Direction::lower_is_better; // the legacy rule's metric
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double>
relative_change(double before, double after)
{
  if (before == 0) return std::nullopt;
  return (after - before) / std::fabs(before) * 100;
}

Json
segment_json(const stats::Segment& s, const std::vector<Point>& points)
{
  return Json{{"first_index", s.begin},
              {"last_index", s.end - 1},
              {"count", s.end - s.begin},
              {"first_run_id", points[s.begin].run->id},
              {"last_run_id", points[s.end - 1].run->id},
              {"mean", s.mean},
              {"median", s.median}};
}

// "wall_ms got 12.3 % slower", "requests_per_second fell 8.0 % (worse)".
std::string
change_words(const std::string& metric, std::optional<double> pct, double delta,
             std::optional<bench::Direction> direction)
{
  if (!pct) {
    return fmt::format("{} moved from 0 by {}", metric, bench::format_value(delta));
  }
  const bool up = *pct > 0;
  const double size = std::fabs(*pct);
  if (time_like(metric)) {
    return fmt::format("{} got {:.1f} % {}", metric, size, up ? "slower" : "faster");
  }
  std::string verb = fmt::format("{} {} {:.1f} %", metric, up ? "rose" : "fell", size);
  if (direction) {
    const bool worse = up == (*direction == bench::Direction::lower_is_better);
    verb += worse ? " (worse)" : " (better)";
  }
  return verb;
}

std::string
short_time(const Run& run)
{
  std::string t = format_rfc3339(run.started_at.value_or(run.created_at));
  return t.substr(0, 10) + " " + t.substr(11, 5);
}

// runs.list's cursor after the oldest run read, when older ones exist.
Json
next_cursor(const std::vector<Run>& runs, bool truncated)
{
  if (!truncated || runs.empty()) return nullptr;
  return fmt::format("{}:{}", runs.back().created_at, runs.back().id);
}

} // namespace

Result<Json>
bench_history(Store& store, const HistoryRequest& request)
{
  RunFilter filter;
  filter.kind = "bench";
  filter.component_id = request.component_id;
  filter.rig_id = request.rig_id;
  filter.scenario_id = request.scenario_id;
  filter.limit = std::clamp(request.limit, k_min_page, k_max_page);

  // Newest first. Without a metric: the newest `limit` runs. With one: runs
  // until `limit` of them recorded it (in the scenario, when one is given).
  std::vector<Run> runs;
  std::map<std::string, std::set<std::string>> recorded; // scenario -> metrics
  // scenario -> (index into runs, its row of the metric)
  std::map<std::string, std::vector<std::pair<std::size_t, const MetricRow*>>> found;
  std::set<std::size_t> runs_with_metric;
  // Moving a page's vector into this list keeps its rows where they are.
  std::vector<std::vector<RunMetricRow>> pages;
  auto done = [&] {
    return (request.metric ? runs_with_metric.size() : runs.size()) == request.limit;
  };
  bool truncated = false; // older runs exist beyond those read
  while (true) {
    auto page = store.list_runs(filter);
    if (!page) return Unexpected(page.error());
    std::vector<std::string> ids;
    for (const auto& run : page->runs) ids.push_back(run.id);
    auto metrics = store.metrics_for_runs(ids);
    if (!metrics) return Unexpected(metrics.error());
    pages.push_back(std::move(*metrics));
    std::map<std::string, std::vector<const MetricRow*>> by_run;
    for (const auto& row : pages.back()) by_run[row.run_id].push_back(&row.metric);
    std::size_t used = 0;
    for (auto& run : page->runs) {
      if (done()) break;
      ++used;
      runs.push_back(std::move(run));
      const std::size_t index = runs.size() - 1;
      for (const MetricRow* m : by_run[runs.back().id]) {
        if (request.scenario_id && m->scenario_id != *request.scenario_id) continue;
        recorded[m->scenario_id].insert(m->name);
        if (request.metric && m->name == *request.metric) {
          found[m->scenario_id].emplace_back(index, m);
          runs_with_metric.insert(index);
        }
      }
    }
    if (done()) {
      truncated = used < page->runs.size() || page->next_cursor.has_value();
      break;
    }
    if (!page->next_cursor) break;
    filter.after = page->next_cursor;
  }

  const std::string where = request.rig_id ? fmt::format(" on rig `{}`", *request.rig_id) : "";
  if (runs.empty()) {
    if (request.scenario_id) {
      RunFilter any = filter;
      any.scenario_id.reset();
      any.after.reset();
      any.limit = 50;
      auto others = store.list_runs(any);
      if (!others) return Unexpected(others.error());
      if (!others->runs.empty()) {
        std::vector<std::string> ids;
        for (const auto& run : others->runs) ids.push_back(run.id);
        auto metrics = store.metrics_for_runs(ids);
        if (!metrics) return Unexpected(metrics.error());
        std::set<std::string> scenarios;
        for (const auto& row : *metrics) scenarios.insert(row.metric.scenario_id);
        return Unexpected(bad_input(
          "validation.unknown_scenario",
          fmt::format("no bench run of `{}`{} measured scenario `{}`; the newest {} runs measured: "
                      "{}. Pass one of them to --scenario",
                      request.component_id, where, *request.scenario_id, others->runs.size(),
                      listed(scenarios))));
      }
    }
    return Unexpected(bad_input(
      "validation.unknown_component",
      fmt::format("no bench runs of component `{}`{} are recorded; check the id, or list the "
                  "components with runs: homeboy runs list --kind bench",
                  request.component_id, where)));
  }

  Json echo = request.filters_echo ? *request.filters_echo : Json::object();
  Json run_rows = Json::array();
  if (!request.metric) {
    Json metrics = Json::array();
    for (const auto& [scenario, names] : recorded) {
      for (const auto& name : names) metrics.push_back({{"scenario_id", scenario}, {"metric", name}});
    }
    for (const auto& run : runs) run_rows.push_back(run_summary_json(run));
    return Json{{"command", "runs.list"},
                {"component_id", request.component_id},
                {"filters", std::move(echo)},
                {"scenario_id", request.scenario_id ? Json(*request.scenario_id) : Json(nullptr)},
                {"metric", nullptr},
                {"metrics", std::move(metrics)},
                {"runs", std::move(run_rows)},
                {"points", Json::array()},
                {"change_points", Json::array()},
                {"truncated", truncated},
                {"next_cursor", next_cursor(runs, truncated)}};
  }

  const std::string& metric = *request.metric;
  if (found.empty()) {
    std::set<std::string> names;
    for (const auto& [scenario, metrics] : recorded) names.insert(metrics.begin(), metrics.end());
    return Unexpected(bad_input(
      "validation.unknown_metric",
      fmt::format("no bench run of `{}`{}{} recorded metric `{}` ({} run{} inspected); pass one "
                  "of the metrics recorded to --metric: {}",
                  request.component_id, where,
                  request.scenario_id ? fmt::format(" in scenario `{}`", *request.scenario_id) : "",
                  metric, runs.size(), runs.size() == 1 ? "" : "s", listed(names))));
  }
  if (found.size() > 1) {
    std::set<std::string> scenarios;
    for (const auto& [scenario, points] : found) scenarios.insert(scenario);
    return Unexpected(bad_input(
      "validation.invalid_argument",
      fmt::format("metric `{}` is recorded by {} scenarios of `{}` ({}); pick one with "
                  "--scenario",
                  metric, scenarios.size(), request.component_id, listed(scenarios))));
  }
  const std::string scenario = found.begin()->first;
  std::vector<Point> newest_first;
  for (const auto& [index, row] : found.begin()->second) {
    newest_first.push_back({&runs[index], row->value, row->samples.size()});
  }
  std::vector<Point> points(newest_first.rbegin(), newest_first.rend());
  std::vector<double> series;
  for (const auto& p : points) series.push_back(p.value);

  auto detected = stats::change_points(series, request.detection);
  const bool tested = std::string_view(detected.method) != "insufficient";
  const std::size_t min_segment = std::max<std::size_t>(request.detection.min_segment, 2);
  auto direction = direction_of(metric, newest_first);

  Json point_rows = Json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Run& run = *points[i].run;
    point_rows.push_back({{"index", i},
                          {"run_id", run.id},
                          {"started_at", time_json(run.started_at.value_or(run.created_at))},
                          {"status", to_string(run.status)},
                          {"git_sha", text_or_null(run.git_sha)},
                          {"value", points[i].value},
                          {"sample_count", points[i].samples}});
  }
  Json change_rows = Json::array();
  for (const auto& cp : detected.change_points) {
    const Run& first = *points[cp.index].run;
    const Run& last_before = *points[cp.index - 1].run;
    auto mean_pct = relative_change(cp.before.mean, cp.after.mean);
    auto median_pct = relative_change(cp.before.median, cp.after.median);
    std::vector<std::string> changed;
    for (const auto& d : context_differences(bench_context(object_or_empty(last_before.metadata_json)),
                                             bench_context(object_or_empty(first.metadata_json)))) {
      changed.push_back(d.part);
    }
    std::string summary = fmt::format("{} at run {} ({}), p = {}",
                                      change_words(metric, median_pct,
                                                   cp.after.median - cp.before.median, direction),
                                      first.id, short_time(first), bench::format_value(cp.p_value));
    if (!changed.empty()) {
      summary += fmt::format("; measured with different {} than the run before",
                             fmt::join(changed, ", "));
    }
    std::optional<bool> worse;
    if (direction && cp.after.median != cp.before.median) {
      worse = (cp.after.median > cp.before.median) == (*direction == bench::Direction::lower_is_better);
    }
    change_rows.push_back(
      {{"index", cp.index},
       {"run_id", first.id},
       {"started_at", time_json(first.started_at.value_or(first.created_at))},
       {"git_sha", text_or_null(first.git_sha)},
       {"previous_run_id", last_before.id},
       {"before", segment_json(cp.before, points)},
       {"after", segment_json(cp.after, points)},
       {"change_percent", mean_pct ? Json(*mean_pct) : Json(nullptr)},
       {"median_change_percent", median_pct ? Json(*median_pct) : Json(nullptr)},
       {"direction", cp.after.median > cp.before.median   ? "increase"
                     : cp.after.median < cp.before.median ? "decrease"
                                                          : "none"},
       {"assessment", worse ? Json(*worse ? "worse" : "better") : Json(nullptr)},
       {"p_value", cp.p_value},
       {"statistic", cp.statistic},
       {"context_changes", changed},
       {"summary", summary}});
  }
  for (const auto& p : newest_first) run_rows.push_back(run_summary_json(*p.run));

  Json detection = {{"method", "e_divisive_means"},
                    {"alpha", request.detection.alpha},
                    {"permutations", request.detection.permutations},
                    {"min_segment", min_segment},
                    {"seed", request.detection.seed},
                    {"tested", tested}};
  if (!tested) {
    detection["note"] = fmt::format(
      "{} point{}: finding a change needs at least {} (two segments of {}); nothing was tested{}",
      points.size(), points.size() == 1 ? "" : "s", 2 * min_segment, min_segment,
      truncated ? "; raise --limit" : "");
  }
  return Json{{"command", "runs.list"},
              {"component_id", request.component_id},
              {"filters", std::move(echo)},
              {"scenario_id", scenario},
              {"metric", metric},
              {"direction", direction ? Json(to_string(*direction)) : Json(nullptr)},
              {"point_count", points.size()},
              {"points", std::move(point_rows)},
              {"change_points", std::move(change_rows)},
              {"detection", std::move(detection)},
              {"runs", std::move(run_rows)},
              {"truncated", truncated},
              {"next_cursor", next_cursor(runs, truncated)}};
}

} // namespace hb::app

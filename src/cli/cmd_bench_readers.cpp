// homeboy bench history, bench distribution and bench compare: readers of a
// component's recorded bench runs. history shows one metric over time with
// its change points; distribution and compare are the runs readers scoped to
// bench runs (bench.md), so they return runs.distribution and
// runs.bench-compare payloads.

#include "app/runs_readers.hpp"
#include "bench/compare.hpp"
#include "bench/units.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "util/json.hpp"
#include "util/table.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <map>

namespace hb::cli {

namespace {

std::string
minutes(const Json& timestamp)
{
  std::string t = json_text(timestamp);
  return t.size() >= 16 ? t.substr(0, 10) + " " + t.substr(11, 5) : t;
}

std::string
value_text(const Json& v)
{
  return v.is_number() ? bench::format_value(v.get<double>()) : "-";
}

// A value of `metric`, in its unit (bench/units.hpp).
std::string
metric_text(const std::string& metric, const Json& v)
{
  return v.is_number() ? bench::format_metric(metric, v.get<double>()) : "-";
}

std::string
render_history(const Json& p)
{
  const std::string component = json_text(p["component_id"]);
  if (p["metric"].is_null()) {
    std::string out = fmt::format("{} bench run{} of {}, newest first\n\n", p["runs"].size(),
                                  p["runs"].size() == 1 ? "" : "s", component);
    TextTable runs({"run", "status", "started", "git sha"});
    for (const auto& r : p["runs"]) {
      runs.add_row({short_id(json_text(r["id"])), json_text(r["status"]), minutes(r["started_at"]),
                    json_text(r["git_sha"]).substr(0, 12)});
    }
    out += indent(runs.render());
    std::map<std::string, std::vector<std::string>> by_scenario;
    for (const auto& m : p["metrics"]) {
      by_scenario[json_text(m["scenario_id"])].push_back(json_text(m["metric"]));
    }
    if (by_scenario.empty()) return out + "\nThese runs recorded no metrics.\n";
    out += "\nmetrics recorded\n";
    for (const auto& [scenario, names] : by_scenario) {
      out += fmt::format("  {}: {}\n", scenario, fmt::join(names, ", "));
    }
    const auto& first = *by_scenario.begin();
    out += fmt::format("\nA metric over time, with its change points: homeboy bench history {} "
                       "--metric {}{}\n",
                       component, first.second.front(),
                       by_scenario.size() > 1 ? " --scenario " + first.first : "");
    return out;
  }

  const std::string metric = json_text(p["metric"]);
  std::string out = fmt::format("{} of {} in {}: {} run{}, oldest first\n\n", metric,
                                json_text(p["scenario_id"]), component, json_text(p["point_count"]),
                                p["point_count"].get<std::size_t>() == 1 ? "" : "s");
  std::map<std::size_t, const Json*> starts;
  for (const auto& cp : p["change_points"]) starts[cp["index"].get<std::size_t>()] = &cp;
  using A = TextTable::Align;
  TextTable table({"#", "run", "started", "git sha", metric, "n", ""},
                  {A::right, A::left, A::left, A::left, A::right, A::right, A::left});
  for (const auto& point : p["points"]) {
    std::size_t i = point["index"].get<std::size_t>();
    std::string mark;
    if (auto it = starts.find(i); it != starts.end()) {
      const Json& pct = (*it->second)["median_change_percent"];
      mark = pct.is_number() ? fmt::format("<- change {:+.1f}%", pct.get<double>()) : "<- change";
    }
    std::size_t n = point["sample_count"].get<std::size_t>();
    table.add_row({std::to_string(i + 1), short_id(json_text(point["run_id"])), minutes(point["started_at"]),
                   json_text(point["git_sha"]).substr(0, 12), metric_text(metric, point["value"]),
                   n ? std::to_string(n) : "", mark});
  }
  out += indent(table.render());

  const Json& d = p["detection"];
  std::string method = fmt::format("E-divisive means, {} permutations, alpha {}, segments of at "
                                   "least {}",
                                   json_text(d["permutations"]), value_text(d["alpha"]),
                                   json_text(d["min_segment"]));
  if (d.contains("note")) {
    out += fmt::format("\nChange points: not tested: {}\n", json_text(d["note"]));
  } else if (p["change_points"].empty()) {
    out += fmt::format("\nNo change points ({}): the series is one level.\n", method);
  } else {
    out += fmt::format("\nChange points ({})\n", method);
    for (const auto& cp : p["change_points"]) {
      const Json& b = cp["before"];
      const Json& a = cp["after"];
      out += fmt::format("  {}\n", json_text(cp["summary"]));
      out += fmt::format("    before: runs {}-{}, median {}, mean {}; after: runs {}-{}, median {}, "
                         "mean {}\n",
                         b["first_index"].get<std::size_t>() + 1, b["last_index"].get<std::size_t>() + 1,
                         metric_text(metric, b["median"]), metric_text(metric, b["mean"]),
                         a["first_index"].get<std::size_t>() + 1, a["last_index"].get<std::size_t>() + 1,
                         metric_text(metric, a["median"]), metric_text(metric, a["mean"]));
    }
    const Json& last = p["change_points"].back();
    out += fmt::format("\nCompare the runs on either side: homeboy runs bench-compare --from-run {} "
                       "--to-run {}\n",
                       json_text(last["previous_run_id"]), json_text(last["run_id"]));
  }
  if (p["truncated"].get<bool>()) {
    out += "Only the newest runs were read; raise --limit to see further back.\n";
  }
  return out;
}

} // namespace

void
add_bench_compare_command(CLI::App* parent, const std::string& name, const std::string& description,
                          const std::string& variant, Invocation& inv)
{
  struct Args
  {
    app::BenchCompareRequest request;
    OutputOptions output;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand(name, description);
  cmd->add_option("--from-run", a->request.from_run,
                  "The baseline run: id or a unique prefix of at least 4 characters")
    ->required();
  cmd->add_option("--to-run", a->request.to_run, "The candidate run")->required();
  cmd->add_option("--metric", a->request.metrics, "Only this metric (repeatable; default: all)");
  add_output_options(cmd, a->output);
  cmd->callback([a, variant, &inv] {
    with_store(a->output, inv.exit_code, [&](app::OpenStore& s) {
      auto payload = app::runs_bench_compare(*s.store, a->request);
      if (!payload) {
        inv.exit_code = emit_error(a->output, payload.error(),
                                   payload.error().code == "run.not_found" ? 1 : 2);
        return;
      }
      inv.exit_code = emit(a->output, variant, *payload, json_text((*payload)["reports"]["markdown"]));
    });
  });
}

void
add_bench_reader_commands(CLI::App* bench, Invocation& inv)
{
  // bench history
  struct HistoryArgs
  {
    std::string component, scenario, rig, metric;
    std::size_t limit = 20;
    std::size_t min_segment = stats::k_change_min_segment;
    double alpha = stats::k_change_alpha;
    OutputOptions output;
  };
  auto h = std::make_shared<HistoryArgs>();
  auto* history = bench->add_subcommand(
    "history", "A metric of a component's recorded bench runs over time, with change points");
  history->add_option("component", h->component, "Component id")->required();
  history->add_option("--metric", h->metric,
                      "The metric to follow (without it: the runs and the metrics they recorded)");
  history->add_option("--scenario", h->scenario,
                      "The scenario (needed when several scenarios record the metric)");
  history->add_option("--rig", h->rig, "Only runs pinned to this rig");
  history->add_option("--limit", h->limit, "The newest N runs that recorded the metric")
    ->default_val(20)
    ->check(CLI::Range(std::size_t(1), std::size_t(100000)));
  history->add_option("--alpha", h->alpha,
                      "Significance level of each change point (permutation test; at least 0.001)")
    ->default_val(stats::k_change_alpha)
    ->check(CLI::Range(1.0 / static_cast<double>(stats::k_change_permutations + 1), 0.5));
  history->add_option("--min-segment", h->min_segment,
                      "Fewest runs on either side of a change point")
    ->default_val(stats::k_change_min_segment)
    ->check(CLI::Range(std::size_t(2), std::size_t(10000)));
  add_output_options(history, h->output);
  history->callback([h, &inv] {
    with_store(h->output, inv.exit_code, [&](app::OpenStore& s) {
      Json echo = {{"component_id", h->component}, {"kind", "bench"}, {"limit", h->limit}};
      if (!h->rig.empty()) echo["rig"] = h->rig;
      if (!h->scenario.empty()) echo["scenario"] = h->scenario;
      if (!h->metric.empty()) echo["metric"] = h->metric;
      app::HistoryRequest request;
      request.component_id = h->component;
      if (!h->rig.empty()) request.rig_id = h->rig;
      if (!h->scenario.empty()) request.scenario_id = h->scenario;
      if (!h->metric.empty()) request.metric = h->metric;
      request.limit = h->limit;
      request.detection.alpha = h->alpha;
      request.detection.min_segment = h->min_segment;
      request.filters_echo = &echo;
      auto payload = app::bench_history(*s.store, request);
      if (!payload) {
        inv.exit_code = emit_error(h->output, payload.error(), 2);
        return;
      }
      inv.exit_code = emit(h->output, "history", *payload, render_history(*payload));
    });
  });

  // bench distribution: runs distribution over the component's bench runs.
  auto d = std::make_shared<DistributionArgs>();
  d->filter.kind = "bench";
  auto* dist = bench->add_subcommand(
    "distribution", "Count the values of metadata fields across a component's bench runs");
  dist->add_option("component", d->filter.component, "Component id")->required();
  dist->add_option("--field", d->fields, "Metadata path, dot-separated or JSONPath; repeatable")
    ->required();
  dist->add_option("--scenario", d->filter.scenario, "Only runs that measured this scenario");
  dist->add_option("--rig", d->filter.rig, "Only runs pinned to this rig");
  dist->add_option("--status", d->filter.status, "Only runs in this status");
  dist->add_option("--limit", d->filter.limit, "The newest N runs")
    ->default_val(20)
    ->check(CLI::Range(std::size_t(1), std::size_t(100000)));
  add_output_options(dist, d->output);
  dist->callback([d, &inv] { run_distribution(*d, "observation", inv.exit_code); });

  // bench compare: runs bench-compare.
  add_bench_compare_command(bench, "compare",
                            "Compare two recorded bench runs (the same as homeboy runs bench-compare)",
                            "observation", inv);
}

} // namespace hb::cli

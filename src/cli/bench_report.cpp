#include "cli/bench_report.hpp"

#include "bench/units.hpp"
#include "bench/verdict_summary.hpp"
#include "stats/descriptive.hpp"
#include "util/json.hpp"
#include "util/table.hpp"
#include "util/term.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::cli {

using namespace hb::bench;
using term::Colour;
using term::paint;

std::vector<std::string> split_lines(const std::string& text);

namespace {

const MetricDelta*
find_delta(const ScenarioComparison* cmp, const std::string& metric)
{
  if (!cmp) {
    return nullptr;
  }
  for (const auto& d : cmp->metric_deltas) {
    if (d.name == metric) {
      return &d;
    }
  }
  return nullptr;
}

std::string
verdict(Verdict v, bool colour)
{
  switch (v) {
  case Verdict::regressed: return paint("regressed", Colour::red, colour);
  case Verdict::improved: return paint("improved", Colour::green, colour);
  case Verdict::inconclusive: return paint("inconclusive", Colour::yellow, colour);
  case Verdict::unchanged: break;
  }
  return "unchanged";
}

double
median_of(const std::vector<double>* samples)
{
  return samples && !samples->empty() ? stats::median(*samples) : 0;
}

std::string
format_p(const std::optional<double>& p)
{
  if (!p) return "";
  if (*p < 0.001) return "<0.001";
  return fmt::format("{:.3f}", *p);
}

// "+5.1% [+3.2, +7.0]": the change and its interval.
std::string
format_change(const MetricDelta& d)
{
  std::string change = d.delta_pct ? fmt::format("{:+.1f}%", *d.delta_pct)
                                   : format_metric_delta(d.name, d.delta);
  if (d.interval) {
    change += fmt::format(" [{:+.1f}, {:+.1f}]", d.interval->lower, d.interval->upper);
  } else if (d.shift) {
    change += fmt::format(" [{}, {}]", format_metric_delta(d.name, d.shift->lower),
                          format_metric_delta(d.name, d.shift->upper));
  }
  return change;
}

std::string
render_scenario(const Scenario& s, const ScenarioComparison* cmp, bool colour)
{
  std::string out;
  std::string state = s.passed ? paint("passed", Colour::green, colour)
                               : paint("FAILED", Colour::red, colour);
  if (cmp && cmp->verdict != Verdict::unchanged) {
    state += ", " + verdict(cmp->verdict, colour);
  }
  out += fmt::format("{}  {}  ({} iterations)\n", paint(s.id, Colour::bold, colour), state,
                     s.iterations);
  using A = TextTable::Align;
  // Without a baseline only the values are worth columns.
  TextTable table = cmp ? TextTable({"metric", "baseline", "current", "change [95% CI]", "p",
                                     "n", "verdict"},
                                    {A::left, A::right, A::right, A::right, A::right, A::right,
                                     A::left})
                        : TextTable({"metric", "value", "n"}, {A::left, A::right, A::right});
  // Summary metrics in document order, then metrics given only as samples.
  std::vector<std::pair<std::string, std::optional<double>>> rows;
  for (const auto& m : s.metrics) {
    rows.emplace_back(m.name, m.value);
  }
  for (const auto& [name, samples] : s.distributions) {
    if (!s.metric(name)) rows.emplace_back(name, std::nullopt);
  }
  for (const auto& [name, value] : rows) {
    const MetricDelta* d = find_delta(cmp, name);
    const auto* samples = s.samples(name);
    std::string n = samples ? std::to_string(samples->size()) : "";
    std::string shown = value ? format_metric(name, *value) : "";
    if (!cmp) {
      table.add_row(
        {name, value ? shown : fmt::format("median {}", format_metric(name, median_of(samples))),
         n});
    } else if (d) {
      std::string label = name;
      if (d->regression_test != RegressionTest::point_delta) {
        label += " (median)";
      }
      // The p-value of the direction the data moved, after correction.
      const bool worse = (d->direction == Direction::lower_is_better) == (d->delta > 0);
      auto p = worse ? d->p_value_adjusted : d->improvement_p_value_adjusted;
      table.add_row({label, format_metric(name, d->baseline_value),
                     format_metric(name, d->current_value),
                     format_change(*d), format_p(p), n, verdict(d->verdict, colour)});
    } else {
      table.add_row(
        {name, "", value ? shown : format_metric(name, median_of(samples)), "", "", n, ""});
    }
  }
  for (const auto& line : split_lines(table.render())) {
    out += "  " + line + "\n";
  }
  for (const auto& reason : s.failure_reasons) {
    out += "  " + paint("✗ " + reason, Colour::red, colour) + "\n";
  }
  // Why a metric was not decided: the user sees the figures that fell short.
  if (cmp) {
    for (const auto& d : cmp->metric_deltas) {
      if (d.verdict == Verdict::inconclusive && !d.reason.empty()) {
        out += fmt::format("  {}: {}\n", d.name, d.reason);
      }
    }
  }
  return out;
}

// What would decide the inconclusive metrics: the first remedy the
// comparison gives, else more data.
std::string
inconclusive_remedy(const BaselineComparison& c)
{
  for (const auto& s : c.scenarios) {
    for (const auto& d : s.metric_deltas) {
      if (d.verdict == Verdict::inconclusive && !d.remedy.empty()) return d.remedy;
    }
  }
  return "more iterations, or --runs 3, would tell";
}

// "sha256: wall_ms 17.40 ms → 31.92 ms (+83.5%)": the regressed metrics in
// their units (the JSON `reasons` keep the original's exact numbers).
std::vector<std::string>
regressions(const BaselineComparison& c)
{
  std::vector<std::string> out;
  for (const auto& s : c.scenarios) {
    for (const auto& d : s.metric_deltas) {
      if (d.verdict != Verdict::regressed) continue;
      out.push_back(fmt::format("{}: {} {} → {}{}", s.id, d.name,
                                format_metric(d.name, d.baseline_value),
                                format_metric(d.name, d.current_value),
                                d.delta_pct ? fmt::format(" ({:+.1f}%)", *d.delta_pct) : ""));
    }
  }
  return out;
}

} // namespace

std::vector<std::string>
split_lines(const std::string& text)
{
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      lines.push_back(text.substr(pos));
      break;
    }
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::string
render_bench_report(const app::BenchReport& r, bool colour)
{
  std::string out;
  size_t count = r.results ? r.results->scenarios.size() : 0;
  out += fmt::format("homeboy bench {}: {} scenario{}, {} iterations{}\n\n",
                     paint(r.component_id, Colour::bold, colour), count, count == 1 ? "" : "s",
                     r.iterations,
                     r.invocations > 1 ? fmt::format(" x {} invocations", r.invocations) : "");
  if (r.counter) {
    out.pop_back(); // the blank line goes after this one
    out += fmt::format("Measure: user-space instructions, counted by {}\n\n", *r.counter);
  }
  if (r.results) {
    for (const auto& s : r.results->scenarios) {
      const ScenarioComparison* cmp = r.comparison ? r.comparison->find(s.id) : nullptr;
      out += render_scenario(s, cmp, colour) + "\n";
    }
    for (const auto& f : r.results->budget_findings) {
      if (f.scenario_id.empty()) {
        std::string mark = f.fails_run ? paint("✗", Colour::red, colour) : "•";
        out += fmt::format("{} budget {}: {}\n", mark, f.rule.empty() ? f.tool : f.rule, f.message);
      }
    }
  }
  if (r.comparison) {
    const auto& c = *r.comparison;
    if (!c.new_scenario_ids.empty()) {
      out += fmt::format("New scenarios (not in the baseline): {}\n", fmt::join(c.new_scenario_ids, ", "));
    }
    if (!c.removed_scenario_ids.empty()) {
      out += fmt::format("Missing scenarios (in the baseline, not in this run): {}\n",
                         fmt::join(c.removed_scenario_ids, ", "));
    }
    out += fmt::format("Baseline: compared with baselines.{} in homeboy.json\n", r.baseline_key);
    if (c.statistics == Statistics::documented) {
      out += "Statistics: the original tool's documented rules (no p-values, no correction)\n";
    } else if (c.tests > 0) {
      out += fmt::format("Statistics: {} test{}, {} correction, alpha {}{}; p is one-sided in the "
                         "direction of the change, after correction\n",
                         c.tests, c.tests == 1 ? "" : "s", to_string(c.correction),
                         format_value(c.alpha),
                         r.looks > 1 ? fmt::format(" (split over {} looks of --until-decisive)",
                                                   r.looks)
                                     : "");
    }
    if (r.history_metrics > 0) {
      out += fmt::format("Sessions: the spread between sessions on this host measured from its "
                         "earlier runs for {} metric{}\n",
                         r.history_metrics, r.history_metrics == 1 ? "" : "s");
    }
    if (c.machine_speed) {
      out += fmt::format("Machine speed: index {:.0f} in this run, {:.0f} in the baseline's{}\n",
                         c.machine_speed->current_index, c.machine_speed->baseline_index,
                         r.counter ? " (instruction counts do not depend on it)"
                         : c.machine_speed->differs() ? " (see the warning below)"
                                                      : " (same speed)");
    }
    for (const auto& round : r.decisive_rounds) {
      out += fmt::format("Until decisive: round {} re-ran {} with {} more iterations\n",
                         round.round, fmt::join(round.scenario_ids, ", "), round.iterations);
    }
  } else if (r.results && r.baseline_ignored) {
    out += r.baseline_found
             ? fmt::format("Baseline: baselines.{} exists, not compared (--ignore-baseline)\n",
                           r.baseline_key)
             : "Baseline: none saved yet, and none asked for (--ignore-baseline)\n";
  } else if (r.results && !r.baseline_found && !r.baseline_saved) {
    out += "Baseline: none saved yet, nothing compared\n";
  }
  if (r.baseline_saved) out += fmt::format("Baseline: saved this run as baselines.{}\n", r.baseline_key);
  if (r.ratcheted) {
    out += fmt::format("Baseline: ratcheted {} (improved beyond threshold); nothing else moved\n",
                       fmt::join(r.ratcheted_metrics, ", "));
  }
  for (const auto& note : r.notes) out += fmt::format("Baseline: {}\n", note);

  auto warnings = app::bench_warnings(r);
  if (!warnings.empty()) {
    out += "\n";
    for (const auto& w : warnings) {
      out += paint("warning: ", Colour::yellow, colour) + w + "\n";
    }
  }
  if (r.exec_seed) {
    out += paint(fmt::format("  Command order seed: {} (repeat it with --seed {})", *r.exec_seed,
                             *r.exec_seed),
                 Colour::dim, colour)
           + "\n";
  }

  std::string verdict_line;
  if (r.failure) {
    verdict_line = paint(r.cancelled ? "CANCELLED" : "FAILED", Colour::red, colour) + ": "
                   + r.failure->message;
  } else if (!r.passed) {
    verdict_line = paint("FAILED", Colour::red, colour) + ": gates or budgets failed";
  } else if (r.comparison && r.comparison->regression) {
    verdict_line = paint("REGRESSED", Colour::red, colour) + ": "
                   + fmt::format("{}", fmt::join(regressions(*r.comparison), "; "));
  } else if (r.comparison && r.comparison->inconclusive && r.exit_code != 0) {
    verdict_line = paint("INCONCLUSIVE", Colour::yellow, colour) + ": "
                   + fmt::format("{} (--fail-on-inconclusive)",
                                 fmt::join(r.comparison->inconclusive_scenario_ids(), ", "));
  } else {
    verdict_line = paint("PASSED", Colour::green, colour);
    if (r.comparison && r.comparison->has_improvements) verdict_line += " (improved)";
    if (r.comparison && r.comparison->inconclusive) {
      verdict_line += fmt::format("; inconclusive: {} ({})",
                                  fmt::join(r.comparison->inconclusive_scenario_ids(), ", "),
                                  inconclusive_remedy(*r.comparison));
    }
  }
  out += "\n";
  if (r.comparison) {
    std::string counts = summarize(count_verdicts(*r.comparison));
    if (!counts.empty()) out += fmt::format("Verdicts: {}\n", counts);
  }
  out += fmt::format("Result: {} (exit {})\n", verdict_line, r.exit_code);
  if (!r.run_id.empty()) {
    out += fmt::format("Recorded as run {}\n", r.run_id);
  }
  if (!r.resume_json.empty()) {
    // --resume: which scenarios this run kept from the interrupted one.
    Json resume = Json::parse(r.resume_json, nullptr, false);
    if (resume.is_object()) {
      auto ids = [](const Json& list) {
        std::string text;
        for (const auto& id : list) text += (text.empty() ? "" : ", ") + id.get<std::string>();
        return text.empty() ? std::string("none") : text;
      };
      out += fmt::format("Resumed run {}: kept {}; measured {}\n",
                         resume.value("from_run", ""), ids(resume["kept"]), ids(resume["measured"]));
    }
  }
  for (const auto& hint : r.hints) {
    out += paint("  " + hint, Colour::dim, colour) + "\n";
  }
  return out;
}

std::string
render_scenario_list(const app::ScenarioList& list)
{
  TextTable table({"scenario", "file", "source", "default iterations", "tags"});
  for (const auto& s : list.inventory.scenarios) {
    table.add_row({s.id, s.file, s.source,
                   s.default_iterations ? std::to_string(*s.default_iterations) : "",
                   fmt::format("{}", fmt::join(s.tags, ","))});
  }
  size_t n = list.inventory.scenarios.size();
  return fmt::format("{} scenario{} in {}{}\n\n", n, n == 1 ? "" : "s", list.component_id,
                     list.rig_id.empty() ? "" : " (rig " + list.rig_id + ")")
         + (n ? table.render() : "");
}

int
emit_bench_report(const app::BenchReport& report, const OutputOptions& output, bool json_summary)
{
  run_before_output();
  Json payload = json_summary ? app::bench_summary_payload(report) : app::bench_payload(report);
  if (report.failure && !output.json) {
    fmt::print(stderr, "error: {}\n", report.failure->message);
  }
  return emit_with_full_file(output, json_summary ? "comparison_summary" : "single", payload,
                             render_bench_report(report, term::colour_enabled(stdout)),
                             report.exit_code, "single", app::bench_payload(report));
}

} // namespace hb::cli

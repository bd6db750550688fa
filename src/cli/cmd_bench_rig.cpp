// `homeboy bench --rig <id>[,<id>...]`: parse the rig options, call the rig
// stage of the bench pipeline (app/bench/rig_bench), render its report.

#include "cli/cmd_bench_rig.hpp"

#include "app/bench/rig_bench.hpp"
#include "bench/units.hpp"
#include "cli/bench_report.hpp"
#include "cli/runs_common.hpp"
#include "util/table.hpp"
#include "util/term.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

namespace hb::cli {

namespace {

/// The compact `comparison_summary` payload (--json-summary): each rig's
/// status without its results.
Json
comparison_summary_payload(const app::ComparisonReport& r)
{
  Json full = app::comparison_payload(r);
  Json rigs = Json::array();
  for (const auto& rig : full["rigs"]) {
    rigs.push_back({{"rig_id", rig["rig_id"]},
                    {"passed", rig["passed"]},
                    {"status", rig["status"]},
                    {"exit_code", rig["exit_code"]}});
  }
  Json out = {{"comparison", r.comparison}, {"summary_only", true},
              {"passed", r.passed},         {"component", r.component_id},
              {"exit_code", r.exit_code},   {"iterations", r.iterations},
              {"rigs", std::move(rigs)},    {"regression", r.regression},
              {"hints", r.hints}};
  return out;
}

std::string
verdict_word(const bench::MetricDelta* d, bool colour)
{
  if (!d) return "";
  using term::Colour;
  const char* word = bench::to_string(d->verdict);
  switch (d->verdict) {
  case bench::Verdict::regressed: return term::paint(word, Colour::red, colour);
  case bench::Verdict::improved: return term::paint(word, Colour::green, colour);
  case bench::Verdict::inconclusive: return term::paint(word, Colour::yellow, colour);
  default: return word;
  }
}

std::string
render_comparison(const app::ComparisonReport& r, bool colour)
{
  std::string out = fmt::format(
    "{} of {} ({} iterations, {})\n", r.comparison == "against" ? "Comparison" : "Cross-rig comparison",
    r.component_id, r.iterations,
    r.interleaved ? fmt::format("interleaved in {} rounds, seed {}", r.rounds, r.order_seed)
                  : std::string("sides measured one after another"));
  for (const auto& note : r.notes) out += "note: " + note + "\n";
  out += "\n";
  std::vector<std::string> headers = {"scenario", "metric", r.arms.front().arm.id + " (ref)"};
  std::vector<TextTable::Align> align = {TextTable::Align::left, TextTable::Align::left,
                                         TextTable::Align::right};
  for (std::size_t i = 1; i < r.arms.size(); ++i) {
    headers.push_back(r.arms[i].arm.id);
    headers.push_back("change");
    headers.push_back("verdict");
    align.insert(align.end(),
                 {TextTable::Align::right, TextTable::Align::right, TextTable::Align::left});
  }
  TextTable table(headers, align);
  for (const auto& row : app::comparison_rows(r)) {
    std::vector<std::string> cells = {row.scenario_id, row.metric,
                                      bench::format_metric(row.metric, row.reference)};
    for (std::size_t i = 0; i < row.current.size(); ++i) {
      if (!row.current[i]) {
        cells.insert(cells.end(), {"–", "", ""});
        continue;
      }
      cells.push_back(bench::format_metric(row.metric, *row.current[i]));
      cells.push_back(app::delta_percent_text(row.reference, *row.current[i]));
      cells.push_back(verdict_word(row.verdicts[i], colour));
    }
    table.add_row(std::move(cells));
  }
  out += table.empty() ? "(no metric to compare: the reference has no results)\n" : table.render();
  out += "\n";
  for (const auto& arm : r.arms) {
    std::string status = arm.passed() ? term::paint("passed", term::Colour::green, colour)
                                      : term::paint("failed", term::Colour::red, colour);
    std::string detail;
    if (arm.error) detail = arm.error->message;
    else if (arm.report && arm.report->failure) detail = arm.report->failure->message;
    out += fmt::format("{}: {}{}{}\n", arm.arm.id, status,
                       arm.report && !arm.report->run_id.empty()
                         ? " (run " + short_id(arm.report->run_id) + ")"
                         : "",
                       detail.empty() ? "" : ": " + detail);
  }
  if (r.regression) {
    out += term::paint("A side regressed against the reference.", term::Colour::red, colour) + "\n";
  }
  for (const auto& hint : r.hints) out += "hint: " + hint + "\n";
  return out;
}

} // namespace

void
add_rig_options(CLI::App* bench, RigArgs& a)
{
  bench->add_option("--rig", a.rigs,
                    "Pin the bench to a rig; several (a,b,...) compare them, the first is the "
                    "reference (docs/rigs.md)")
    ->delimiter(',')
    ->type_name("RIG_ID[,RIG_ID...]");
  bench->add_option("--rig-concurrency", a.rig_concurrency,
                    "Run up to N rigs of a comparison at once (default 1: one after another)")
    ->type_name("N")
    ->check(CLI::Range(std::uint64_t(1), std::uint64_t(64)));
  bench->add_option("--report", a.report,
                    "side-by-side: print a comparison's side-by-side report as Markdown (for a "
                    "pull-request comment); the JSON envelope always has reports.side_by_side")
    ->type_name("side-by-side");
  bench->add_flag("--ignore-default-baseline", a.ignore_default_baseline,
                  "Do not expand --rig <candidate> into the rig's bench.default_baseline_rig "
                  "comparison");
  bench->add_flag("--interleave", a.interleave,
                  "Compare rigs in alternating rounds, each in a shuffled order, and pair the "
                  "samples by round: drift of the machine hits every rig alike");
  bench->add_option("--rounds", a.rounds,
                    "Rounds of an interleaved comparison (default: min(iterations, 10))")
    ->type_name("N");
}

bool
wants_rig_bench(const RigArgs& a)
{
  return !a.rigs.empty();
}

int
emit_comparison(const app::ComparisonReport& report, const OutputOptions& output,
                bool json_summary, bool markdown)
{
  Json payload = json_summary ? comparison_summary_payload(report) : app::comparison_payload(report);
  std::string human = markdown ? app::side_by_side_markdown(report)
                               : render_comparison(report, term::colour_enabled(stdout));
  return emit_with_full_file(output, json_summary ? "comparison_summary" : "comparison", payload,
                             human, report.exit_code, "comparison",
                             app::comparison_payload(report));
}

int
run_bench_rig(const RigArgs& a, const app::BenchRequest& request, const OutputOptions& output,
              bool json_summary)
{
  if (!a.report.empty() && a.report != "side-by-side") {
    return emit_error(output,
                      Error{"validation.invalid_argument",
                            fmt::format("unknown --report `{}`; the one report is side-by-side",
                                        a.report),
                            "{}"},
                      2);
  }
  app::RigBenchRequest r;
  r.bench = request;
  r.rig_ids = a.rigs;
  r.ignore_default_baseline = a.ignore_default_baseline;
  r.rig_concurrency = a.rig_concurrency;
  r.interleave = a.interleave;
  r.rounds = a.rounds;
  auto outcome = app::run_rig_bench(r);
  if (!outcome) {
    int code = outcome.error().code == "bench.interrupted" ? 128 + SIGINT
                                                            : exit_code_for(outcome.error());
    return emit_error(output, outcome.error(), code);
  }
  if (outcome->comparison) {
    return emit_comparison(*outcome->comparison, output, json_summary, a.report == "side-by-side");
  }
  std::vector<std::string> component_ids;
  for (const auto& c : outcome->components) component_ids.push_back(c.component_id);
  app::BenchReport report = outcome->single
                              ? std::move(*outcome->single)
                              : app::merge_component_reports(outcome->components, component_ids);
  // A fan-out's envelope names the rig's components, not only the first.
  if (!outcome->single) report.component_id = fmt::format("{}", fmt::join(component_ids, ","));
  for (const auto& note : outcome->notes) report.notes.push_back(note);
  return emit_bench_report(report, output, json_summary);
}

} // namespace hb::cli

// `homeboy bench --against <git-ref>`: parse, call app::against::run_against,
// render (cmd_bench_against.hpp).

#include "cli/cmd_bench_against.hpp"

#include "app/against/against_compare.hpp"
#include "cli/runs_common.hpp"
#include "util/table.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

namespace hb::cli {

namespace {

std::string
text_of(const Json& j, const char* key)
{
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

/// The sampled cells (those with a verdict) as a table: scenario, metric,
/// reference, current, change with its interval, p-value and verdict.
std::string
render_against(const Json& payload)
{
  const Json against = payload.value("against", Json::object());
  const Json reference = against.value("reference", Json::object());
  const Json current = against.value("current", Json::object());
  std::string out = fmt::format("bench --against {}: {} ({}) vs the working tree ({}{})\n",
                                text_of(against, "ref"), text_of(reference, "id"),
                                text_of(reference, "path"), text_of(current, "path"),
                                current.value("dirty", false) ? ", with uncommitted changes" : "");
  const Json measurement = payload.value("measurement", Json::object());
  if (measurement.contains("rounds") && measurement["rounds"].is_number()) {
    out += fmt::format("measured {} in {} rounds, each running both trees in a shuffled order\n",
                       text_of(measurement, "mode"), measurement["rounds"].get<std::uint64_t>());
  }
  using A = TextTable::Align;
  TextTable table({"scenario", "metric", "reference", "current", "change % (95% interval)", "p",
                   "verdict"},
                  {A::left, A::left, A::right, A::right, A::right, A::right, A::left});
  std::size_t rows = 0;
  const Json diff = payload.value("diff", Json::object()).value("by_scenario", Json::object());
  for (const auto& [scenario, metrics] : diff.items()) {
    if (!metrics.is_object()) continue;
    for (const auto& [metric, by_arm] : metrics.items()) {
      if (!by_arm.is_object()) continue;
      for (const auto& [arm, cell] : by_arm.items()) {
        if (!cell.is_object() || !cell.contains("verdict")) continue;
        auto num = [&](const Json& j, const char* key, const char* format) {
          return j.is_object() && j.contains(key) && j[key].is_number()
                   ? fmt::format(fmt::runtime(format), j[key].get<double>())
                   : std::string("-");
        };
        const Json change = cell.value("change_percent", Json::object());
        std::string change_text = num(change, "estimate", "{:+.1f}");
        if (change.contains("lower") && change.contains("upper")) {
          change_text += fmt::format(" ({} to {})", num(change, "lower", "{:+.1f}"),
                                     num(change, "upper", "{:+.1f}"));
        }
        table.add_row({scenario, metric, num(cell, "reference", "{:.4g}"),
                       num(cell, "current", "{:.4g}"), change_text,
                       num(cell, "p_value", "{:.3g}"), text_of(cell, "verdict")});
        ++rows;
      }
    }
  }
  out += rows ? table.render() + "\n" : "No sampled metric was measured in both trees.\n";
  for (const auto& hint : payload.value("hints", Json::array())) {
    if (hint.is_string()) out += "hint: " + hint.get<std::string>() + "\n";
  }
  const bool passed = payload.value("passed", false);
  out += passed ? "passed: no regression against " + text_of(against, "ref") + "\n"
                : "FAILED (exit " + std::to_string(payload.value("exit_code", 1)) + ")\n";
  return out;
}

} // namespace

void
add_against_option(CLI::App* bench, std::string& ref)
{
  bench->add_option("--against", ref,
                    "Compare the working tree with this git ref (branch, tag, sha) in one "
                    "interleaved session; the ref is measured in a cached worktree "
                    "(docs/against.md)")
    ->type_name("GIT-REF");
}

int
run_bench_against(const std::string& ref, const app::BenchRequest& request,
                  const OutputOptions& output)
{
  app::against::AgainstRequest against;
  against.bench = request;
  against.ref = ref;
  auto outcome = app::against::run_against(against);
  if (!outcome) return emit_error(output, outcome.error(), exit_code_for(outcome.error()));
  return emit(output, "against", outcome->payload, render_against(outcome->payload),
              outcome->exit_code);
}

} // namespace hb::cli

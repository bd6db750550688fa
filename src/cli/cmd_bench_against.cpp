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

std::string
number_text(const Json& j, const char* key, const char* suffix = "")
{
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return "";
  return fmt::format("{:+.2f}{}", j[key].get<double>(), suffix);
}

/// A table of every diff cell: scenario, metric, reference, current,
/// change and verdict, read from the comparison payload.
std::string
render_against(const Json& payload)
{
  const Json& against = payload.contains("against") ? payload["against"] : Json::object();
  std::string out = fmt::format("bench --against {}: {} (reference, {}) vs working tree ({}{})\n",
                                text_of(against, "ref"),
                                text_of(against.value("reference", Json::object()), "id"),
                                text_of(against.value("reference", Json::object()), "path"),
                                text_of(against.value("current", Json::object()), "path"),
                                against.value("current", Json::object()).value("dirty", false)
                                  ? ", uncommitted changes"
                                  : "");
  using A = TextTable::Align;
  TextTable table({"scenario", "metric", "reference", "current", "change %", "verdict"},
                  {A::left, A::left, A::right, A::right, A::right, A::left});
  std::size_t rows = 0;
  const Json diff = payload.value("diff", Json::object()).value("by_scenario", Json::object());
  for (const auto& [scenario, metrics] : diff.items()) {
    if (!metrics.is_object()) continue;
    for (const auto& [metric, by_arm] : metrics.items()) {
      if (!by_arm.is_object()) continue;
      for (const auto& [arm, cell] : by_arm.items()) {
        auto num = [&](const char* key) {
          return cell.contains(key) && cell[key].is_number()
                   ? fmt::format("{:.4g}", cell[key].get<double>())
                   : std::string("-");
        };
        std::string verdict = text_of(cell, "verdict");
        table.add_row({scenario, metric, num("reference"), num("current"),
                       number_text(cell, "delta_percent"), verdict.empty() ? "-" : verdict});
        ++rows;
      }
    }
  }
  out += rows ? table.render() + "\n" : "No metric was measured on both sides.\n";
  if (payload.contains("passed") && payload["passed"].is_boolean()) {
    out += payload["passed"].get<bool>() ? "passed\n" : "FAILED\n";
  }
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

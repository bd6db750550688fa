// `homeboy bench --against <git-ref>`: parse, call app::against::run_against,
// print through the comparison renderer of `--rig a,b` (cmd_bench_against.hpp).

#include "cli/cmd_bench_against.hpp"

#include "app/against/against_compare.hpp"
#include "cli/runs_common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <csignal>

namespace hb::cli {

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
run_bench_against(const std::string& ref, const RigArgs& rig, const app::BenchRequest& request,
                  const OutputOptions& output, bool json_summary)
{
  OutputOptions out = output;
  if (json_summary) out.json = true;
  auto refuse = [&](const std::string& message) {
    return emit_error(out, Error{"validation.invalid_argument", message, "{}"}, 2);
  };
  if (rig.rigs.size() > 1) {
    return refuse("--against compares two git trees of one checkout and --rig a,b compares rigs; "
                  "use one of them (a rig per tree: --rig a,b --interleave), or one rig with "
                  "--against for its bench_prepare");
  }
  if (rig.rig_concurrency != 1 || rig.ignore_default_baseline) {
    return refuse(fmt::format("{} belongs to a rig comparison; --against always interleaves its "
                              "two trees: drop it",
                              rig.rig_concurrency != 1 ? "--rig-concurrency"
                                                       : "--ignore-default-baseline"));
  }
  if (!rig.report.empty() && rig.report != "side-by-side") {
    return refuse(fmt::format("unknown --report `{}`; the one report is side-by-side", rig.report));
  }
  app::against::AgainstRequest against;
  against.bench = request;
  against.ref = ref;
  against.rounds = rig.rounds;
  if (!rig.rigs.empty()) against.rig_id = rig.rigs.front(); // its bench_prepare
  auto report = app::against::run_against(against);
  if (!report) {
    int code = report.error().code == "bench.interrupted" ? 128 + SIGINT
                                                           : exit_code_for(report.error());
    return emit_error(out, report.error(), code);
  }
  return emit_comparison(*report, out, json_summary, rig.report == "side-by-side");
}

} // namespace hb::cli

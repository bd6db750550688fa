// homeboy bench [component] and homeboy bench list [component]; the readers
// (history, distribution, compare) are in cmd_bench_readers.cpp.

#include "app/bench/rig_bench.hpp"
#include "app/bench_service.hpp"
#include "bench/compare.hpp"
#include "cli/bench_progress.hpp"
#include "cli/bench_report.hpp"
#include "cli/cmd_bench_against.hpp"
#include "cli/cmd_bench_rig.hpp"
#include "cli/commands.hpp"
#include "cli/global_options.hpp"
#include "cli/runs_common.hpp"
#include "util/term.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace hb::cli {

namespace {

struct BenchArgs
{
  std::string component;
  std::string path;
  std::string artifact_root;
  std::uint64_t iterations = 10;
  std::optional<std::uint64_t> warmup;
  std::vector<std::string> scenarios;
  bool baseline = false;
  bool ignore_baseline = false;
  bool ratchet = false;
  double threshold = 5.0;
  std::vector<std::string> settings;
  std::vector<std::string> settings_json;
  bool json_summary = false;
  std::string statistics = "sound";
  std::string correction = "holm";
  double alpha = 0.05;
  bool fail_on_inconclusive = false;
  bool session_aware = true;
  std::uint64_t runs = 1;
  std::vector<std::string> until_decisive; // present: the flag; one value: MAX
  std::vector<std::string> exec;
  bool shell = false;
  std::optional<std::string> prepare;
  std::optional<std::uint64_t> seed;
  std::string measure = "time";
  std::optional<std::string> ci_profile;
  RigArgs rig; // --rig and the comparison options (cmd_bench_rig.cpp)
  std::string against; // --against <git-ref> (cmd_bench_against.cpp)
  std::optional<std::string> shared_state;
  std::uint64_t concurrency = 1;
  std::string resume; // --resume RUN
  OutputOptions output;
};

Result<std::pair<std::string, std::string>>
split_setting(const std::string& text, const char* flag)
{
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return make_error("validation.invalid_argument",
                      fmt::format("{} expects key=value, got `{}`", flag, text));
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<app::BenchRequest>
make_request(const BenchArgs& a, const Invocation& inv)
{
  app::BenchRequest r;
  if (!a.component.empty()) r.component_id = a.component;
  std::error_code ec;
  r.cwd = std::filesystem::current_path(ec);
  if (!a.path.empty()) r.path_override = a.path;
  if (!a.artifact_root.empty()) r.artifact_root = a.artifact_root;
  r.iterations = a.iterations;
  r.warmup = a.warmup;
  r.scenarios = a.scenarios;
  r.save_baseline = a.baseline;
  r.ignore_baseline = a.ignore_baseline;
  r.ratchet = a.ratchet;
  r.regression_threshold = a.threshold;
  for (const auto& s : a.settings) {
    auto kv = split_setting(s, "--setting");
    if (!kv) return Unexpected(kv.error());
    r.settings.push_back(*kv);
  }
  for (const auto& s : a.settings_json) {
    auto kv = split_setting(s, "--setting-json");
    if (!kv) return Unexpected(kv.error());
    r.settings_json.push_back(*kv);
  }
  auto statistics = bench::parse_statistics(a.statistics);
  if (!statistics) {
    return make_error("validation.invalid_argument",
                      fmt::format("unknown --statistics `{}`; use sound (the default) or "
                                  "documented (the original tool's rules)",
                                  a.statistics));
  }
  r.statistics = *statistics;
  auto correction = bench::parse_correction(a.correction);
  if (!correction) {
    return make_error("validation.invalid_argument",
                      fmt::format("unknown --correction `{}`; use holm (the default), bh or none",
                                  a.correction));
  }
  r.correction = *correction;
  if (!(a.alpha > 0 && a.alpha < 1)) {
    return make_error("validation.invalid_argument",
                      fmt::format("--alpha must lie strictly between 0 and 1, got {}; the "
                                  "default is 0.05",
                                  a.alpha));
  }
  r.alpha = a.alpha;
  r.fail_on_inconclusive = a.fail_on_inconclusive;
  r.session_aware = a.session_aware;
  r.runs = a.runs;
  if (!a.until_decisive.empty()) {
    const std::string& text = a.until_decisive.front();
    if (text.empty()) {
      r.until_decisive = a.iterations * 4;
    } else {
      std::uint64_t max = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max);
      if (ec != std::errc() || end != text.data() + text.size() || max == 0) {
        return make_error("validation.invalid_argument",
                          fmt::format("--until-decisive takes an optional positive sample count, "
                                      "got `{}`; write --until-decisive=200, and put the "
                                      "component before the flag",
                                      text));
      }
      r.until_decisive = max;
    }
  }
  for (const auto& e : a.exec) {
    auto kv = split_setting(e, "--exec");
    if (!kv) {
      return make_error("validation.invalid_argument",
                        fmt::format("--exec expects NAME=COMMAND, got `{}`; name each command, "
                                    "e.g. --exec 'sort=sort -n data.txt'",
                                    e));
    }
    r.exec_commands.push_back(*kv);
  }
  r.shell = a.shell;
  r.prepare = a.prepare;
  r.seed = a.seed;
  r.count_instructions = a.measure == "instructions";
  if (a.shared_state) {
    // Absolute: the runner runs in the component's directory, not ours.
    r.shared_state = a.shared_state->empty() ? std::filesystem::path()
                                             : std::filesystem::absolute(*a.shared_state, ec);
  }
  r.concurrency = a.concurrency;
  if (!a.resume.empty()) r.resume_from = a.resume;
  r.runner_args = inv.passthrough;
  r.ci_profile = a.ci_profile;
  r.command_line = inv.command_line;
  r.homeboy_version = HOMEBOY_VERSION;
  // Runner output goes to our stderr, so stdout stays the report or JSON.
  r.on_runner_output = [](OutputStream, std::string_view chunk) {
    std::fwrite(chunk.data(), 1, chunk.size(), stderr);
    std::fflush(stderr);
  };
  return r;
}

void
add_common(CLI::App* cmd, BenchArgs& a)
{
  cmd->add_option("component", a.component,
                  "Component id (default: detected from the current directory)");
  cmd->add_option("--path", a.path, "Use this directory as the component's local_path for this run");
  cmd->add_option("--setting", a.settings, "Override a component setting: key=value (repeatable)");
  cmd->add_option("--setting-json", a.settings_json,
                  "Override a component setting with a JSON value: key=json (repeatable)");
  cmd->add_option("--scenario", a.scenarios,
                  "Only this scenario id (repeatable; validated against the runner's inventory)");
  cmd->add_option("--iterations", a.iterations, "Iterations per scenario")
    ->default_val(10)
    ->check(CLI::Range(std::uint64_t(1), std::uint64_t(1'000'000)));
  cmd->add_option("--ci-profile", a.ci_profile,
                  "Reproduce the one bench job of this CI profile from the runner extension's "
                  "manifest: its args go before `-- args`, its env to the runner")
    ->type_name("ID");
  add_output_options(cmd, a.output);
}

} // namespace

void
add_bench_commands(CLI::App& app, Invocation& inv)
{
  auto args = std::make_shared<BenchArgs>();
  auto* bench = app.add_subcommand("bench", "Run a component's benchmarks, compare them with the "
                                            "saved baseline, and record the run");
  bench->footer("Arguments after `--` go to the bench runner verbatim.\n"
                "Exit codes: the runner's own non-zero code; 1 for a failed gate, budget or "
                "regression; 0 otherwise.");
  add_common(bench, *args);
  bench->add_option("--warmup", args->warmup,
                    "Warmup iterations per scenario (HOMEBOY_BENCH_WARMUP_ITERATIONS)");
  bench->add_flag("--baseline", args->baseline, "Save this run as the component's baseline");
  bench->add_flag("--ignore-baseline", args->ignore_baseline, "Do not compare with the baseline");
  bench->add_flag("--ratchet", args->ratchet,
                  "Move the baseline to this run when it improved and nothing regressed");
  bench->add_option("--regression-threshold", args->threshold,
                    "Tolerance in percent for p95_ms when the runner declares no metric_policies")
    ->default_val(5.0)
    ->check(CLI::Range(0.0, 1e9));
  bench->add_option("--artifact-root", args->artifact_root, "Where run artifacts are stored");
  bench->add_flag("--json-summary", args->json_summary,
                  "Print the compact comparison_summary envelope (for CI wrappers)");
  bench->add_option("--statistics", args->statistics,
                    "Comparison rules: sound (tests with p-values, correction, intervals) or "
                    "documented (the original tool's)")
    ->default_val("sound");
  bench->add_option("--correction", args->correction,
                    "Multiple-comparison correction over the run's tests: holm, bh or none")
    ->default_val("holm");
  bench->add_option("--alpha", args->alpha, "Significance level, in (0, 1)")->default_val(0.05);
  bench->add_flag("--fail-on-inconclusive", args->fail_on_inconclusive,
                  "Exit 1 when a scenario is neither regressed, improved nor unchanged");
  bench->add_option("--runs", args->runs,
                    "Run the benchmark in N separate invocations (sessions) and compare session "
                    "by session: the verdicts that hold on a noisy machine (docs/bench.md, "
                    "Sessions)")
    ->type_name("N");
  bench->add_flag("--session-aware,!--no-session-aware", args->session_aware,
                  "Compare session by session (the default; docs/bench.md, Sessions); "
                  "--no-session-aware gives the independent-samples verdicts alone");
  bench->add_option("--until-decisive", args->until_decisive,
                    "Re-run inconclusive scenarios with more iterations, up to MAX samples in all "
                    "(default 4 x --iterations)")
    ->expected(0, 1)
    ->type_name("[=MAX]");
  bench->add_option("--exec", args->exec,
                    "Time NAME=COMMAND directly, no runner script needed (repeatable)")
    ->type_name("NAME=COMMAND");
  bench->add_flag("--shell", args->shell, "Run timed commands through /bin/sh -c");
  bench->add_option("--prepare", args->prepare,
                    "Run this command before every iteration of a timed command (not timed)");
  bench->add_option("--seed", args->seed, "Seed of the timed commands' shuffled order");
  bench->add_option("--measure", args->measure,
                    "What each iteration of a timed command measures: time (the default) or "
                    "instructions (user-space instructions retired, through hardware counters "
                    "or Valgrind's cachegrind; docs/bench.md, Counting instructions)")
    ->check(CLI::IsMember({"time", "instructions"}))
    ->default_val("time");
  bench->get_option("--baseline")->excludes("--ignore-baseline");
  add_rig_options(bench, args->rig);
  add_against_option(bench, args->against);
  bench->add_option("--shared-state", args->shared_state,
                    "Directory shared by the runner instances (HOMEBOY_BENCH_SHARED_STATE); "
                    "created when missing")
    ->type_name("DIR");
  bench->add_option("--concurrency", args->concurrency,
                    "Run N runner instances at once (needs --shared-state); scenarios become "
                    "<id>:i0 .. <id>:i<N-1> (docs/bench.md, Concurrent instances)")
    ->type_name("N");
  bench->add_option("--resume", args->resume,
                    "Continue interrupted bench RUN: keep the scenarios it finished, measure the "
                    "rest, in a new run that says which came from where (docs/bench.md, Resuming)")
    ->type_name("RUN");

  auto list_args = std::make_shared<BenchArgs>();
  auto* list = bench->add_subcommand("list", "List the runner's scenarios without running them");
  add_common(list, *list_args);
  list->add_option("--rig", list_args->rig.rigs,
                   "List the scenarios of this rig's checkout of the component, with the rig's "
                   "workloads (docs/rigs.md)")
    ->type_name("RIG_ID");
  add_bench_reader_commands(bench, inv);

  bench->callback([args, &inv, bench] {
    if (!bench->get_subcommands().empty()) {
      return; // list, history, distribution or compare ran instead
    }
    auto request = make_request(*args, inv);
    if (!request) {
      inv.exit_code = emit_error(args->output, request.error(), 2);
      return;
    }
    // The resource policy, before anything runs (docs/isolation.md).
    request->resources_json = bench_resources_check(inv.force_hot);
    // The live progress line: on a terminal only, never with JSON output;
    // it erases itself before the report or envelope is printed.
    const bool progress_on = ::isatty(STDERR_FILENO) == 1 && !args->output.json
                             && !args->json_summary;
    BenchProgressDisplay progress(args->component.empty() ? "bench" : "bench " + args->component,
                                  progress_on);
    progress.attach(*request);
    BeforeOutput erase_progress([&progress] { progress.finish(); });
    if (!args->against.empty()) {
      inv.exit_code =
        run_bench_against(args->against, args->rig, *request, args->output, args->json_summary);
      return;
    }
    if (args->json_summary) {
      args->output.json = true;
    }
    if (wants_rig_bench(args->rig)) {
      inv.exit_code = run_bench_rig(args->rig, *request, args->output, args->json_summary);
      return;
    }
    if (args->rig.interleave || args->rig.rounds || !args->rig.report.empty()
        || args->rig.rig_concurrency != 1 || args->rig.ignore_default_baseline) {
      inv.exit_code = emit_error(
        args->output,
        Error{"validation.invalid_argument",
              "--interleave, --rounds, --report, --rig-concurrency and "
              "--ignore-default-baseline belong to a rig comparison: add --rig a,b (or compare "
              "with a git revision: --against <ref>)",
              "{}"},
        2);
      return;
    }
    auto report = app::run_bench(*request);
    if (!report) {
      // Interrupted before anything ran: exit as an interrupted program does.
      // Bad arguments found by the service are usage errors, like CLI11's.
      int code = report.error().code == "bench.interrupted" ? 128 + SIGINT
                                                             : exit_code_for(report.error());
      inv.exit_code = emit_error(args->output, report.error(), code);
      return;
    }
    inv.exit_code = emit_bench_report(*report, args->output, args->json_summary);
  });

  list->callback([list_args, &inv] {
    auto request = make_request(*list_args, inv);
    if (!request) {
      inv.exit_code = emit_error(list_args->output, request.error(), 2);
      return;
    }
    auto listed = list_args->rig.rigs.empty()
                    ? app::list_scenarios(*request)
                    : app::list_rig_scenarios(*request, fmt::format("{}", fmt::join(list_args->rig.rigs, ",")));
    if (!listed) {
      inv.exit_code = emit_error(list_args->output, listed.error(), exit_code_for(listed.error()));
      return;
    }
    inv.exit_code = emit(list_args->output, "list", app::scenario_list_payload(*listed),
                         render_scenario_list(*listed));
  });
}

} // namespace hb::cli

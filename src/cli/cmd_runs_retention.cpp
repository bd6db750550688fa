// homeboy runs promote | retain | cleanup: keeping runs, and deleting the
// ones nothing keeps (a dry run unless --apply).

#include "app/against/worktree_retention.hpp"
#include "app/run_retention.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "util/json.hpp"
#include "util/table.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

namespace hb::cli {

namespace {

std::string
render_cleanup(const app::RunCleanupReport& r)
{
  if (r.runs.empty()) {
    return r.applied ? "Nothing deleted: no run is eligible for cleanup.\n"
                     : "Nothing to clean up: no run is eligible.\n";
  }
  using A = TextTable::Align;
  TextTable table({"action", "run", "kind", "status", "finished", "artifacts", "size", "reason"},
                  {A::left, A::left, A::left, A::left, A::left, A::right, A::right, A::left});
  std::string notes;
  for (const auto& run : r.runs) {
    table.add_row({run.action, run.run_id, run.kind, to_string(run.status),
                   format_rfc3339(run.finished_at.value_or(run.created_at)),
                   std::to_string(run.artifacts), size_text(run.bytes), run.reason});
    for (const auto& p : run.paths) {
      if (p.action == "keep" || p.action == "failed") {
        notes += fmt::format("  {} {}: {}\n", p.action == "keep" ? "kept  " : "FAILED", p.path,
                             p.reason);
      }
    }
  }
  std::string out = table.render() + "\n";
  if (!notes.empty()) out += "files:\n" + notes + "\n";
  const std::size_t skipped = r.runs.size() - r.total_runs();
  if (r.applied) {
    out += fmt::format("Deleted {} run(s) with {} artifact record(s) and {} of files.",
                       r.total_runs(), r.total_artifacts(), size_text(r.total_bytes()));
    if (skipped) out += fmt::format(" {} run(s) skipped: they changed since the plan.", skipped);
    if (r.failures()) {
      out += fmt::format(" {} file(s) or director(ies) could not be deleted (see above).",
                         r.failures());
    }
  } else {
    out += fmt::format("{} run(s), {} artifact record(s), {} of files.\n", r.total_runs(),
                       r.total_artifacts(), size_text(r.total_bytes()));
    out += "dry run: nothing deleted; pass --apply to delete these runs.";
  }
  return out + "\n";
}

void
add_promote(CLI::App* runs, Invocation& inv)
{
  struct Args
  {
    std::string run_id, reason;
    OutputOptions output;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = runs->add_subcommand(
    "promote", "Keep a run for good: `runs cleanup` never deletes a promoted run");
  cmd->add_option("run-id", args->run_id, "Run id (or unique prefix)")->required();
  cmd->add_option("--reason", args->reason, "Why it is kept (recorded in the run's metadata)");
  add_output_options(cmd, args->output);
  cmd->callback([args, &inv] {
    with_store(args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::promote_run(*s.store, args->run_id, args->reason, now_ms());
      if (!report) {
        inv.exit_code = emit_error(args->output, report.error(), exit_code_for(report.error()));
        return;
      }
      const Run& run = report->run;
      Json payload = app::promote_json(*report);
      const Json& reason = payload["promotion"].is_object() ? payload["promotion"]["reason"] : Json();
      const std::string because = reason.is_string() ? "reason: " + reason.get<std::string>() : "";
      std::string human =
        report->changed
          ? fmt::format("Promoted run {}{}; `homeboy runs cleanup` will never delete it.\n", run.id,
                        because.empty() ? "" : " (" + because + ")")
          : fmt::format("Run {} is already promoted (since {}{}); nothing changed.\n", run.id,
                        format_rfc3339(run.promoted_at.value_or(0)),
                        because.empty() ? "" : ", " + because);
      inv.exit_code = emit(args->output, "promote", payload, human);
    });
  });
}

void
add_retain(CLI::App* runs, Invocation& inv)
{
  struct Args
  {
    std::string run_id, until;
    bool force = false;
    OutputOptions output;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = runs->add_subcommand(
    "retain", "Keep a run until a time: `runs cleanup` does not delete it before then");
  cmd->add_option("run-id", args->run_id, "Run id (or unique prefix)")->required();
  cmd->add_option("--until", args->until,
                  "An RFC 3339 time or a duration from now (30d, 12h)")
    ->required();
  cmd->add_flag("--force", args->force, "Allow an --until earlier than the current retention");
  add_output_options(cmd, args->output);
  cmd->callback([args, &inv] {
    const TimeMs now = now_ms();
    auto until = app::parse_retain_until(args->until, now);
    if (!until) {
      inv.exit_code = emit_error(args->output, until.error(), 2);
      return;
    }
    with_store(args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::retain_run(*s.store, args->run_id, *until, args->force, now);
      if (!report) {
        inv.exit_code = emit_error(args->output, report.error(), exit_code_for(report.error()));
        return;
      }
      const Run& run = report->run;
      const std::string until_text = format_rfc3339(run.retained_until.value_or(0));
      std::string human =
        report->changed
          ? fmt::format("Run {} is retained until {} (was: {}).\n", run.id, until_text,
                        report->previous ? format_rfc3339(*report->previous) : "not retained")
          : fmt::format("Run {} is already retained until {}; nothing changed.\n", run.id,
                        until_text);
      inv.exit_code = emit(args->output, "retain", app::retain_json(*report), human);
    });
  });
}

void
add_cleanup(CLI::App* runs, Invocation& inv)
{
  struct Args
  {
    std::string older_than, status, kind;
    std::optional<std::size_t> limit;
    bool apply = false;
    OutputOptions output;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = runs->add_subcommand(
    "cleanup",
    "Delete finished runs that nothing keeps, with their records and files (dry run unless "
    "--apply); promoted, retained and active runs are never deleted");
  cmd->add_option("--older-than", args->older_than,
                  "Only runs that finished at least this long ago (30d, 12h)");
  cmd->add_option("--status", args->status,
                  "Only runs with this terminal status (succeeded, failed, timed_out, cancelled, "
                  "terminal, pass, fail, ...)");
  cmd->add_option("--kind", args->kind, "Only runs of this kind (bench, rig, trace, ...)");
  cmd->add_option("--limit", args->limit, "At most the N oldest eligible runs");
  cmd->add_flag("--apply", args->apply, "Delete; without it, only print the plan");
  add_output_options(cmd, args->output);
  cmd->callback([args, &inv] {
    auto bad = [&](const Error& error) { inv.exit_code = emit_error(args->output, error, 2); };
    app::RunCleanupRequest request;
    if (!args->older_than.empty()) {
      auto ms = parse_duration_ms(args->older_than);
      if (!ms) {
        Error error = ms.error();
        error.message = "--older-than: " + error.message;
        return bad(error);
      }
      request.older_than_ms = *ms;
    }
    if (!args->status.empty()) {
      auto statuses = app::parse_cleanup_statuses(args->status);
      if (!statuses) return bad(statuses.error());
      request.statuses = *statuses;
    }
    if (!args->kind.empty()) request.kind = args->kind;
    if (args->limit) {
      if (*args->limit == 0) {
        return bad(Error{"validation.invalid_argument",
                         "--limit must be at least 1 (leave it out to clean up every eligible run)",
                         "{}"});
      }
      request.limit = *args->limit;
    }
    with_store(args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::plan_run_cleanup(*s.store, s.paths, request, now_ms());
      if (report && args->apply) report = app::apply_run_cleanup(*s.store, s.paths, *report);
      if (!report) {
        inv.exit_code = emit_error(args->output, report.error(), exit_code_for(report.error()));
        return;
      }
      // The worktree cache of `bench --against`, by the same age limit.
      auto trees = app::against::cleanup_worktrees(s.paths, request.older_than_ms, report->now,
                                                   args->apply);
      Json payload = app::run_cleanup_json(*report);
      payload["worktrees"] = trees.json;
      inv.exit_code = emit(args->output, "cleanup", payload, render_cleanup(*report) + trees.human,
                           report->failures() || trees.failures ? 1 : 0);
    });
  });
}

} // namespace

void
add_runs_retention_commands(CLI::App* runs, Invocation& inv)
{
  add_promote(runs, inv);
  add_retain(runs, inv);
  add_cleanup(runs, inv);
}

} // namespace hb::cli

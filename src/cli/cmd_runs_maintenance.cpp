// homeboy runs artifact cleanup-persisted | cleanup-downloads (dry runs by
// default; --apply deletes) and runs loop-sync.

#include "app/artifact_cleanup.hpp"
#include "app/loop_sync.hpp"
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
render(const app::CleanupReport& r)
{
  if (r.items.empty()) {
    return "Nothing to clean up.\n";
  }
  using A = TextTable::Align;
  TextTable table({"action", "run", "artifact", "kind", "size", "path", "reason"},
                  {A::left, A::left, A::left, A::left, A::right, A::left, A::left});
  std::size_t kept = 0;
  for (const auto& item : r.items) {
    kept += item.action == "keep";
    table.add_row({item.action, item.run_id.empty() ? "" : short_id(item.run_id), item.artifact_id,
                   item.kind, size_text(item.bytes), item.path, item.reason});
  }
  std::string out = table.render() + "\n";
  if (r.applied) {
    out += fmt::format("Deleted {} file(s) or director(ies), {}; removed {} artifact record(s).",
                       r.removed, size_text(r.bytes), r.records_removed);
  } else {
    out += fmt::format("Dry run: nothing deleted. Run again with --apply to delete {} file(s) or "
                       "director(ies), {}, and {} artifact record(s).",
                       r.removed, size_text(r.bytes), r.records_removed);
  }
  if (kept > 0) {
    out += fmt::format(" {} kept (see reason).", kept);
  }
  return out + "\n";
}

} // namespace

void
add_artifact_cleanup_commands(CLI::App* artifact, Invocation& inv)
{
  struct PersistedArgs
  {
    std::optional<std::uint64_t> older_than_days;
    std::string run_id;
    bool apply = false;
    OutputOptions output;
  };
  auto persisted_args = std::make_shared<PersistedArgs>();
  auto* persisted = artifact->add_subcommand(
    "cleanup-persisted",
    "Delete the artifact files of finished runs and their records (dry run unless --apply); "
    "promoted and retained runs are never touched");
  persisted->add_option("--older-than-days", persisted_args->older_than_days,
                        "Only runs that finished more than this many days ago");
  persisted->add_option("--run-id", persisted_args->run_id, "Only this run (id or unique prefix)");
  persisted->add_flag("--apply", persisted_args->apply, "Delete; without it, only print the plan");
  add_output_options(persisted, persisted_args->output);
  persisted->callback([persisted_args, &inv] {
    auto& a = *persisted_args;
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      app::PersistedCleanupRequest request{a.older_than_days, "", a.apply};
      if (!a.run_id.empty()) {
        auto run = app::find_run(*s.store, a.run_id);
        if (!run) {
          inv.exit_code = emit_error(a.output, run.error());
          return;
        }
        request.run_id = run->id;
      }
      auto report = app::cleanup_persisted(*s.store, s.paths, request, now_ms());
      if (!report) {
        inv.exit_code = emit_error(a.output, report.error());
        return;
      }
      inv.exit_code = emit(a.output, "cleanup", app::cleanup_json(*report), render(*report));
    });
  });

  struct DownloadsArgs
  {
    std::string runner, run_id;
    bool apply = false;
    OutputOptions output;
  };
  auto downloads_args = std::make_shared<DownloadsArgs>();
  auto* downloads = artifact->add_subcommand(
    "cleanup-downloads",
    "Delete cached runner artifact downloads under <artifact root>/runner (dry run unless --apply)");
  downloads->add_option("--runner", downloads_args->runner, "Only this runner's cache");
  downloads->add_option("--run-id", downloads_args->run_id, "Only this run's cache (needs --runner)");
  downloads->add_flag("--apply", downloads_args->apply, "Delete; without it, only print the plan");
  add_output_options(downloads, downloads_args->output);
  downloads->callback([downloads_args, &inv] {
    auto& a = *downloads_args;
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(a.output, paths.error());
      return;
    }
    auto report = app::cleanup_downloads(*paths, a.runner, a.run_id, a.apply);
    if (!report) {
      inv.exit_code = emit_error(a.output, report.error(),
                                 report.error().code == "validation.invalid_argument" ? 2 : 1);
      return;
    }
    inv.exit_code = emit(a.output, "cleanup", app::cleanup_json(*report), render(*report));
  });
}

void
add_loop_sync_command(CLI::App* runs, Invocation& inv)
{
  struct LoopSyncArgs
  {
    std::string root, component, rig, label;
    bool dry_run = false;
    OutputOptions output;
  };
  auto args = std::make_shared<LoopSyncArgs>();
  auto* cmd = runs->add_subcommand(
    "loop-sync", "Record continuous-loop archive directories (one run each) as evidence");
  cmd->add_option("archive-root", args->root, "The directory that holds the loop's archives")
    ->required();
  cmd->add_option("--component", args->component, "Component id to record the runs under");
  cmd->add_option("--rig", args->rig, "Rig id to record the runs under");
  cmd->add_option("--label", args->label, "A label kept in each run's metadata");
  cmd->add_flag("--dry-run", args->dry_run, "Only list the archives and what would be recorded");
  add_output_options(cmd, args->output);
  cmd->callback([args, &inv] {
    with_store(args->output, inv.exit_code, [&](app::OpenStore& s) {
      app::LoopSyncRequest request{args->root, args->component, args->rig, args->label,
                                   args->dry_run, inv.command_line};
      auto report = app::loop_sync(*s.store, request);
      if (!report) {
        inv.exit_code = emit_error(args->output, report.error(),
                                   report.error().code == "validation.invalid_argument" ? 2 : 1);
        return;
      }
      using A = TextTable::Align;
      TextTable table({"archive", "state", "status", "files", "size", "run", "problem"},
                      {A::left, A::left, A::left, A::right, A::right, A::left, A::left});
      std::size_t fresh = 0;
      for (const auto& a : report->archives) {
        fresh += a.state != "synced";
        table.add_row({a.name, a.state, to_string(a.status), std::to_string(a.files),
                       size_text(a.bytes), short_id(a.run_id), a.problem});
      }
      std::string human = report->archives.empty()
                            ? fmt::format("No archive directories in {}.\n",
                                          report->archive_root.string())
                            : table.render() + "\n";
      if (!report->archives.empty()) {
        human += report->dry_run
                   ? fmt::format("Dry run: nothing recorded; {} new archive(s) would be.\n", fresh)
                   : fmt::format("Recorded {} new archive(s); {} already synced. List them: "
                                 "homeboy runs list --kind loop\n",
                                 fresh, report->archives.size() - fresh);
      }
      inv.exit_code = emit(args->output, "loop_sync", app::loop_sync_json(*report), human);
    });
  });
}

} // namespace hb::cli

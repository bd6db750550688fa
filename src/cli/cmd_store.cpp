// homeboy store status | migrate: which observation store this host uses
// (the SQLite file or a shared PostgreSQL server, docs/fleet.md), its schema
// version and size; and bringing its schema up to this build's.

#include "app/fleet/store_copy.hpp"
#include "cli/commands.hpp"
#include "model/paths.hpp"
#include "store/store.hpp"
#include "util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

namespace hb::cli {

namespace {

Json
status_json(const StoreStatus& s)
{
  return Json{{"backend", s.backend},
              {"location", s.location},
              {"schema_version", s.schema_version},
              {"build_schema_version", s.build_schema_version},
              {"size_bytes", s.size_bytes},
              {"runs", s.runs}};
}

std::string
human_size(std::int64_t bytes)
{
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit ? fmt::format("{:.1f} {}", value, units[unit]) : fmt::format("{} B", bytes);
}

std::string
status_text(const StoreStatus& s)
{
  std::string schema;
  if (s.schema_version == 0) {
    schema = fmt::format("none yet (created on first use, version {})", s.build_schema_version);
  } else if (s.schema_version < s.build_schema_version) {
    schema = fmt::format("{} (this homeboy writes {}; `homeboy store migrate` or any command "
                         "migrates it)",
                         s.schema_version, s.build_schema_version);
  } else if (s.schema_version > s.build_schema_version) {
    schema = fmt::format("{}, newer than this homeboy ({}): upgrade homeboy on this host",
                         s.schema_version, s.build_schema_version);
  } else {
    schema = fmt::format("{} (current)", s.schema_version);
  }
  return fmt::format("Store:  {} {}\nSchema: {}\nSize:   {}\nRuns:   {}\n",
                     s.backend == "postgres" ? "PostgreSQL" : "SQLite", s.location, schema,
                     human_size(s.size_bytes), s.runs);
}

} // namespace

void
add_store_commands(CLI::App& app, Invocation& inv)
{
  auto* store = app.add_subcommand(
    "store", "The observation store: the local SQLite file, or a PostgreSQL server shared by "
             "many hosts (HOMEBOY_STORE=postgres://... or store.url in the config)");
  store->require_subcommand(1);

  auto output = std::make_shared<OutputOptions>();
  auto* status = store->add_subcommand(
    "status", "Which store this host uses, its schema version, size and number of runs");
  add_output_options(status, *output);
  status->callback([output, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(*output, paths.error());
      return;
    }
    auto s = store_status(*paths);
    if (!s) {
      inv.exit_code = emit_error(*output, s.error());
      return;
    }
    Json payload = status_json(*s);
    payload["command"] = "store.status";
    inv.exit_code = emit(*output, "store", payload, status_text(*s));
  });

  auto migrate_output = std::make_shared<OutputOptions>();
  auto* migrate = store->add_subcommand(
    "migrate", "Brings the store's schema to this homeboy's version (every command does this "
               "on first use; with PostgreSQL under a lock, so two hosts never migrate at once)");
  add_output_options(migrate, *migrate_output);
  migrate->callback([migrate_output, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(*migrate_output, paths.error());
      return;
    }
    auto before = store_status(*paths);
    if (!before) {
      inv.exit_code = emit_error(*migrate_output, before.error());
      return;
    }
    auto after = migrate_store(*paths);
    if (!after) {
      inv.exit_code = emit_error(*migrate_output, after.error());
      return;
    }
    Json payload = status_json(*after);
    payload["command"] = "store.migrate";
    payload["from_schema_version"] = before->schema_version;
    std::string text =
      before->schema_version == after->schema_version
        ? fmt::format("Schema already at version {}; nothing to do.\n", after->schema_version)
        : fmt::format("Migrated from schema version {} to {}.\n", before->schema_version,
                      after->schema_version);
    inv.exit_code = emit(*migrate_output, "store", payload, text + status_text(*after));
  });

  auto copy_output = std::make_shared<OutputOptions>();
  auto request = std::make_shared<app::CopyRequest>();
  auto* copy = store->add_subcommand(
    "copy", "Copies every run of one store into another (a local SQLite file into the shared "
            "PostgreSQL store), with metrics, samples, artifacts and their files, findings and "
            "events; in batches, each one transaction; runs already there are skipped, so it can "
            "be rerun after an interruption");
  copy->add_option("--from", request->from, "The store to read: sqlite:PATH or postgres://...")
    ->required();
  copy->add_option("--to", request->to, "The store to write: postgres://... or sqlite:PATH")
    ->required();
  copy->add_option("--from-artifact-root", request->from_artifact_root,
                   "Where the source's artifact files are (default: `artifacts` beside a "
                   "sqlite: file; this host's artifact root for postgres:)");
  copy->add_option("--to-artifact-root", request->to_artifact_root,
                   "Where the copied files go (default: this host's artifact root; with a "
                   "shared store, a directory every host mounts)");
  copy->add_option("--batch", request->batch, "Runs per transaction (default 500)");
  add_output_options(copy, *copy_output);
  copy->callback([copy_output, request, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(*copy_output, paths.error());
      return;
    }
    app::CopyRequest r = *request;
    r.host_artifact_root = paths->artifact_root;
    auto report = app::copy_store(r, [](const app::CopyReport& so_far) {
      fmt::print(stderr, "copied {} of {} runs ({} already there), {} files\n",
                 so_far.runs_copied + so_far.runs_present, so_far.runs_total,
                 so_far.runs_present, so_far.files_copied);
      std::fflush(stderr);
    });
    if (!report) {
      inv.exit_code = emit_error(*copy_output, report.error());
      return;
    }
    std::string text = fmt::format(
      "Copied {} run{} ({} already in the destination): {} metrics, {} artifacts ({} files, {}), "
      "{} findings, {} trace spans, {} events, {} earlier attempts.\n",
      report->runs_copied, report->runs_copied == 1 ? "" : "s", report->runs_present,
      report->metrics, report->artifacts, report->files_copied, human_size(
        static_cast<std::int64_t>(report->bytes_copied)),
      report->findings, report->trace_spans, report->events, report->attempts);
    if (report->runs_active > 0) {
      text += fmt::format("{} run{} still queued or running in the source {} left out; copy again "
                          "once {} settled (or cancel {}): a later copy adds {}.\n",
                          report->runs_active, report->runs_active == 1 ? "" : "s",
                          report->runs_active == 1 ? "was" : "were",
                          report->runs_active == 1 ? "it has" : "they have",
                          report->runs_active == 1 ? "it" : "them",
                          report->runs_active == 1 ? "it" : "them");
    }
    // Not everything moved: a script checking the exit code must see it.
    const int code = report->runs_active > 0 ? 1 : 0;
    if (code && copy_output->json) {
      fmt::print(stderr, "{} run(s) still active in the source were left out; copy again once "
                         "they have settled\n", report->runs_active);
    }
    inv.exit_code = emit(*copy_output, "store", app::copy_payload(r, *report), text, code);
  });
}

} // namespace hb::cli

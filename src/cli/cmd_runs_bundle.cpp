// homeboy runs export / runs import: portable bundles of runs
// (docs/runs.md, "Bundles"), and runs import --from-gh-actions (docs/runs.md,
// "Import from GitHub Actions").

#include "app/bundle.hpp"
#include "app/gh_import.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "util/json.hpp"
#include "util/table.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>

namespace hb::cli {

namespace {

std::string
plural(std::size_t n, const char* one, const char* many)
{
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Bad input exits 2 (docs/runs.md), a bad bundle and an unknown run
// included; a conflict or a store failure 1.
int
bundle_exit_code(const Error& e)
{
  bool input = e.code == "import.invalid_bundle" || e.code == "import.unsupported_version" ||
               e.code == "import.not_found" || e.code == "run.not_found";
  return input ? 2 : exit_code_for(e);
}

std::string
render_export(const app::ExportReport& r, bool with_bytes)
{
  std::string out = fmt::format(
    "Exported {} to {}\n  {}: {} with bytes, {} metadata-only\n  {}, {} ({})\n",
    plural(r.runs, "run", "runs"), r.output.string(), plural(r.artifacts, "artifact", "artifacts"),
    r.artifact_bytes, r.metadata_only, plural(r.trace_spans, "trace span", "trace spans"),
    plural(r.findings, "finding", "findings"), plural(r.test_failures, "test failure", "test failures"));
  if (r.replaced) out += "  (replaced the earlier bundle there)\n";
  if (!with_bytes && r.metadata_only > 0) {
    out += "  File artifacts are exported metadata-only; add --with-bytes to include their bytes.\n";
  }
  constexpr std::size_t k_shown = 10; // all of them are in --json
  for (std::size_t i = 0; i < r.warnings.size() && i < k_shown; ++i) {
    out += "warning: " + r.warnings[i] + "\n";
  }
  if (r.warnings.size() > k_shown) {
    out += fmt::format("warning: ... and {} more (--json lists them all)\n", r.warnings.size() - k_shown);
  }
  out += fmt::format("Import it elsewhere with: homeboy runs import {}\n", r.output.string());
  return out;
}

std::string
render_import(const app::ImportReport& r)
{
  using A = TextTable::Align;
  TextTable table({"record", "imported", "already present"}, {A::left, A::right, A::right});
  auto row = [&](const char* name, const app::ImportCounts& c) {
    table.add_row({name, std::to_string(c.imported), std::to_string(c.already_present)});
  };
  row("runs", r.runs);
  row("artifacts", r.artifacts);
  row("trace spans", r.trace_spans);
  row("findings", r.findings);
  std::string out = fmt::format("Bundle {}{}\n", r.input.string(),
                                r.original_format ? " (v1 without homeboy extras)" : "");
  out += table.render();
  if (r.artifact_bytes_copied) {
    out += fmt::format("Copied the bytes of {} into the artifact root.\n",
                       plural(r.artifact_bytes_copied, "artifact", "artifacts"));
  }
  out += r.changed() ? "Imported in one transaction.\n"
                     : "Nothing changed: every record was already in the store.\n";
  return out;
}

std::string
render_gh_import(const app::GhImportReport& r)
{
  using A = TextTable::Align;
  std::string out = fmt::format("GitHub Actions runs of {}\n", r.repo);
  if (!r.runs.empty()) {
    TextTable runs({"run", "github run", "attempt", "status", "state"},
                   {A::left, A::right, A::right, A::left, A::left});
    for (const auto& run : r.runs) {
      runs.add_row({run.id, std::to_string(run.gh_run_id), std::to_string(run.run_attempt), run.status,
                    run.imported ? "imported" : "already present"});
    }
    out += runs.render();
  }
  if (!r.artifacts.empty()) {
    out += "\n";
    TextTable arts({"artifact", "label", "path", "state"}, {A::left, A::left, A::left, A::left});
    for (const auto& a : r.artifacts) {
      arts.add_row({a.id, a.label, a.path.string(), a.imported ? "imported" : "already present"});
    }
    out += arts.render();
  }
  for (const auto& s : r.skipped) {
    out += s.artifact.empty() ? fmt::format("skipped run {}: {}\n", s.gh_run_id, s.reason)
                              : fmt::format("skipped artifact `{}` of run {}: {}\n", s.artifact,
                                            s.gh_run_id, s.reason);
  }
  if (r.artifacts_not_matching) {
    out += fmt::format("{} not matching --artifact-glob.\n",
                       plural(r.artifacts_not_matching, "artifact", "artifacts"));
  }
  std::size_t runs_new = 0, arts_new = 0;
  for (const auto& run : r.runs) runs_new += run.imported;
  for (const auto& a : r.artifacts) arts_new += a.imported;
  out += r.changed() ? fmt::format("Imported {} and {} in one transaction.\n",
                                   plural(runs_new, "run", "runs"), plural(arts_new, "artifact", "artifacts"))
                     : "Nothing changed: every run and artifact was already in the store.\n";
  return out;
}

} // namespace

void
add_runs_bundle_commands(CLI::App* runs, Invocation& inv)
{
  struct ExportArgs
  {
    std::vector<std::string> run_ids;
    std::string since, output;
    bool with_bytes = false;
    OutputOptions out;
  };
  auto ex = std::make_shared<ExportArgs>();
  auto* export_cmd = runs->add_subcommand(
    "export", "Write runs with their artifacts, trace spans and findings to a bundle directory");
  export_cmd->add_option("--run", ex->run_ids, "A run to export (id or unique prefix; repeatable)");
  export_cmd->add_option("--since", ex->since,
                         "Export every run created since: a duration (24h, 7d) or a timestamp");
  export_cmd->add_option("--output", ex->output, "The bundle directory (new, empty, or an earlier bundle)")
    ->required();
  export_cmd->add_flag("--with-bytes", ex->with_bytes,
                       "Include file artifacts' bytes (sha256-checked) instead of metadata only");
  export_cmd->add_flag("--json", ex->out.json, "Print the JSON envelope");
  export_cmd->callback([ex, &inv] {
    auto& out = ex->out;
    if (ex->run_ids.empty() == ex->since.empty()) {
      inv.exit_code = emit_error(out, Error{"validation.invalid_argument",
                                            "say which runs to export: --run <id> (repeatable) or "
                                            "--since <duration>, not both",
                                            "{}"},
                                 2);
      return;
    }
    app::ExportRequest request;
    request.run_ids = ex->run_ids;
    if (!ex->since.empty()) {
      auto since = parse_time_point(ex->since, now_ms());
      if (!since) {
        Error e = since.error();
        e.message = "--since: " + e.message;
        inv.exit_code = emit_error(out, e, 2);
        return;
      }
      request.since = *since;
    }
    request.output = ex->output;
    request.with_bytes = ex->with_bytes;
    request.homeboy_version = HOMEBOY_VERSION;
    with_store(out, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::export_bundle(s, request);
      if (!report) {
        inv.exit_code = emit_error(out, report.error(), bundle_exit_code(report.error()));
        return;
      }
      inv.exit_code = emit(out, "export", app::export_payload(*report, ex->with_bytes),
                           render_export(*report, ex->with_bytes));
    });
  });

  struct ImportArgs
  {
    std::string dir;
    bool from_gh = false;
    std::string component, repo, workflow, run_id, glob;
    int limit = 10;
    OutputOptions out;
  };
  auto im = std::make_shared<ImportArgs>();
  auto* import_cmd = runs->add_subcommand(
    "import", "Import a bundle directory written by homeboy runs export (all or nothing), or "
              "GitHub Actions runs and their JSON artifacts (--from-gh-actions)");
  auto* dir_opt = import_cmd->add_option("dir", im->dir, "The bundle directory");
  import_cmd->add_flag("--from-gh-actions", im->from_gh,
                       "Import GitHub Actions workflow runs and the JSON files of their artifacts");
  import_cmd->add_option("--component", im->component, "With --from-gh-actions: the component the runs belong to");
  import_cmd->add_option("--repo", im->repo, "With --from-gh-actions: the repository, owner/name");
  import_cmd->add_option("--workflow", im->workflow,
                         "With --from-gh-actions: import the recent runs of this workflow (file name, e.g. ci.yml)");
  auto* limit_opt = import_cmd->add_option("--limit", im->limit,
                                           "With --workflow: how many recent runs (1-100; default 10)");
  import_cmd->add_option("--run-id", im->run_id, "With --from-gh-actions: import this one GitHub run");
  import_cmd->add_option("--artifact-glob", im->glob,
                         "With --from-gh-actions: import the artifacts whose name matches (fnmatch)");
  add_output_options(import_cmd, im->out);
  import_cmd->callback([im, import_cmd, dir_opt, limit_opt, &inv] {
    auto invalid = [&](const std::string& message) {
      inv.exit_code = emit_error(im->out, Error{"validation.invalid_argument", message, "{}"}, 2);
    };
    if (!im->from_gh) {
      for (const char* flag : {"--component", "--repo", "--workflow", "--limit", "--run-id", "--artifact-glob"}) {
        auto* opt = import_cmd->get_option(flag);
        if (opt->count() > 0) {
          invalid(fmt::format("{} belongs to --from-gh-actions; add --from-gh-actions to import from "
                              "GitHub Actions, or pass only the bundle directory",
                              flag));
          return;
        }
      }
      if (im->dir.empty()) {
        invalid("say what to import: a bundle directory (homeboy runs import DIR) or GitHub Actions "
                "runs (homeboy runs import --from-gh-actions --component ID --repo OWNER/NAME "
                "(--workflow FILE | --run-id ID) --artifact-glob GLOB)");
        return;
      }
      with_store(im->out, inv.exit_code, [&](app::OpenStore& s) {
        auto report = app::import_bundle(s, im->dir);
        if (!report) {
          inv.exit_code = emit_error(im->out, report.error(), bundle_exit_code(report.error()));
          return;
        }
        inv.exit_code = emit(im->out, "import", app::import_payload(*report), render_import(*report));
      });
      return;
    }
    if (dir_opt->count() > 0) {
      invalid(fmt::format("a bundle directory ({}) cannot be imported together with --from-gh-actions; "
                          "run the two imports separately",
                          im->dir));
      return;
    }
    if (limit_opt->count() > 0 && im->workflow.empty()) {
      invalid("--limit goes with --workflow (how many recent runs); --run-id imports one run");
      return;
    }
    app::GhImportRequest request;
    request.component_id = im->component;
    request.repo = im->repo;
    request.workflow = im->workflow;
    request.run_id = im->run_id;
    request.limit = im->limit;
    request.artifact_glob = im->glob;
    const char* api = std::getenv("HOMEBOY_GITHUB_API_URL");
    request.api_url = api && *api ? api : "https://api.github.com";
    const char* token = std::getenv("GITHUB_TOKEN");
    request.token = token ? token : "";
    request.homeboy_version = HOMEBOY_VERSION;
    if (auto ok = app::validate_gh_import(request); !ok) {
      inv.exit_code = emit_error(im->out, ok.error(), 2);
      return;
    }
    with_store(im->out, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::import_from_gh_actions(s, request);
      if (!report) {
        inv.exit_code = emit_error(im->out, report.error(), bundle_exit_code(report.error()));
        return;
      }
      inv.exit_code = emit(im->out, "import", app::gh_import_payload(*report), render_gh_import(*report));
    });
  });
}

} // namespace hb::cli

#pragma once
// What the `runs` command files share: the run filter flags of `runs list`,
// opening the store, and small renderings.

#include "app/run_views.hpp"
#include "app/runs_service.hpp"
#include "cli/output.hpp"
#include "model/run.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}


namespace hb::registry {
struct RecipeOptions;
}

namespace hb::cli {

struct Invocation;

/// The options of a run's recipe (runs submit/start, schedule add): --name,
/// --cwd, --env, --secret-env, the timeouts, --artifact, --label,
/// --retain-for, --retry*, and --kind when `with_kind`.
void add_recipe_options(CLI::App* cmd, registry::RecipeOptions& a, bool with_kind);

/// The filter flags' text; parsed by app::parse_run_filter (the API parses
/// its query parameters the same way).
using RunFilterArgs = app::RunFilterText;

/// --kind, --component, --rig, --status, --since, --until; with `paged` also
/// --scenario, --limit (1..100000, never clamped) and --after.
void add_filter_options(CLI::App* cmd, RunFilterArgs& f, bool paged);
Result<RunFilter> make_filter(const RunFilterArgs& a);
/// The filters as the user gave them, for a payload's `filters`.
Json filter_echo(const RunFilterArgs& a, bool with_limit = true);

std::string short_id(const std::string& id);
/// The exit code of a failed command: 2 for bad input (`validation.*`:
/// a malformed option, a refused value), 1 for everything else.
int exit_code_for(const Error& error);
std::string status_text(RunStatus status, bool colour);
std::string duration_text(const Run& run);
std::string size_text(std::optional<std::uint64_t> size);
/// Indents every line of `text` by `pad`.
std::string indent(const std::string& text, const std::string& pad = "  ");
/// A JSON value as a table cell: strings bare, null empty, floats %g.
std::string json_text(const Json& value);

struct DistributionArgs
{
  RunFilterArgs filter;
  std::vector<std::string> fields;
  OutputOptions output;
};

/// runs distribution, and bench distribution (the filter scoped to bench runs
/// of a component): the counts as tables, or the envelope of `variant`.
void run_distribution(const DistributionArgs& args, const std::string& variant, int& exit_code);

template <class Fn>
void
with_store(OutputOptions& out, int& exit_code, Fn&& fn)
{
  auto opened = app::open_store();
  if (!opened) {
    exit_code = emit_error(out, opened.error());
    return;
  }
  fn(*opened);
}

/// The readers added by cmd_runs_readers.cpp: refs, evidence, resume-plan,
/// distribution, query, compare, drift, bench-compare.
void add_runs_reader_commands(CLI::App* runs, Invocation& inv);

/// Maintenance (cmd_runs_maintenance.cpp): `runs artifact cleanup-persisted`
/// and `cleanup-downloads` under the `runs artifact` group, and `runs
/// loop-sync`.
void add_artifact_cleanup_commands(CLI::App* artifact, Invocation& inv);
void add_loop_sync_command(CLI::App* runs, Invocation& inv);

/// bench history, bench distribution and bench compare (cmd_bench_readers.cpp).
void add_bench_reader_commands(CLI::App* bench, Invocation& inv);

/// Adds the runs.bench-compare reader as `parent <name> --from-run ID --to-run
/// ID [--metric M]...` (runs bench-compare, and bench compare): it prints the
/// Markdown report, or with --json the envelope of `variant`.
void add_bench_compare_command(CLI::App* parent, const std::string& name,
                               const std::string& description, const std::string& variant,
                               Invocation& inv);

/// The registry: submit, start, status, cancel, logs, events, heartbeat,
/// replay and the hidden supervise (cmd_runs_registry.cpp).
void add_runs_registry_commands(CLI::App* runs, Invocation& inv);
/// export and import (cmd_runs_bundle.cpp).
void add_runs_bundle_commands(CLI::App* runs, Invocation& inv);

/// promote, retain and cleanup (cmd_runs_retention.cpp).
void add_runs_retention_commands(CLI::App* runs, Invocation& inv);

} // namespace hb::cli

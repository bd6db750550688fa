#pragma once
// What the `runs` command files share: the run filter flags of `runs list`,
// opening the store, and small renderings.

#include "app/runs_service.hpp"
#include "cli/output.hpp"
#include "model/run.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace hb::cli {

struct Invocation;

struct RunFilterArgs
{
  std::string kind, component, rig, scenario, status, since, until, after;
  std::size_t limit = 20;
};

/// --kind, --component, --rig, --status, --since, --until; with `paged` also
/// --scenario, --limit (1..100000, never clamped) and --after.
void add_filter_options(CLI::App* cmd, RunFilterArgs& f, bool paged);
Result<RunFilter> make_filter(const RunFilterArgs& a);
/// The filters as the user gave them, for a payload's `filters`.
Json filter_echo(const RunFilterArgs& a, bool with_limit = true);

std::string short_id(const std::string& id);
std::string status_text(RunStatus status, bool colour);
std::string duration_text(const Run& run);
std::string size_text(std::optional<std::uint64_t> size);
/// Indents every line of `text` by `pad`.
std::string indent(const std::string& text, const std::string& pad = "  ");

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
/// distribution, query, compare, drift.
void add_runs_reader_commands(CLI::App* runs, Invocation& inv);

/// export and import (cmd_runs_bundle.cpp).
void add_runs_bundle_commands(CLI::App* runs, Invocation& inv);

} // namespace hb::cli

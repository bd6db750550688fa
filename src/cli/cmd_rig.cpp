// homeboy rig list | show | check | runs (issue 14): rig specs as
// src/rig reads them, `rig check` recorded through app/rig, and the runs
// pinned to a rig.

#include "app/rig/rig_service.hpp"
#include "app/run_json.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "rig/rig.hpp"
#include "util/table.hpp"
#include "util/term.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

namespace hb::cli {

namespace {

/// resolve_paths, or the error emitted (exit code set) and nullopt.
std::optional<Paths>
paths_or_emit(const OutputOptions& out, int& exit_code)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) {
    exit_code = emit_error(out, paths.error());
    return std::nullopt;
  }
  return *paths;
}

Json
spec_summary_json(const rig::Spec& spec)
{
  Json components = Json::object();
  for (const auto& c : spec.components) {
    std::error_code ec;
    Json entry = {{"path", c.path.string()}, {"exists", std::filesystem::is_directory(c.path, ec)}};
    if (!c.branch.empty()) entry["branch"] = c.branch;
    if (!c.ref.empty()) entry["ref"] = c.ref;
    components[c.id] = std::move(entry);
  }
  Json workloads = Json::object();
  for (const auto& [ext, list] : spec.bench_workloads) {
    Json items = Json::array();
    for (const auto& w : list) {
      Json item = {{"path", w.path.string()}};
      if (w.port_range_size > 0) item["port_range_size"] = w.port_range_size;
      if (!w.named_leases.empty()) item["named_leases"] = w.named_leases;
      items.push_back(std::move(item));
    }
    workloads[ext] = std::move(items);
  }
  Json gates = Json::array();
  for (const auto& g : spec.metric_gates) {
    gates.push_back({{"scenario_id", g.scenario_id}, {"metric", g.metric}, {"op", g.op}, {"value", g.value}});
  }
  return Json{{"components", std::move(components)},
              {"bench_workloads", std::move(workloads)},
              {"metric_gates", std::move(gates)},
              {"bench_prepare", spec.bench_prepare},
              {"services", spec.service_ids},
              {"check_steps", spec.checks.size()}};
}

std::string
describe_spec(const rig::Spec& spec)
{
  std::string out = fmt::format("rig          {}\n", spec.id);
  if (!spec.description.empty()) out += fmt::format("description  {}\n", spec.description);
  out += fmt::format("file         {}\n", spec.file.string());
  if (spec.package_root) out += fmt::format("package      {}\n", spec.package_root->string());
  for (const auto& c : spec.components) {
    std::error_code ec;
    bool exists = std::filesystem::is_directory(c.path, ec);
    out += fmt::format("component    {}  {}{}{}\n", c.id, c.path.string(),
                       c.branch.empty() ? "" : "  branch " + c.branch,
                       exists ? "" : "  (does not exist)");
  }
  for (const auto& [ext, list] : spec.bench_workloads) {
    for (const auto& w : list) out += fmt::format("workload     {}  {}\n", ext, w.path.string());
  }
  for (const auto& g : spec.metric_gates) {
    out += fmt::format("gate         {} {} {} {}\n", g.scenario_id, g.metric, g.op, g.value);
  }
  out += "\n" + spec.json + "\n";
  return out;
}

std::string
render_check(const rig::CheckReport& report, const std::string& run_id, bool colour)
{
  using A = TextTable::Align;
  TextTable table({"step", "probe", "result", "ms", "message"}, {A::left, A::left, A::left, A::right, A::left});
  std::size_t failed = 0;
  for (const auto& s : report.steps) {
    failed += !s.passed;
    std::string result = term::paint(s.passed ? "pass" : "FAIL", s.passed ? term::Colour::green : term::Colour::red,
                                     colour);
    table.add_row({s.label, s.probe, result, std::to_string(s.elapsed_ms), s.message});
  }
  std::string out = report.steps.empty() ? "No check steps declared (pipeline.check is empty).\n" : table.render();
  out += report.passed ? fmt::format("\nrig {}: all {} steps passed\n", report.rig_id, report.steps.size())
                       : fmt::format("\nrig {}: {} of {} steps failed\n", report.rig_id, failed, report.steps.size());
  out += fmt::format("recorded as run {} (homeboy runs show {})\n", run_id, short_id(run_id));
  return out;
}

} // namespace

void
add_rig_commands(CLI::App& app, Invocation& inv)
{
  auto* group = app.add_subcommand("rig", "Rig specs: list, show, check, and the runs pinned to a rig");
  group->require_subcommand(1);

  auto list_output = std::make_shared<OutputOptions>();
  auto* list = group->add_subcommand("list", "List the rigs homeboy can load");
  add_output_options(list, *list_output);
  list->callback([list_output, &inv] {
    auto paths = paths_or_emit(*list_output, inv.exit_code);
    if (!paths) return;
    auto rigs = rig::list(*paths);
    Json items = Json::array();
    TextTable table({"id", "description", "file"});
    for (const auto& r : rigs) {
      Json item = {{"id", r.id}, {"description", r.description}, {"file", r.file.string()}, {"valid", !r.error}};
      if (r.error) item["error"] = {{"code", r.error->code}, {"message", r.error->message}};
      items.push_back(std::move(item));
      table.add_row({r.id, r.error ? "INVALID: " + r.error->message : r.description, r.file.string()});
    }
    std::string human = rigs.empty() ? fmt::format("No rigs defined. Add one: {}/rigs/<id>.json (docs/rigs.md)\n",
                                                   paths->config_root.string())
                                     : table.render();
    inv.exit_code = emit(*list_output, "list", Json{{"count", rigs.size()}, {"rigs", std::move(items)}}, human);
  });

  struct IdArgs
  {
    std::string id;
    OutputOptions output;
  };
  auto show_args = std::make_shared<IdArgs>();
  auto* show = group->add_subcommand("show", "Show a rig's materialised spec (extends merged)");
  show->add_option("rig", show_args->id, "Rig id")->required();
  add_output_options(show, show_args->output);
  show->callback([show_args, &inv] {
    auto paths = paths_or_emit(show_args->output, inv.exit_code);
    if (!paths) return;
    auto spec = rig::load(*paths, show_args->id);
    if (!spec) {
      inv.exit_code = emit_error(show_args->output, spec.error());
      return;
    }
    Json payload = {{"id", spec->id},
                    {"file", spec->file.string()},
                    {"package_root", spec->package_root ? Json(spec->package_root->string()) : Json(nullptr)},
                    {"spec", parse_json_or_discard(spec->json)},
                    {"resolved", spec_summary_json(*spec)}};
    inv.exit_code = emit(show_args->output, "show", payload, describe_spec(*spec));
  });

  auto check_args = std::make_shared<IdArgs>();
  auto* check = group->add_subcommand("check", "Run a rig's check steps (every one) and record the result as a run");
  check->add_option("rig", check_args->id, "Rig id")->required();
  add_output_options(check, check_args->output);
  check->callback([check_args, &inv] {
    auto paths = paths_or_emit(check_args->output, inv.exit_code);
    if (!paths) return;
    auto spec = rig::load(*paths, check_args->id);
    if (!spec) {
      inv.exit_code = emit_error(check_args->output, spec.error());
      return;
    }
    with_store(check_args->output, inv.exit_code, [&](app::OpenStore& s) {
      std::error_code ec;
      app::rig::CheckRequest request{inv.command_line, std::filesystem::current_path(ec).string(), HOMEBOY_VERSION};
      auto ran = app::rig::run_check(*s.store, *spec, request);
      if (!ran) {
        inv.exit_code = emit_error(check_args->output, ran.error());
        return;
      }
      Json payload = parse_json_or_discard(app::rig::check_report_json(ran->report));
      payload["run_id"] = ran->run_id;
      payload["rig_state"] = parse_json_or_discard(rig::state_json(ran->state));
      inv.exit_code = emit(check_args->output, "check", payload,
                           render_check(ran->report, ran->run_id, term::colour_enabled(stdout)),
                           ran->report.passed ? 0 : 1);
    });
  });

  struct RunsArgs
  {
    std::string id;
    std::size_t limit = 20;
    std::string after;
    OutputOptions output;
  };
  auto runs_args = std::make_shared<RunsArgs>();
  auto* runs = group->add_subcommand("runs", "List the runs pinned to a rig (every kind), newest first");
  runs->add_option("rig", runs_args->id, "Rig id")->required();
  runs->add_option("--limit", runs_args->limit, "How many runs (default 20)")->check(CLI::Range(1, 100000));
  runs->add_option("--after", runs_args->after, "Continue after this cursor (printed when more runs match)");
  add_output_options(runs, runs_args->output);
  runs->callback([runs_args, &inv] {
    auto paths = paths_or_emit(runs_args->output, inv.exit_code);
    if (!paths) return;
    // An unknown rig is an error, unless runs were recorded for it before
    // its spec went away.
    auto spec = rig::load(*paths, runs_args->id);
    with_store(runs_args->output, inv.exit_code, [&](app::OpenStore& s) {
      std::optional<std::string> after;
      if (!runs_args->after.empty()) after = runs_args->after;
      auto page = app::rig::rig_runs(*s.store, runs_args->id, runs_args->limit, after);
      if (!page) {
        inv.exit_code = emit_error(runs_args->output, page.error());
        return;
      }
      if (!spec && spec.error().code == "rig.not_found" && page->runs.empty()) {
        inv.exit_code = emit_error(runs_args->output, spec.error());
        return;
      }
      Json items = Json::array();
      bool colour = term::colour_enabled(stdout);
      using A = TextTable::Align;
      TextTable table({"id", "kind", "status", "component", "created", "duration", "exit"},
                      {A::left, A::left, A::left, A::left, A::left, A::right, A::right});
      for (const auto& run : page->runs) {
        items.push_back(app::run_summary_json(run));
        table.add_row({short_id(run.id), run.kind, status_text(run.status, colour), run.component_id,
                       format_rfc3339(run.created_at), duration_text(run),
                       run.exit_code ? std::to_string(*run.exit_code) : ""});
      }
      Json payload = {{"command", "rig.runs"}, {"rig_id", runs_args->id}, {"runs", std::move(items)},
                      {"next_cursor", page->next_cursor ? Json(*page->next_cursor) : Json(nullptr)}};
      std::string human = page->runs.empty()
                            ? fmt::format("No runs for rig {} yet. Record one: homeboy rig check {}\n", runs_args->id,
                                          runs_args->id)
                            : table.render();
      if (page->next_cursor) human += fmt::format("\nMore runs: add --after {}\n", *page->next_cursor);
      inv.exit_code = emit(runs_args->output, "runs", payload, human);
    });
  });
}

} // namespace hb::cli

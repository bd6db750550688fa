// homeboy runs: list, show, latest-run, artifacts, artifact get, findings,
// finding, latest-finding, reconcile. The other readers (refs, evidence,
// resume-plan, distribution, query, compare, drift) are in
// cmd_runs_readers.cpp; export and import in cmd_runs_bundle.cpp.

#include "analysis/evidence_cues.hpp"
#include "app/reconcile.hpp"
#include "app/run_json.hpp"
#include "app/runs_service.hpp"
#include "bench/units.hpp"
#include "cli/commands.hpp"
#include "cli/runs_remote.hpp"
#include "cli/global_options.hpp"
#include "cli/runs_common.hpp"
#include "util/fs.hpp"
#include "util/table.hpp"
#include "util/term.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <set>

#include <algorithm>

#include <cstdio>

namespace hb::cli {

namespace {

using app::artifact_json;
using app::finding_json;
using app::run_detail_json;
using app::run_summary_json;

bool
is_key_case(const Artifact& a)
{
  Json meta = parse_json_or_discard(a.metadata_json);
  std::string name = json_member_or(meta, "name", "");
  return analysis::has_key_case_marker(a.id) || analysis::has_key_case_marker(a.kind) ||
         analysis::has_key_case_marker(a.label) || analysis::has_key_case_marker(name);
}

std::string
artifact_lines(const Run& run, const Artifact& a)
{
  std::string out = fmt::format("  {}  {} {}  {}\n", short_id(a.id), a.kind, size_text(a.size_bytes),
                                a.label.empty() ? a.path : a.label);
  if (a.type == "url") {
    out += fmt::format("      {}\n", a.url.empty() ? a.path : a.url);
  } else if (a.type == "metadata-only") {
    out += "      (metadata only: no bytes to fetch)\n";
  } else {
    out += fmt::format("      homeboy runs artifact get {} {}\n", run.id, a.id);
  }
  return out;
}

// The compact human summary (docs/runs.md): identity, status, timestamps,
// bench hotspots, coverage summaries, key case artifacts, and every artifact
// with the command that fetches it.
std::string
render_show(const Run& run, const std::vector<Artifact>& artifacts,
            const std::vector<MetricRow>& metrics, const std::vector<Finding>& findings,
            const std::vector<RunAttempt>& attempts, bool colour)
{
  constexpr std::size_t k_metric_rows = 12;
  std::string out;
  out += fmt::format("run        {}\n", run.id);
  out += fmt::format("kind       {}\n", run.kind);
  std::string status = status_text(run.status, colour);
  if (!run.terminal_reason.empty()) status += " (" + run.terminal_reason + ")";
  if (run.exit_code) status += fmt::format(", exit {}", *run.exit_code);
  out += fmt::format("status     {}\n", status);
  if (!run.component_id.empty()) out += fmt::format("component  {}\n", run.component_id);
  if (!run.rig_id.empty()) out += fmt::format("rig        {}\n", run.rig_id);
  if (!run.git_sha.empty()) out += fmt::format("git sha    {}\n", run.git_sha);
  out += fmt::format("created    {}\n", format_rfc3339(run.created_at));
  if (run.started_at) out += fmt::format("started    {}\n", format_rfc3339(*run.started_at));
  if (run.finished_at) {
    out += fmt::format("finished   {} ({})\n", format_rfc3339(*run.finished_at), duration_text(run));
  }
  if (!run.command.empty()) out += fmt::format("command    {}\n", run.command);
  if (!run.cwd.empty()) out += fmt::format("cwd        {}\n", run.cwd);
  Json meta = parse_json_or_discard(run.metadata_json);
  if (!meta.is_object()) meta = Json::object();
  if (meta.contains("failure") && meta["failure"].is_object()) {
    out += fmt::format("failure    {}\n", json_member_or(meta["failure"], "message", ""));
  }
  if (meta.contains("recipe")) { // a registry run
    if (meta.contains("name")) out += fmt::format("name       {}\n", json_text(meta["name"]));
    if (meta.contains("error")) out += fmt::format("error      {}\n", json_text(meta["error"]));
    out += fmt::format("logs       homeboy runs logs {}\n", run.id);
  }
  if (run.attempt > 1 || run.retry_at) {
    out += fmt::format("attempts   {}{}\n", run.attempt,
                       run.retry_at ? fmt::format(" (attempt {} waits for its retry until {})",
                                                  run.attempt, format_rfc3339(*run.retry_at))
                                    : std::string());
    for (const auto& a : app::attempts_json(run, attempts)) {
      out += fmt::format("  #{:<3} {:<10} {:<20} {}{}\n", a["attempt"].get<int>(),
                         a["status"].get<std::string>(), json_text(a["terminal_reason"]),
                         json_text(a["host"]),
                         a["latest"].get<bool>() || run.attempt == 1
                           ? std::string()
                           : fmt::format("  (runs logs {} --attempt {})", run.id,
                                         a["attempt"].get<int>()));
    }
  }
  if (meta.contains("memory") && meta["memory"].is_object()
      && meta["memory"].contains("peak_rss_bytes") && meta["memory"]["peak_rss_bytes"].is_number()) {
    const Json& memory = meta["memory"];
    std::size_t n = memory.contains("invocations") && memory["invocations"].is_array()
                      ? memory["invocations"].size()
                      : 1;
    out += fmt::format("peak rss   {} (process tree, {}{})\n",
                       bench::format_metric("peak_rss_bytes", memory["peak_rss_bytes"].get<double>()),
                       json_member_or(memory, "method", "sampler") == "cgroup_v2"
                         ? "cgroup v2 memory.peak"
                         : "sampled every 50 ms",
                       n > 1 ? fmt::format("; the largest of {} runner invocations", n) : "");
  }
  if (meta.contains("regression_reasons") && meta["regression_reasons"].is_array()) {
    for (const auto& reason : meta["regression_reasons"]) {
      out += fmt::format("regressed  {}\n", reason.is_string() ? reason.get<std::string>() : dump_json(reason));
    }
  }
  std::vector<analysis::MetricPoint> points;
  for (const auto& m : metrics) points.push_back({m.scenario_id, m.name, m.value});
  auto hot = analysis::hotspots(points, 5);
  if (!hot.empty()) {
    out += "\nhotspots (slowest timings)\n";
    using A = TextTable::Align;
    TextTable table({"scenario", "metric", "value"}, {A::left, A::left, A::right});
    for (const auto& h : hot) table.add_row({h.scenario_id, h.name, bench::format_metric(h.name, h.value)});
    out += indent(table.render());
  }
  if (!metrics.empty()) {
    if (metrics.size() <= k_metric_rows) {
      out += "\nmetrics\n";
      using A = TextTable::Align;
      TextTable table({"scenario", "metric", "value", "samples"}, {A::left, A::left, A::right, A::right});
      for (const auto& m : metrics) {
        table.add_row({m.scenario_id, m.name, bench::format_metric(m.name, m.value),
                       m.samples.empty() ? "" : std::to_string(m.samples.size())});
      }
      out += indent(table.render());
    } else {
      out += fmt::format("\nmetrics    {} recorded; all of them: homeboy runs show {} -q "
                         "'$.scenario_metrics'\n",
                         metrics.size(), run.id);
    }
  }
  auto coverage = analysis::find_coverage_fields(meta);
  if (!coverage.empty()) {
    out += "\ncoverage\n";
    for (const auto& field : coverage) {
      std::string value = field.value->is_string() ? field.value->get<std::string>() : dump_json(*field.value);
      out += fmt::format("  {}: {}\n", field.path, value);
    }
  }
  if (!findings.empty()) {
    out += fmt::format("\nfindings ({})\n", findings.size());
    for (const auto& f : findings) {
      out += fmt::format("  {} {} {}: {}\n", short_id(f.id), f.severity, f.rule.empty() ? f.tool : f.rule,
                         f.message);
    }
  }
  std::vector<const Artifact*> key_cases;
  for (const auto& a : artifacts) {
    if (is_key_case(a)) key_cases.push_back(&a);
  }
  if (!key_cases.empty()) {
    out += fmt::format("\nkey case artifacts ({})\n", key_cases.size());
    for (const Artifact* a : key_cases) out += artifact_lines(run, *a);
  }
  out += fmt::format("\nartifacts ({})\n", artifacts.size());
  for (const auto& a : artifacts) out += artifact_lines(run, a);
  return out;
}

Result<Json>
show_detail(Store& store, const Run& run)
{
  auto evidence = app::load_run_evidence(store, run);
  if (!evidence) return Unexpected(evidence.error());
  return app::run_show_payload(run, *evidence, "runs.show");
}

// Loads everything `runs show` needs and emits it.
int
emit_show(const OutputOptions& out, Store& store, const Run& run, const char* command,
          const char* variant)
{
  auto evidence = app::load_run_evidence(store, run);
  if (!evidence) {
    return emit_error(out, evidence.error());
  }
  const app::RunEvidence& e = *evidence;
  return emit(out, variant, app::run_show_payload(run, e, command),
              render_show(run, e.artifacts, e.metrics, e.findings, e.attempts,
                          term::colour_enabled(stdout)));
}

// `runs show --field`: one query prints its value (a string as plain text);
// several print one `query<TAB>json` line each.
int
emit_fields(const OutputOptions& out, const std::string& run_id, const Json& run_json,
            const std::vector<std::string>& queries)
{
  Json values = Json::object();
  for (const auto& query : queries) {
    auto value = app::select_field(run_json, query);
    if (!value) {
      return emit_error(out, value.error(), 2);
    }
    values[query] = std::move(*value);
  }
  Json payload = {{"command", "runs.show"}, {"run_id", run_id}};
  std::string human;
  if (queries.size() == 1) {
    const Json& value = values[queries.front()];
    payload["field"] = queries.front();
    payload["value"] = value;
    human = (value.is_string() ? value.get<std::string>() : dump_json(value, 2)) + "\n";
  } else {
    payload["fields"] = values;
    for (const auto& [query, value] : values.items()) {
      human += query + "\t" + dump_json(value) + "\n";
    }
  }
  return emit(out, "show", payload, human);
}

std::string
render_findings(const std::vector<Finding>& findings)
{
  if (findings.empty()) return "No findings.\n";
  TextTable table({"id", "run", "severity", "tool", "rule", "message"});
  for (const auto& f : findings) {
    table.add_row({short_id(f.id), short_id(f.run_id), f.severity, f.tool, f.rule, f.message});
  }
  return table.render();
}

std::string
render_finding(const Finding& f)
{
  std::string out = fmt::format("finding    {}\nrun        {}\ntool       {}\n", f.id, f.run_id, f.tool);
  if (!f.rule.empty()) out += fmt::format("rule       {}\n", f.rule);
  if (!f.severity.empty()) out += fmt::format("severity   {}\n", f.severity);
  if (!f.file.empty()) {
    out += fmt::format("file       {}{}\n", f.file, f.line ? fmt::format(":{}", *f.line) : "");
  }
  out += fmt::format("message    {}\nmetadata   {}\n", f.message, f.metadata_json);
  return out;
}

/// The runs table of a runs.list payload (local or a runner's), with the
/// next page's cursor.
std::string
render_run_list(const Json& payload)
{
  std::vector<Run> runs;
  for (const auto& row : payload["runs"]) runs.push_back(app::run_from_summary_json(row));
  if (runs.empty()) return "No runs match.\n";
  bool colour = term::colour_enabled(stdout);
  using A = TextTable::Align;
  // Sorted by creation, so the creation time is shown (a queued run starts
  // later; `duration` is from its start). The rig column only when a run on
  // the page is pinned to one.
  const bool rigs = std::any_of(runs.begin(), runs.end(), [](const Run& r) { return !r.rig_id.empty(); });
  // The host column when the page's runs ran on more than one host (a
  // shared store, docs/fleet.md).
  std::vector<std::string> hosts;
  for (const auto& row : payload["runs"]) {
    hosts.push_back(row.contains("host") && row["host"].is_string() ? row["host"].get<std::string>() : "");
  }
  std::set<std::string> distinct(hosts.begin(), hosts.end());
  distinct.erase("");
  const bool show_hosts = distinct.size() > 1;
  std::vector<std::string> headers = {"id", "kind", "status", "component"};
  std::vector<A> align = {A::left, A::left, A::left, A::left};
  if (rigs) {
    headers.push_back("rig");
    align.push_back(A::left);
  }
  if (show_hosts) {
    headers.push_back("host");
    align.push_back(A::left);
  }
  headers.insert(headers.end(), {"created", "duration", "exit"});
  align.insert(align.end(), {A::left, A::right, A::right});
  TextTable table(headers, align);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    std::vector<std::string> row = {short_id(run.id), run.kind, status_text(run.status, colour),
                                    run.component_id};
    if (rigs) row.push_back(run.rig_id);
    if (show_hosts) row.push_back(hosts[i]);
    row.insert(row.end(), {format_rfc3339(run.created_at), duration_text(run),
                           run.exit_code ? std::to_string(*run.exit_code) : ""});
    table.add_row(std::move(row));
  }
  std::string human = table.render();
  if (payload.contains("next_cursor") && payload["next_cursor"].is_string()) {
    human += fmt::format("\nMore runs: add --after {}\n", payload["next_cursor"].get<std::string>());
  }
  return human;
}

} // namespace

void
add_runs_commands(CLI::App& app, Invocation& inv)
{
  auto* runs = app.add_subcommand("runs", "Submit, start and follow runs; inspect recorded runs, their artifacts and findings");
  runs->require_subcommand(1);

  // runs list
  struct ListArgs
  {
    RunFilterArgs filter;
    std::string runner;
    bool include_runner_jobs = false;
    OutputOptions output;
  };
  auto list_args = std::make_shared<ListArgs>();
  auto* list = runs->add_subcommand("list", "List runs, newest created first");
  add_filter_options(list, list_args->filter, true);
  list->add_option("--runner", list_args->runner,
                   "Read the runs of this remote runner's daemon (`homeboy runner add`) instead "
                   "of the local store");
  list->add_flag("--include-active-runner-jobs", list_args->include_runner_jobs,
                 "Also list the active runs of every remote runner (an unreachable one is "
                 "reported, never fails the local list)");
  add_output_options(list, list_args->output);
  list->callback([list_args, &inv] {
    auto filter = make_filter(list_args->filter);
    if (!filter) {
      inv.exit_code = emit_error(list_args->output, filter.error(), 2);
      return;
    }
    if (!list_args->runner.empty()) {
      if (list_args->include_runner_jobs) {
        inv.exit_code = emit_error(list_args->output,
                                   Error{"validation.invalid_option",
                                         "--include-active-runner-jobs adds runners' runs to the "
                                         "local list; with --runner, drop it"},
                                   2);
        return;
      }
      auto payload = remote_runs_list(list_args->runner, list_args->filter);
      if (!payload) {
        inv.exit_code = emit_error(list_args->output, payload.error(), exit_code_for(payload.error()));
        return;
      }
      inv.exit_code = emit(list_args->output, "list", *payload, render_run_list(*payload));
      return;
    }
    with_store(list_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto page = s.store->list_runs(*filter);
      if (!page) {
        inv.exit_code = emit_error(list_args->output, page.error());
        return;
      }
      Json payload = app::runs_list_payload(*page);
      std::string human = render_run_list(payload);
      if (list_args->include_runner_jobs) {
        Json jobs = active_runner_jobs(s.paths);
        for (const auto& runner : jobs) {
          human += runner.contains("error")
                     ? fmt::format("\nwarning: {}\n", runner["error"]["message"].get<std::string>())
                     : fmt::format("\nActive on runner {}:\n{}", runner["runner"].get<std::string>(),
                                   render_run_list(runner));
        }
        if (jobs.empty()) human += "\nNo remote runners (add one with `homeboy runner add`).\n";
        payload["runner_jobs"] = jobs;
      }
      inv.exit_code = emit(list_args->output, "list", payload, human);
    });
  });

  // runs show
  struct IdArgs { std::string id; OutputOptions output; };
  struct ShowArgs { std::string id, runner; std::vector<std::string> fields; OutputOptions output; };
  auto show_args = std::make_shared<ShowArgs>();
  auto* show = runs->add_subcommand("show", "Show one run: identity, status, metrics, findings, artifacts");
  show->add_option("run-id", show_args->id, "Run id (or a unique prefix of at least 4 characters)")->required();
  show->add_option("-q,--field", show_args->fields,
                   "Print only what this JSONPath selects from the run's JSON (repeatable), e.g. "
                   "'$.status' or '$.scenario_metrics[*].metrics.p95_ms'");
  show->add_option("--runner", show_args->runner,
                   "Read the run from this remote runner's daemon (`homeboy runner add`)");
  add_output_options(show, show_args->output);
  show->callback([show_args, &inv] {
    if (!show_args->runner.empty()) {
      auto detail = remote_run_detail(show_args->runner, show_args->id);
      if (!detail) {
        inv.exit_code = emit_error(show_args->output, detail.error(), exit_code_for(detail.error()));
        return;
      }
      if (!show_args->fields.empty()) {
        inv.exit_code = emit_fields(show_args->output, (*detail)["run"].value("id", show_args->id),
                                    (*detail)["run"], show_args->fields);
        return;
      }
      inv.exit_code = emit(show_args->output, "show", *detail,
                           render_remote_show((*detail)["run"], show_args->runner));
      return;
    }
    with_store(show_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, show_args->id);
      if (!run) {
        inv.exit_code = emit_error(show_args->output, run.error());
        return;
      }
      if (show_args->fields.empty()) {
        inv.exit_code = emit_show(show_args->output, *s.store, *run, "runs.show", "show");
        return;
      }
      auto detail = show_detail(*s.store, *run);
      if (!detail) {
        inv.exit_code = emit_error(show_args->output, detail.error());
        return;
      }
      inv.exit_code = emit_fields(show_args->output, run->id, (*detail)["run"], show_args->fields);
    });
  });

  // runs latest-run
  struct LatestArgs { RunFilterArgs filter; OutputOptions output; };
  auto latest_args = std::make_shared<LatestArgs>();
  auto* latest = runs->add_subcommand("latest-run", "Show the newest run that matches the filters");
  add_filter_options(latest, latest_args->filter, false);
  latest->add_option("--scenario", latest_args->filter.scenario, "Only bench runs that measured this scenario");
  add_output_options(latest, latest_args->output);
  latest->callback([latest_args, &inv] {
    latest_args->filter.limit = 1;
    auto filter = make_filter(latest_args->filter);
    if (!filter) {
      inv.exit_code = emit_error(latest_args->output, filter.error(), 2);
      return;
    }
    with_store(latest_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto page = s.store->list_runs(*filter);
      if (!page) {
        inv.exit_code = emit_error(latest_args->output, page.error());
        return;
      }
      if (page->runs.empty()) {
        inv.exit_code = emit_error(latest_args->output,
                                   Error{"run.not_found", "no run matches these filters", "{}"});
        return;
      }
      inv.exit_code = emit_show(latest_args->output, *s.store, page->runs.front(), "runs.latest-run",
                                "latest_run");
    });
  });

  // runs artifacts
  auto artifacts_args = std::make_shared<IdArgs>();
  auto* artifacts = runs->add_subcommand("artifacts", "List a run's artifacts");
  artifacts->add_option("run-id", artifacts_args->id, "Run id (or unique prefix)")->required();
  add_output_options(artifacts, artifacts_args->output);
  artifacts->callback([artifacts_args, &inv] {
    with_store(artifacts_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, artifacts_args->id);
      if (!run) {
        inv.exit_code = emit_error(artifacts_args->output, run.error());
        return;
      }
      auto list = s.store->run_artifacts(run->id);
      if (!list) {
        inv.exit_code = emit_error(artifacts_args->output, list.error());
        return;
      }
      Json items = Json::array();
      TextTable table({"id", "kind", "type", "size", "label", "path"});
      for (const auto& a : *list) {
        items.push_back(artifact_json(a));
        table.add_row({a.id, a.kind, a.type, size_text(a.size_bytes), a.label, a.path});
      }
      std::string human = list->empty() ? "No artifacts.\n"
                                        : table.render() + fmt::format("\nFetch one: homeboy runs artifact get {} <id> --output PATH\n", run->id);
      inv.exit_code = emit(artifacts_args->output, "artifacts",
                           Json{{"command", "runs.artifacts"}, {"run_id", run->id}, {"artifacts", items}},
                           human);
    });
  });

  // runs artifact get
  auto* artifact = runs->add_subcommand("artifact", "Work with one artifact");
  artifact->require_subcommand(1);
  struct GetArgs { std::string run_id, artifact_id, dest, runner; OutputOptions output; };
  auto get_args = std::make_shared<GetArgs>();
  auto* get = artifact->add_subcommand("get", "Copy an artifact's file to --output, or print it");
  get->add_option("run-id", get_args->run_id, "Run id (or unique prefix)")->required();
  get->add_option("artifact-id", get_args->artifact_id, "Artifact id (or a unique prefix, such as the 8 characters `runs show` prints)")->required();
  get->add_option("--output", get_args->dest, "Copy the file here (default: print its content)");
  get->add_flag("--json", get_args->output.json, "Print the JSON envelope (requires --output)");
  get->add_option("--runner", get_args->runner,
                  "Fetch it from this remote runner's daemon (cached under <artifact root>/runner/)");
  get->callback([get_args, &inv] {
    auto& out = get_args->output;
    if (!get_args->runner.empty()) {
      if (get_args->dest.empty() && out.json) {
        inv.exit_code = emit_error(out, Error{"validation.invalid_argument",
                                              "--json needs --output PATH (the content cannot share stdout with JSON)", "{}"}, 2);
        return;
      }
      auto cached = remote_artifact(get_args->runner, get_args->run_id, get_args->artifact_id);
      if (!cached) {
        inv.exit_code = emit_error(out, cached.error(), exit_code_for(cached.error()));
        return;
      }
      auto content = fs::read_file(*cached);
      if (!content) {
        inv.exit_code = emit_error(out, content.error());
        return;
      }
      Json payload = {{"command", "runs.artifact.get"}, {"runner", get_args->runner},
                      {"run_id", get_args->run_id}, {"artifact_id", get_args->artifact_id},
                      {"cached_path", cached->string()}};
      if (get_args->dest.empty()) {
        std::fwrite(content->data(), 1, content->size(), stdout);
        inv.exit_code = 0;
        return;
      }
      if (auto copied = fs::write_file_atomic(get_args->dest, *content); !copied) {
        inv.exit_code = emit_error(out, copied.error());
        return;
      }
      payload["output_path"] = get_args->dest;
      inv.exit_code = emit(out, "artifact_get", payload,
                           fmt::format("Copied {} from runner {} to {}\n", get_args->artifact_id,
                                       get_args->runner, get_args->dest));
      return;
    }
    with_store(out, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, get_args->run_id);
      if (!run) {
        inv.exit_code = emit_error(out, run.error());
        return;
      }
      auto found = app::find_artifact(*s.store, run->id, get_args->artifact_id);
      if (!found) {
        inv.exit_code = emit_error(out, found.error());
        return;
      }
      const Artifact& a = *found;
      Json payload = {{"command", "runs.artifact.get"}, {"run_id", run->id}, {"artifact", artifact_json(a)}};
      if (a.type == "url") {
        inv.exit_code = emit(out, "artifact_get", payload, a.url + "\n");
        return;
      }
      if (a.type == "metadata-only") {
        inv.exit_code = emit_error(out, Error{"artifact.bytes_unavailable",
                                              fmt::format("artifact {} is metadata-only (imported without its bytes); nothing to fetch", a.id),
                                              "{}"});
        return;
      }
      std::error_code ec;
      if (a.type != "file") {
        inv.exit_code = emit_error(out, Error{"artifact.missing",
                                              fmt::format("artifact {} is a {}, not a file", a.id, a.type),
                                              "{}"});
        return;
      }
      if (get_args->dest.empty() && out.json) {
        inv.exit_code = emit_error(out, Error{"validation.invalid_argument",
                                              "--json needs --output PATH (the content cannot share stdout with JSON)", "{}"}, 2);
        return;
      }
      auto content = app::read_artifact_bytes(a);
      if (!content) {
        inv.exit_code = emit_error(out, content.error());
        return;
      }
      if (get_args->dest.empty()) {
        std::fwrite(content->data(), 1, content->size(), stdout);
        return;
      }
      std::filesystem::path dest = get_args->dest;
      if (std::filesystem::is_directory(dest, ec)) dest /= std::filesystem::path(a.path).filename();
      if (auto copied = fs::write_file_atomic(dest, *content); !copied) {
        inv.exit_code = emit_error(out, copied.error());
        return;
      }
      payload["output_path"] = dest.string();
      inv.exit_code = emit(out, "artifact_get", payload, fmt::format("Copied {} to {}\n", a.id, dest.string()));
    });
  });
  add_artifact_cleanup_commands(artifact, inv);

  // runs findings
  struct FindingsArgs { std::string run_id, tool, file, fingerprint; std::size_t limit = 100; OutputOptions output; };
  auto findings_args = std::make_shared<FindingsArgs>();
  auto* findings = runs->add_subcommand("findings", "List a run's findings");
  findings->add_option("run-id", findings_args->run_id, "Run id (or unique prefix)")->required();
  findings->add_option("--tool", findings_args->tool, "Only findings of this tool");
  findings->add_option("--file", findings_args->file, "Only findings about this file");
  findings->add_option("--fingerprint", findings_args->fingerprint, "Only findings with this fingerprint");
  findings->add_option("--limit", findings_args->limit, "At most this many")->check(CLI::Range(std::size_t(1), std::size_t(100000)));
  add_output_options(findings, findings_args->output);
  findings->callback([findings_args, &inv] {
    auto& a = *findings_args;
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, a.run_id);
      if (!run) {
        inv.exit_code = emit_error(a.output, run.error());
        return;
      }
      FindingFilter f;
      f.run_id = run->id;
      if (!a.tool.empty()) f.tool = a.tool;
      if (!a.file.empty()) f.file = a.file;
      if (!a.fingerprint.empty()) f.fingerprint = a.fingerprint;
      f.limit = a.limit;
      auto list = s.store->list_findings(f);
      if (!list) {
        inv.exit_code = emit_error(a.output, list.error());
        return;
      }
      Json items = Json::array();
      for (const auto& x : *list) items.push_back(finding_json(x));
      inv.exit_code = emit(a.output, "findings",
                           Json{{"command", "runs.findings"}, {"run_id", run->id}, {"findings", items}},
                           render_findings(*list));
    });
  });

  // runs finding
  auto finding_args = std::make_shared<IdArgs>();
  auto* finding = runs->add_subcommand("finding", "Show one finding");
  finding->add_option("finding-id", finding_args->id, "Finding id (or a unique prefix)")->required();
  add_output_options(finding, finding_args->output);
  finding->callback([finding_args, &inv] {
    with_store(finding_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto found = app::find_finding(*s.store, finding_args->id);
      if (!found) {
        inv.exit_code = emit_error(finding_args->output, found.error());
        return;
      }
      inv.exit_code = emit(finding_args->output, "finding",
                           Json{{"command", "runs.finding"}, {"finding", finding_json(*found)}},
                           render_finding(*found));
    });
  });

  // runs reconcile
  struct ReconcileArgs { bool dry_run = false; OutputOptions output; };
  auto rec_args = std::make_shared<ReconcileArgs>();
  auto* reconcile = runs->add_subcommand(
    "reconcile", "Settle active runs whose owner process is gone (e.g. a killed homeboy bench)");
  reconcile->add_flag("--dry-run", rec_args->dry_run, "Only say what would be settled");
  add_output_options(reconcile, rec_args->output);
  reconcile->callback([rec_args, &inv] {
    with_store(rec_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto report = app::reconcile_runs(*s.store, s.paths, rec_args->dry_run);
      if (!report) {
        inv.exit_code = emit_error(rec_args->output, report.error());
        return;
      }
      Json items = Json::array();
      TextTable table({"id", "kind", "status", "component", "action", "detail"});
      for (const auto& e : report->entries) {
        Json item = run_summary_json(e.run);
        item["action"] = e.action;
        item["detail"] = e.detail;
        items.push_back(std::move(item));
        table.add_row({short_id(e.run.id), e.run.kind, to_string(e.run.status), e.run.component_id,
                       e.action, e.detail});
      }
      std::string human = report->entries.empty() ? "No active runs; nothing to reconcile.\n"
                                                  : table.render();
      if (!report->entries.empty()) {
        human += rec_args->dry_run ? "\nDry run: nothing was changed.\n"
                                   : fmt::format("\nSettled {} run{}.\n", report->settled,
                                                 report->settled == 1 ? "" : "s");
      }
      for (const auto& line : report->baselines) {
        human += "Baseline: " + line + "\n";
      }
      inv.exit_code = emit(rec_args->output, "reconcile",
                           Json{{"command", "runs.reconcile"}, {"dry_run", rec_args->dry_run},
                                {"settled", report->settled},
                                {"processes_killed", report->processes_killed},
                                {"baselines", report->baselines}, {"runs", std::move(items)}},
                           human);
    });
  });

  add_loop_sync_command(runs, inv);

  // runs latest-finding
  struct LatestFindingArgs { RunFilterArgs filter; std::string tool, file; OutputOptions output; };
  auto lf_args = std::make_shared<LatestFindingArgs>();
  auto* latest_finding = runs->add_subcommand("latest-finding", "Show the newest finding that matches");
  add_filter_options(latest_finding, lf_args->filter, false);
  latest_finding->add_option("--tool", lf_args->tool, "Only findings of this tool");
  latest_finding->add_option("--file", lf_args->file, "Only findings about this file");
  add_output_options(latest_finding, lf_args->output);
  latest_finding->callback([lf_args, &inv] {
    auto run_filter = make_filter(lf_args->filter);
    if (!run_filter) {
      inv.exit_code = emit_error(lf_args->output, run_filter.error(), 2);
      return;
    }
    with_store(lf_args->output, inv.exit_code, [&](app::OpenStore& s) {
      FindingFilter f;
      f.kind = run_filter->kind;
      f.component_id = run_filter->component_id;
      f.rig_id = run_filter->rig_id;
      f.statuses = run_filter->statuses;
      f.since = run_filter->since;
      f.until = run_filter->until;
      if (!lf_args->tool.empty()) f.tool = lf_args->tool;
      if (!lf_args->file.empty()) f.file = lf_args->file;
      f.limit = 1;
      auto list = s.store->list_findings(f);
      if (!list) {
        inv.exit_code = emit_error(lf_args->output, list.error());
        return;
      }
      if (list->empty()) {
        inv.exit_code = emit_error(lf_args->output, Error{"finding.not_found", "no finding matches these filters", "{}"});
        return;
      }
      inv.exit_code = emit(lf_args->output, "latest_finding",
                           Json{{"command", "runs.latest-finding"}, {"finding", finding_json(list->front())}},
                           render_finding(list->front()));
    });
  });

  add_runs_reader_commands(runs, inv);
  add_runs_bundle_commands(runs, inv);
  add_runs_registry_commands(runs, inv);
  add_runs_retention_commands(runs, inv);
}

} // namespace hb::cli

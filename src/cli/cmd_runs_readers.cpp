// homeboy runs refs, evidence, resume-plan, distribution, query, compare,
// drift, bench-compare: parse, call one app function, render the payload for
// humans.

#include "app/runs_readers.hpp"
#include "app/runs_service.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "util/json.hpp"
#include "util/table.hpp"
#include "util/term.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <map>

namespace hb::cli {

namespace {

// A JSON value as a table cell (runs_common's json_text), under a short name.
std::string
text(const Json& v)
{
  return json_text(v);
}

std::string
share_text(const Json& v)
{
  return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : "-";
}

// Splits `a,b` into JSONPath queries at commas outside brackets, parentheses
// and quotes, so `$['a','b']` stays one query.
std::vector<std::string>
split_queries(const std::vector<std::string>& args)
{
  std::vector<std::string> out;
  for (const auto& arg : args) {
    int depth = 0;
    char quote = 0;
    std::string current;
    for (std::size_t i = 0; i < arg.size(); ++i) {
      char c = arg[i];
      if (quote) {
        if (c == '\\' && i + 1 < arg.size()) {
          current += c;
          current += arg[++i];
          continue;
        }
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[' || c == '(') {
        ++depth;
      } else if ((c == ']' || c == ')') && depth > 0) {
        --depth;
      } else if (c == ',' && depth == 0) {
        out.push_back(current);
        current.clear();
        continue;
      }
      current += c;
    }
    out.push_back(current);
  }
  return out;
}

Error
usage(std::string message)
{
  return Error{"validation.invalid_argument", std::move(message), "{}"};
}

// --- refs --------------------------------------------------------------------

std::string
render_refs(const Json& p)
{
  if (p["runs"].empty()) return "No runs match.\n";
  std::string out = fmt::format("runs ({})\n", p["run_count"].get<std::size_t>());
  TextTable runs({"ref", "kind", "status", "component", "rig", "started"});
  for (const auto& r : p["runs"]) {
    runs.add_row({text(r["ref_id"]), text(r["kind"]), text(r["status"]), text(r["component_id"]),
                  text(r["rig_id"]), text(r["started_at"])});
  }
  out += indent(runs.render());
  out += fmt::format("\nartifacts ({}, {} aggregate)\n", p["artifact_count"].get<std::size_t>(),
                     p["aggregate_artifact_count"].get<std::size_t>());
  if (!p["artifacts"].empty()) {
    TextTable artifacts({"ref", "kind", "type", "aggregate"});
    for (const auto& a : p["artifacts"]) {
      artifacts.add_row({text(a["ref_id"]), text(a["kind"]), text(a["type"]),
                         a["aggregate"].get<bool>() ? "yes" : ""});
    }
    out += indent(artifacts.render());
  }
  const Json& first = p["runs"][0];
  out += fmt::format("\nEvidence: {}\nArtifacts: {}\n", text(first["evidence_command"]),
                     text(first["artifacts_command"]));
  if (p["next_cursor"].is_string()) {
    out += fmt::format("More runs: add --after {}\n", text(p["next_cursor"]));
  }
  return out;
}

// --- evidence ------------------------------------------------------------------

std::string
render_evidence(const Json& p)
{
  const Json& run = p["run"];
  const Json& failure = p["failure"];
  std::string out = fmt::format("run        {}\nref        {}\n", text(p["run_id"]), text(p["ref_id"]));
  std::string status = text(failure["status"]);
  if (failure["terminal_reason"].is_string()) status += " (" + text(failure["terminal_reason"]) + ")";
  if (failure["exit_code"].is_number()) status += ", exit " + text(failure["exit_code"]);
  out += fmt::format("status     {}\n", status);
  if (run["component_id"].is_string()) out += fmt::format("component  {}\n", text(run["component_id"]));
  if (run["git_sha"].is_string()) out += fmt::format("git sha    {}\n", text(run["git_sha"]));
  if (failure["message"].is_string()) out += fmt::format("failure    {}\n", text(failure["message"]));
  for (const auto& reason : failure["regression_reasons"]) out += fmt::format("regressed  {}\n", text(reason));
  const Json& index = p["artifact_index"];
  out += fmt::format("\nartifacts ({}: {} file, {} directory, {} url, {} metadata-only; {} missing, "
                     "{} public)\n",
                     text(index["count"]), text(index["file_count"]), text(index["directory_count"]),
                     text(index["url_count"]), text(index["metadata_only_count"]),
                     text(index["missing_count"]), text(index["public_count"]));
  for (const auto& a : index["artifacts"]) {
    std::string name = a["label"].is_string() ? text(a["label"]) : text(a.value("file_name", Json()));
    out += fmt::format("  {}  {}  {}\n", text(a["ref_id"]), text(a["kind"]), name);
    if (a["public_url"].is_string()) out += fmt::format("      public: {}\n", text(a["public_url"]));
    if (a.contains("url_rejected")) out += fmt::format("      URL not public: {}\n", text(a["url_rejected"]));
    if (a["fetch_command"].is_string()) out += fmt::format("      fetch: {}\n", text(a["fetch_command"]));
    if (json_member_or(a, "missing", false)) out += "      (the file no longer exists)\n";
    std::string address = text(a["address"]["kind"]);
    if (address == "metadata_only") out += "      (metadata only: no bytes)\n";
    if (address == "runner_artifact") out += "      (on a runner: download it first)\n";
  }
  if (!p["evidence_links"].empty()) {
    out += "\npublic evidence links\n";
    for (const auto& l : p["evidence_links"]) out += fmt::format("  {}  {}\n", text(l["kind"]), text(l["target"]));
  }
  if (!p["coverage"].empty()) {
    out += "\ncoverage\n";
    for (const auto& c : p["coverage"]) out += fmt::format("  {}: {}\n", text(c["path"]), text(c["value"]));
  }
  return out;
}

// --- resume-plan -----------------------------------------------------------------

std::string
step_line(const Json& step)
{
  if (step.is_null()) return "(none)";
  std::string label = step["label"].is_string() ? " (" + text(step["label"]) + ")" : "";
  return fmt::format("#{} {}{}", step["index"].get<std::size_t>() + 1, text(step["command"]), label);
}

std::string
render_resume(const Json& p)
{
  const Json& c = p["counts"];
  std::string out = fmt::format("run             {} ({})\n", text(p["run_id"]), text(p["run_status"]));
  out += fmt::format("progress        {} of {} completed, {} active, {} failed, {} pending, {} skipped\n",
                     text(c["completed"]), text(p["total"]), text(c["active"]), text(c["failed"]),
                     text(c["pending"]), text(c["skipped"]));
  out += fmt::format("last completed  {}\n", step_line(p["last_completed"]));
  out += fmt::format("active          {}\n", step_line(p["active"]));
  if (!p["failed"].is_null()) out += fmt::format("failed          {}\n", step_line(p["failed"]));
  out += fmt::format("next pending    {}\n", step_line(p["next_pending"]));
  if (p["complete"].get<bool>()) {
    out += "\nEvery command completed; nothing to resume.\n";
  } else if (!p["resume_from"].is_null()) {
    out += fmt::format("\nResume from {}\n", step_line(p["resume_from"]));
  }
  return out;
}

// --- query ----------------------------------------------------------------------------

std::string
csv_cell(const std::string& raw)
{
  if (raw.find_first_of(",\"\n\r") == std::string::npos) return raw;
  std::string out = "\"";
  for (char c : raw) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string
render_query(const Json& p, bool csv)
{
  std::string out;
  bool grouped_only = p.contains("groups") && !p.contains("rows");
  if (csv) {
    if (grouped_only) {
      out = "group,count\n";
      for (const auto& g : p["groups"]) out += csv_cell(text(g["group"])) + "," + text(g["count"]) + "\n";
      return out;
    }
    std::vector<std::string> header = {"run_id", "artifact_id", "artifact_kind"};
    for (const auto& s : p["select"]) header.push_back(s.get<std::string>());
    for (std::size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + csv_cell(header[i]);
    out += "\n";
    for (const auto& r : p["rows"]) {
      out += csv_cell(text(r["run_id"])) + "," + csv_cell(text(r["artifact_id"])) + "," +
             csv_cell(text(r["artifact_kind"]));
      for (const auto& v : r["values"]) out += "," + csv_cell(text(v));
      out += "\n";
    }
    return out;
  }
  if (p.contains("rows")) {
    if (p["rows"].empty()) {
      out += "No JSON artifact rows.\n";
    } else {
      std::vector<std::string> header = {"run", "artifact", "kind"};
      for (const auto& s : p["select"]) header.push_back(s.get<std::string>());
      TextTable table(header);
      for (const auto& r : p["rows"]) {
        std::vector<std::string> cells = {short_id(text(r["run_id"])), short_id(text(r["artifact_id"])),
                                          text(r["artifact_kind"])};
        for (const auto& v : r["values"]) cells.push_back(text(v));
        table.add_row(cells);
      }
      out += table.render();
    }
  }
  if (p.contains("groups")) {
    out += fmt::format("{}groups by {}\n", out.empty() ? "" : "\n", text(p["group_by"]));
    using A = TextTable::Align;
    TextTable table({"group", "count"}, {A::left, A::right});
    for (const auto& g : p["groups"]) table.add_row({text(g["group"]), text(g["count"])});
    out += indent(table.render());
  }
  if (!p["skipped_artifacts"].empty()) {
    std::map<std::string, std::size_t> reasons;
    for (const auto& s : p["skipped_artifacts"]) {
      std::string reason = text(s["reason"]);
      reasons[reason.substr(0, reason.find(':'))] += 1;
    }
    out += fmt::format("\nskipped {} artifact{}:", p["skipped_artifacts"].size(),
                       p["skipped_artifacts"].size() == 1 ? "" : "s");
    bool first = true;
    for (const auto& [reason, n] : reasons) {
      out += fmt::format("{} {} {}", first ? "" : ",", n, reason);
      first = false;
    }
    out += " (--json lists them)\n";
  }
  return out;
}

// --- drift --------------------------------------------------------------------------------

std::string
render_drift(const Json& p)
{
  bool baseline = p.contains("baseline_observations");
  std::string out = fmt::format("{}: {} observations in the window ({} runs, {} rows without a value)",
                                text(p["metric"]), text(p["window_observations"]), text(p["window_runs"]),
                                text(p["window_missing_rows"]));
  if (baseline) {
    out += fmt::format("; {} in the baseline ({} runs)", text(p["baseline_observations"]),
                       text(p["baseline_runs"]));
  }
  out += "\n";
  if (p["values"].empty()) return out + "No values observed in the window.\n";
  using A = TextTable::Align;
  std::vector<std::string> header = {"value", "window_count", "window_share"};
  std::vector<A> align = {A::left, A::right, A::right};
  if (baseline) {
    header.insert(header.end(), {"baseline_share", "share_delta"});
    align.insert(align.end(), {A::right, A::right});
  }
  header.push_back("dominant");
  align.push_back(A::left);
  TextTable table(header, align);
  for (const auto& v : p["values"]) {
    std::vector<std::string> cells = {text(v["value"]), text(v["window_count"]), share_text(v["window_share"])};
    if (baseline) {
      cells.push_back(share_text(v["baseline_share"]));
      cells.push_back(v["share_delta"].is_number() ? fmt::format("{:+.4f}", v["share_delta"].get<double>()) : "-");
    }
    cells.push_back(v["dominant"].get<bool>() ? "yes" : "");
    table.add_row(cells);
  }
  return out + "\n" + table.render();
}

/// --format json|table|csv: json means the envelope, like --json.
bool
wants_json(const OutputOptions& out, const std::string& format)
{
  return out.json || format == "json";
}

} // namespace

void
add_runs_reader_commands(CLI::App* runs, Invocation& inv)
{
  // runs refs
  struct RefsArgs
  {
    RunFilterArgs filter;
    std::vector<std::string> artifact_kinds, aggregate_kinds;
    OutputOptions output;
  };
  auto refs_args = std::make_shared<RefsArgs>();
  refs_args->filter.limit = 50;
  auto* refs = runs->add_subcommand("refs", "Stable homeboy:// refs of matching runs and their artifacts, "
                                            "with follow-up commands (for scripts and agents)");
  add_filter_options(refs, refs_args->filter, true);
  refs->add_option("--artifact-kind", refs_args->artifact_kinds,
                   "Only artifacts of this kind (repeatable)");
  refs->add_option("--aggregate-artifact-kind", refs_args->aggregate_kinds,
                   "Also treat artifacts of this kind as aggregate outputs (repeatable)");
  add_output_options(refs, refs_args->output);
  refs->callback([refs_args, &inv] {
    auto& a = *refs_args;
    auto filter = make_filter(a.filter);
    if (!filter) {
      inv.exit_code = emit_error(a.output, filter.error(), 2);
      return;
    }
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      Json echo = filter_echo(a.filter);
      if (!a.artifact_kinds.empty()) echo["artifact_kinds"] = a.artifact_kinds;
      if (!a.aggregate_kinds.empty()) echo["aggregate_artifact_kinds"] = a.aggregate_kinds;
      if (!a.filter.after.empty()) echo["after"] = a.filter.after;
      app::RefsRequest request{*filter, a.artifact_kinds, a.aggregate_kinds, &echo};
      auto payload = app::runs_refs(*s.store, request);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error());
        return;
      }
      inv.exit_code = emit(a.output, "refs", *payload, render_refs(*payload));
    });
  });

  // runs evidence / resume-plan
  struct IdArgs
  {
    std::string id;
    OutputOptions output;
  };
  auto evidence_args = std::make_shared<IdArgs>();
  auto* evidence = runs->add_subcommand(
    "evidence", "Reviewer-facing evidence of a run: artifact handles with fetch commands, public links");
  evidence->add_option("run-id", evidence_args->id, "Run id (or a unique prefix of at least 4 characters)")
    ->required();
  add_output_options(evidence, evidence_args->output);
  evidence->callback([evidence_args, &inv] {
    auto& a = *evidence_args;
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, a.id);
      if (!run) {
        inv.exit_code = emit_error(a.output, run.error());
        return;
      }
      auto payload = app::run_evidence(*s.store, *run);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error());
        return;
      }
      inv.exit_code = emit(a.output, "evidence", *payload, render_evidence(*payload));
    });
  });

  auto resume_args = std::make_shared<IdArgs>();
  auto* resume = runs->add_subcommand(
    "resume-plan", "Where to resume a run's validation commands: last completed, active, next pending");
  resume->add_option("run-id", resume_args->id, "Run id (or a unique prefix of at least 4 characters)")
    ->required();
  add_output_options(resume, resume_args->output);
  resume->callback([resume_args, &inv] {
    auto& a = *resume_args;
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      auto run = app::find_run(*s.store, a.id);
      if (!run) {
        inv.exit_code = emit_error(a.output, run.error());
        return;
      }
      auto payload = app::resume_plan(*run);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error());
        return;
      }
      inv.exit_code = emit(a.output, "resume_plan", *payload, render_resume(*payload));
    });
  });

  // runs distribution
  auto dist_args = std::make_shared<DistributionArgs>();
  auto* dist = runs->add_subcommand(
    "distribution", "Count the values of run metadata fields across matching runs");
  dist->add_option("--field", dist_args->fields,
                   "Metadata path, dot-separated (runner.extension_id) or JSONPath "
                   "($.runner.extension_id); repeatable")
    ->required();
  add_filter_options(dist, dist_args->filter, true);
  add_output_options(dist, dist_args->output);
  dist->callback([dist_args, &inv] { run_distribution(*dist_args, "distribution", inv.exit_code); });

  // runs query
  struct QueryArgs
  {
    RunFilterArgs filter;
    std::vector<std::string> select, artifact_kinds;
    std::string group_by, format = "table";
    bool count = false;
    std::uint64_t max_bytes = 64ull << 20;
    OutputOptions output;
  };
  auto query_args = std::make_shared<QueryArgs>();
  query_args->filter.limit = 200;
  auto* query = runs->add_subcommand(
    "query", "Project JSONPath queries over the JSON artifacts of matching runs");
  query->add_option("--select", query_args->select,
                    "JSONPath to project from each JSON artifact (repeatable, or comma-separated)")
    ->required();
  query->add_option("--group-by", query_args->group_by, "JSONPath whose values group the rows");
  query->add_flag("--count", query_args->count, "With --group-by: only the group counts, no rows");
  query->add_option("--format", query_args->format, "table (default), csv, or json (the envelope)")
    ->check(CLI::IsMember({"table", "csv", "json"}));
  query->add_option("--artifact-kind", query_args->artifact_kinds, "Only artifacts of this kind (repeatable)");
  query->add_option("--max-artifact-bytes", query_args->max_bytes,
                    "Skip artifact files larger than this (default 64 MiB)")
    ->check(CLI::Range(std::uint64_t(1), std::uint64_t(1) << 40));
  add_filter_options(query, query_args->filter, true);
  add_output_options(query, query_args->output);
  query->callback([query_args, &inv] {
    auto& a = *query_args;
    auto filter = make_filter(a.filter);
    if (!filter) {
      inv.exit_code = emit_error(a.output, filter.error(), 2);
      return;
    }
    if (a.count && a.group_by.empty()) {
      inv.exit_code = emit_error(a.output, usage("--count needs --group-by <jsonpath>: it counts the "
                                                 "rows of each group"), 2);
      return;
    }
    auto select = split_queries(a.select);
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      Json echo = filter_echo(a.filter);
      if (!a.artifact_kinds.empty()) echo["artifact_kinds"] = a.artifact_kinds;
      app::QueryRequest request;
      request.filter = *filter;
      request.source.artifact_kinds = a.artifact_kinds;
      request.source.max_bytes = a.max_bytes;
      request.select = select;
      if (!a.group_by.empty()) request.group_by = a.group_by;
      request.count = a.count;
      request.filters_echo = &echo;
      auto payload = app::runs_query(*s.store, request);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error(), 2);
        return;
      }
      OutputOptions out = a.output;
      out.json = wants_json(a.output, a.format);
      inv.exit_code = emit(out, "query", *payload, render_query(*payload, a.format == "csv"));
    });
  });

  // runs compare
  struct CompareArgs
  {
    RunFilterArgs filter;
    std::vector<std::string> metrics;
    std::string format = "table";
    OutputOptions output;
  };
  auto compare_args = std::make_shared<CompareArgs>();
  auto* compare = runs->add_subcommand("compare", "Compare metrics across recent runs (a Markdown table)");
  compare->add_option("--metric", compare_args->metrics,
                      "Metric name: a scenario metric (p95_ms), a metadata path (process.wall_ms) "
                      "or results.<name>; repeatable (default total_elapsed_ms)");
  compare->add_option("--format", compare_args->format, "table (Markdown, default) or json")
    ->check(CLI::IsMember({"table", "json"}));
  add_filter_options(compare, compare_args->filter, true);
  add_output_options(compare, compare_args->output);
  compare->callback([compare_args, &inv] {
    auto& a = *compare_args;
    auto filter = make_filter(a.filter);
    if (!filter) {
      inv.exit_code = emit_error(a.output, filter.error(), 2);
      return;
    }
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      Json echo = filter_echo(a.filter);
      app::CompareRequest request{*filter, a.metrics, &echo};
      auto payload = app::runs_compare(*s.store, request);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error(), 2);
        return;
      }
      OutputOptions out = a.output;
      out.json = wants_json(a.output, a.format);
      std::string human = (*payload)["rows"].empty() ? "No runs match.\n" : app::compare_markdown(*payload);
      inv.exit_code = emit(out, "compare", *payload, human);
    });
  });

  // runs drift
  struct DriftArgs
  {
    RunFilterArgs filter;
    std::string metric, window = "7d", baseline, format = "table";
    double threshold = 0;
    std::size_t limit = 0;
    std::vector<std::string> artifact_kinds;
    std::uint64_t max_bytes = 64ull << 20;
    OutputOptions output;
  };
  auto drift_args = std::make_shared<DriftArgs>();
  auto* drift = runs->add_subcommand(
    "drift", "Value shares of one JSONPath metric in a recent window, against the span before it");
  drift->add_option("--metric", drift_args->metric, "JSONPath over each JSON artifact ($.variant)")->required();
  drift->add_option("--window", drift_args->window, "The recent window (default 7d)");
  drift->add_option("--baseline", drift_args->baseline,
                    "Compare with the span from this long ago up to the window's start (e.g. 30d; "
                    "longer than --window; the window is not part of it)");
  drift->add_option("--threshold", drift_args->threshold,
                    "Share (0..1) at or above which a value is dominant (default 0)")
    ->check(CLI::Range(0.0, 1.0));
  drift->add_option("--format", drift_args->format, "table (default) or json")
    ->check(CLI::IsMember({"table", "json"}));
  drift->add_option("--artifact-kind", drift_args->artifact_kinds, "Only artifacts of this kind (repeatable)");
  drift->add_option("--max-artifact-bytes", drift_args->max_bytes,
                    "Skip artifact files larger than this (default 64 MiB)")
    ->check(CLI::Range(std::uint64_t(1), std::uint64_t(1) << 40));
  drift->add_option("--limit", drift_args->limit,
                    "At most this many runs per range, newest first (default: all)")
    ->check(CLI::Range(std::size_t(1), std::size_t(100000)));
  drift->add_option("--kind", drift_args->filter.kind, "Only runs of this kind");
  drift->add_option("--component", drift_args->filter.component, "Only runs of this component");
  drift->add_option("--rig", drift_args->filter.rig, "Only runs pinned to this rig");
  drift->add_option("--scenario", drift_args->filter.scenario, "Only bench runs that measured this scenario");
  drift->add_option("--status", drift_args->filter.status, "Only runs in this status");
  add_output_options(drift, drift_args->output);
  drift->callback([drift_args, &inv] {
    auto& a = *drift_args;
    auto filter = make_filter(a.filter);
    if (!filter) {
      inv.exit_code = emit_error(a.output, filter.error(), 2);
      return;
    }
    auto window = parse_duration_ms(a.window);
    if (!window) {
      inv.exit_code = emit_error(a.output, usage(fmt::format("--window: {}", window.error().message)), 2);
      return;
    }
    std::optional<std::int64_t> baseline;
    if (!a.baseline.empty()) {
      auto b = parse_duration_ms(a.baseline);
      if (!b) {
        inv.exit_code = emit_error(a.output, usage(fmt::format("--baseline: {}", b.error().message)), 2);
        return;
      }
      baseline = *b;
    }
    with_store(a.output, inv.exit_code, [&](app::OpenStore& s) {
      Json echo = filter_echo(a.filter, false);
      echo["window"] = a.window;
      if (!a.baseline.empty()) echo["baseline"] = a.baseline;
      if (a.limit) echo["limit"] = a.limit;
      if (!a.artifact_kinds.empty()) echo["artifact_kinds"] = a.artifact_kinds;
      app::DriftRequest request;
      request.filter = *filter;
      request.source.artifact_kinds = a.artifact_kinds;
      request.source.max_bytes = a.max_bytes;
      request.metric = a.metric;
      request.window_ms = *window;
      request.baseline_ms = baseline;
      request.threshold = a.threshold;
      if (a.limit) request.limit = a.limit;
      request.now = now_ms();
      request.filters_echo = &echo;
      auto payload = app::runs_drift(*s.store, request);
      if (!payload) {
        inv.exit_code = emit_error(a.output, payload.error(), 2);
        return;
      }
      OutputOptions out = a.output;
      out.json = wants_json(a.output, a.format);
      inv.exit_code = emit(out, "drift", *payload, render_drift(*payload));
    });
  });

  add_bench_compare_command(runs, "bench-compare",
                            "Compare two bench runs measured the same way: deltas, verdicts, "
                            "p-values",
                            "bench_compare", inv);
}

} // namespace hb::cli

// Stage 3 of a bench: what the run records when it settles: its evidence
// files, scenario artifact pointers, findings, metric rows, metadata (with
// the workload's own metadata, capped) and the hints printed after it.

#include "app/bench/pipeline.hpp"
#include "app/bench/resume.hpp"

#include "app/bench/isolation.hpp"

#include "analysis/workload_metadata.hpp"
#include "app/bench_context.hpp"
#include "bench/compare.hpp"
#include "stats/descriptive.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "app/bench_service.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>

namespace hb::app::pipeline {

namespace stdfs = std::filesystem;
using namespace hb::bench;

namespace {

std::optional<Artifact>
file_artifact(const std::string& run_id, const stdfs::path& path, std::string kind,
              std::string label, Json metadata = Json::object())
{
  std::error_code ec;
  if (!stdfs::is_regular_file(path, ec)) {
    return std::nullopt;
  }
  Artifact a;
  a.id = new_uuid_v4();
  a.run_id = run_id;
  a.kind = std::move(kind);
  a.type = "file";
  a.path = path.string();
  a.mime = fs::mime_type_for(path);
  a.label = std::move(label);
  a.created_at = now_ms();
  if (auto digest = fs::digest_file(path)) {
    a.sha256 = digest->sha256;
    a.size_bytes = digest->size;
  }
  a.metadata_json = dump_json(metadata);
  return a;
}

// The warning for workload metadata over the cap: how much, and which keys
// were left out (the first few; the run metadata lists them all).
std::string
workload_cut_warning(const analysis::WorkloadMetadataSummary& w)
{
  constexpr std::size_t k_named = 5;
  std::vector<std::string> named(w.omitted.begin(),
                                 w.omitted.begin() + std::min(w.omitted.size(), k_named));
  std::string more = w.omitted.size() > k_named
                       ? fmt::format(" and {} more (metadata.workload_metadata.omitted lists them)",
                                     w.omitted.size() - k_named)
                       : "";
  return fmt::format("the workload's metadata is about {} bytes of JSON, over the run record's "
                     "cap of {} bytes: left out {}{}; the results file (the run's bench_results "
                     "artifact) still has everything",
                     w.reported_bytes, analysis::k_workload_metadata_cap,
                     fmt::join(named, ", "), more);
}

/// The names of name/value pairs, in order: what a run records of settings
/// and variables whose values may be credentials.
std::vector<std::string>
names_of(const std::vector<std::pair<std::string, std::string>>& pairs)
{
  std::vector<std::string> names;
  for (const auto& [name, value] : pairs) names.push_back(name);
  return names;
}

} // namespace

// Evidence files the run produced: the results of every round, the logs
// (empty ones are not worth a row) and the responsiveness pings.
void
collect_run_files(BenchReport& report, const stdfs::path& run_dir)
{
  if (auto a = file_artifact(report.run_id, run_dir / "bench-results.json", "bench_results",
                             "Bench results")) {
    report.artifacts.push_back(*a);
  }
  for (std::uint64_t k = 2; k <= report.invocations; ++k) { // --runs N
    if (auto a = file_artifact(report.run_id,
                               run_dir / fmt::format("bench-results.round-{}.json", k),
                               "bench_results", fmt::format("Bench results, invocation {}", k),
                               Json{{"run_index", k - 1}})) {
      report.artifacts.push_back(*a);
    }
  }
  for (const auto& round : report.decisive_rounds) {
    if (auto a = file_artifact(report.run_id,
                               run_dir / fmt::format("bench-results.round-{}.json", round.round),
                               "bench_results", fmt::format("Bench results, round {}", round.round),
                               Json{{"round", round.round}})) {
      report.artifacts.push_back(*a);
    }
  }
  std::error_code ec;
  // --concurrency N: each instance's own results (bench-results[.round-k]-i<n>.json).
  std::vector<std::pair<stdfs::path, std::string>> instance_files;
  for (const auto& entry : stdfs::directory_iterator(run_dir, ec)) {
    auto name = entry.path().filename().string();
    auto at = name.rfind("-i");
    if (name.rfind("bench-results", 0) != 0 || at == std::string::npos
        || entry.path().extension() != ".json") {
      continue;
    }
    std::string digits = name.substr(at + 2, name.size() - at - 2 - 5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    instance_files.emplace_back(entry.path(), digits);
  }
  ec.clear();
  std::sort(instance_files.begin(), instance_files.end());
  for (const auto& [path, instance] : instance_files) {
    if (auto a = file_artifact(report.run_id, path, "bench_results",
                               fmt::format("Bench results, instance {}", instance),
                               Json{{"instance", std::stoul(instance)}})) {
      report.artifacts.push_back(*a);
    }
  }
  std::vector<stdfs::path> logs;
  for (const auto& entry : stdfs::directory_iterator(run_dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind("runner.", 0) == 0 && entry.path().extension() == ".log") {
      logs.push_back(entry.path());
    }
  }
  std::sort(logs.begin(), logs.end());
  for (const auto& log : logs) {
    if (stdfs::file_size(log, ec) == 0) {
      stdfs::remove(log, ec);
      continue;
    }
    std::string stream = log.filename().string().find("stderr") != std::string::npos ? "stderr" : "stdout";
    if (auto a = file_artifact(report.run_id, log, "log", "Runner " + stream,
                               Json{{"stream", stream}})) {
      report.artifacts.push_back(*a);
    }
  }
  // Each bench child's artifacts, preserved before its invocation dirs were
  // removed (app/bench/isolation.hpp): the manifest points at them.
  std::vector<stdfs::path> kept;
  for (const auto& entry : stdfs::directory_iterator(run_dir / "invocations", ec)) {
    kept.push_back(entry.path());
  }
  ec.clear();
  std::sort(kept.begin(), kept.end());
  for (const auto& dir : kept) {
    if (auto a = file_artifact(report.run_id, dir / "manifest.json", "invocation_artifacts",
                               "Invocation " + dir.filename().string() + " artifacts",
                               Json{{"invocation_id", dir.filename().string()}})) {
      report.artifacts.push_back(*a);
    }
  }
  auto pings = run_dir / "bench-responsiveness.jsonl";
  if (auto a = file_artifact(report.run_id, pings, "responsiveness", "Responsiveness pings")) {
    report.artifacts.push_back(*a);
  }
}

// Scenario artifact pointers: indexed, not copied (bench.md). Relative paths
// are resolved against the component directory, where the runner ran.
void
collect_scenario_artifacts(BenchReport& report, const BenchResults& results,
                           const stdfs::path& component_dir)
{
  for (const auto& scenario : results.scenarios) {
    for (const auto& ref : scenario.artifacts) {
      Json meta = {{"scenario_id", scenario.id}, {"name", ref.name}, {"source", "bench"},
                   {"pointer", ref.pointer_key}};
      if (ref.run_index) meta["run_index"] = *ref.run_index;
      std::string kind = ref.kind.empty() ? "artifact" : ref.kind;
      std::string label = ref.label.empty() ? ref.name : ref.label;
      if (ref.pointer_key == "path") {
        stdfs::path path = ref.pointer;
        if (path.is_relative()) {
          path = component_dir / path;
        }
        meta["original_path"] = ref.pointer;
        if (auto a = file_artifact(report.run_id, path, kind, label, meta)) {
          report.artifacts.push_back(*a);
          continue;
        }
        std::error_code ec;
        Artifact a;
        a.id = new_uuid_v4();
        a.run_id = report.run_id;
        a.kind = kind;
        a.type = stdfs::is_directory(path, ec) ? "directory" : "file";
        a.path = path.string();
        a.label = label;
        a.created_at = now_ms();
        if (!stdfs::exists(path, ec)) {
          meta["missing"] = true;
        }
        a.metadata_json = dump_json(meta);
        report.artifacts.push_back(a);
      } else {
        Artifact a;
        a.id = new_uuid_v4();
        a.run_id = report.run_id;
        a.kind = kind;
        a.type = "url";
        a.path = ref.pointer;
        a.url = ref.pointer;
        a.label = label;
        a.created_at = now_ms();
        a.metadata_json = dump_json(meta);
        report.artifacts.push_back(a);
      }
    }
  }
}

std::vector<Finding>
findings_of(const std::string& run_id, const BenchResults& results)
{
  std::vector<Finding> out;
  for (const auto& bf : results.budget_findings) {
    Finding f;
    f.id = new_uuid_v4();
    f.run_id = run_id;
    f.tool = bf.tool;
    f.rule = bf.rule;
    f.category = bf.category;
    f.severity = bf.severity;
    f.message = bf.message;
    f.file = bf.file;
    f.line = bf.line;
    f.column = bf.column;
    f.fingerprint = bf.fingerprint;
    f.created_at = now_ms();
    Json meta = parse_json_or_discard(bf.metadata_json);
    if (!meta.is_object()) {
      meta = Json::object();
    }
    if (!bf.scenario_id.empty()) {
      meta["scenario_id"] = bf.scenario_id;
    }
    meta["fails_run"] = bf.fails_run;
    f.metadata_json = dump_json(meta);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<MetricRow>
metric_rows(const BenchResults& results)
{
  std::vector<MetricRow> rows;
  for (const auto& s : results.scenarios) {
    for (const auto& m : s.metrics) {
      MetricRow row{s.id, m.name, m.value, {}};
      if (const auto* samples = s.samples(m.name)) {
        row.samples = *samples;
      }
      rows.push_back(std::move(row));
    }
    // Distributions without a summary metric still deserve their samples;
    // their median stands for them where one value is shown or compared.
    for (const auto& [name, samples] : s.distributions) {
      if (!s.metric(name)) {
        rows.push_back({s.id, name, samples.empty() ? 0 : stats::median(samples), samples});
      }
    }
  }
  return rows;
}

std::string
run_metadata(const BenchRequest& request, const Prepared& p, const BenchReport& report,
             const std::string& terminal_reason)
{
  Json meta = {
    {"iterations", request.iterations},
    {"runner", {{"extension_id", p.runner.extension_id}, {"description", p.runner.description}}},
    {"exit_code", report.exit_code},
    {"passed", report.passed},
    {"status", report.status()},
  };
  if (request.warmup) meta["warmup_iterations"] = *request.warmup;
  if (!request.scenarios.empty()) meta["selected_scenarios"] = request.scenarios;
  if (!p.runner_args.empty()) meta["runner_args"] = p.runner_args;
  if (p.ci_job) {
    // Variable names only: CI env values may be credentials.
    meta["ci"] = {{"profile", p.ci_job->profile_id}, {"job", p.ci_job->job_id},
                  {"args", p.ci_job->args}, {"env", names_of(p.ci_job->env)}};
  }
  // Setting names only: values may be credentials.
  std::vector<std::string> setting_names = names_of(request.settings);
  for (const auto& name : names_of(request.settings_json)) setting_names.push_back(name);
  if (!setting_names.empty()) meta["setting_overrides"] = setting_names;
  // bench_env reached the runner as variables: their names, never values.
  if (!p.bench_env.empty()) meta["bench_env"] = names_of(p.bench_env);
  // What runs bench-compare and bench history need to tell whether two runs
  // measured the same way: a fingerprint of the settings (not their values,
  // which may be credentials) and the policies the comparison used.
  if (!p.exec()) meta["settings_sha256"] = settings_fingerprint(p.settings_json);
  if (report.results) meta["metric_policies"] = policies_json(report.results->policies);
  meta["baseline"] = {{"key", report.baseline_key},
                      {"found", report.baseline_found},
                      {"compared", report.comparison.has_value()},
                      {"saved", report.baseline_saved},
                      {"ratcheted", report.ratcheted},
                      {"ignore_baseline", request.ignore_baseline},
                      {"requested_save", request.save_baseline},
                      {"requested_ratchet", request.ratchet}};
  if (report.baseline_pending) meta["baseline"]["pending"] = true;
  if (!report.rig_id.empty()) {
    // As the original: the rig's components at measurement time.
    auto state = parse_json(report.rig_state_json, "rig_state");
    meta["rig_state"] = state ? *state : Json::object();
  }
  if (!report.comparison_json.empty()) {
    auto link = parse_json(report.comparison_json, "comparison");
    if (link) meta["comparison"] = *link;
  }
  meta["measured_by"] = report.measured_by;
  meta["fingerprint"] = measurement_fingerprint(p, request);
  if (!report.resume_json.empty()) {
    auto resumed = parse_json(report.resume_json, "resume");
    if (resumed) meta["resume"] = *resumed;
  }
  if (report.counter) meta["measure"] = {{"kind", "instructions"}, {"counter", *report.counter}};
  if (report.exec_seed) {
    Json commands = Json::array();
    for (const auto& c : p.commands) commands.push_back({{"name", c.name}, {"command", c.command}});
    meta["exec"] = {{"seed", *report.exec_seed}, {"shell", request.shell}, {"commands", commands}};
    if (request.prepare) meta["exec"]["prepare"] = *request.prepare;
    if (!report.command_failures.empty()) meta["exec"]["failures"] = report.command_failures;
  }
  meta["host"] = host_to_json(report.host);
  if (report.machine_speed) meta["machine_speed"] = machine_speed_to_json(*report.machine_speed);
  meta["statistics"] = {{"rules", request.statistics == Statistics::sound ? "sound" : "documented"},
                        {"correction", to_string(request.correction)},
                        {"alpha", request.alpha},
                        {"regression_threshold_percent", request.regression_threshold},
                        {"session_aware", request.session_aware},
                        {"runs", report.invocations},
                        {"looks", report.looks}};
  if (request.until_decisive) meta["statistics"]["until_decisive"] = *request.until_decisive;
  if (!report.decisive_rounds.empty()) {
    Json rounds = Json::array();
    for (const auto& r : report.decisive_rounds) {
      rounds.push_back({{"round", r.round}, {"iterations", r.iterations}, {"scenarios", r.scenario_ids}});
    }
    meta["statistics"]["rounds"] = std::move(rounds);
  }
  if (!request.resources_json.empty()) {
    Json resources = parse_json_or_discard(request.resources_json);
    if (resources.is_object()) meta["resources"] = std::move(resources);
  }
  std::vector<std::string> warnings = bench_warnings(report);
  // What the runner reported about its workload, capped
  // (analysis/workload_metadata.hpp); a cut is a warning, never a failure.
  if (report.results && report.results->document) {
    auto workload = analysis::add_workload_metadata(meta, *report.results->document);
    if (!workload.omitted.empty()) {
      std::string warning = workload_cut_warning(workload);
      warn(request, warning);
      warnings.push_back(std::move(warning));
      meta["workload_metadata"] = {{"reported_bytes", workload.reported_bytes},
                                   {"kept_bytes", workload.kept_bytes},
                                   {"cap_bytes", analysis::k_workload_metadata_cap},
                                   {"omitted", workload.omitted}};
    }
  }
  if (!warnings.empty()) meta["warnings"] = warnings;
  if (report.comparison) {
    meta["regression"] = report.comparison->regression;
    meta["has_improvements"] = report.comparison->has_improvements;
    meta["inconclusive"] = report.comparison->inconclusive;
    Json verdicts = Json::object();
    for (const auto& sc : report.comparison->scenarios) verdicts[sc.id] = to_string(sc.verdict);
    meta["verdicts"] = std::move(verdicts);
    if (!report.comparison->reasons.empty()) meta["regression_reasons"] = report.comparison->reasons;
    // Each metric's verdict as it was decided (the run detail shows it;
    // nothing recomputes it later): {scenario: {metric: {...}}}.
    Json metric_verdicts = Json::object();
    for (const auto& sc : report.comparison->scenarios) {
      for (const auto& d : sc.metric_deltas) {
        Json m = {{"verdict", to_string(d.verdict)},
                  {"baseline", d.baseline_value},
                  {"current", d.current_value},
                  {"delta_percent", d.delta_pct ? Json(*d.delta_pct) : Json(nullptr)},
                  {"p_value", d.p_value_adjusted ? Json(*d.p_value_adjusted) : Json(nullptr)},
                  {"baseline_samples", d.baseline_samples},
                  {"current_samples", d.current_samples}};
        if (Json change = change_percent_json(d); !change.is_null()) m["change_percent"] = change;
        if (!d.reason.empty()) m["reason"] = d.reason;
        if (!d.remedy.empty()) m["remedy"] = d.remedy;
        metric_verdicts[sc.id][d.name] = std::move(m);
      }
    }
    meta["metric_verdicts"] = std::move(metric_verdicts);
  }
  if (report.results) {
    meta["scenario_count"] = report.results->scenarios.size();
    size_t failed_gates = 0;
    for (const auto& g : report.results->gate_results) failed_gates += g.passed ? 0 : 1;
    meta["gate_failure_count"] = failed_gates;
    meta["results_iterations"] = report.results->iterations;
  }
  if (report.failure) {
    meta["failure"] = {{"code", report.failure->code}, {"message", report.failure->message}};
  }
  if (report.process) {
    const auto& pr = *report.process;
    Json proc = {{"pid", pr.pid}, {"wall_ms", pr.wall_ms}, {"user_seconds", pr.user_seconds},
                 {"system_seconds", pr.system_seconds}, {"max_rss_bytes", pr.max_rss_bytes}};
    if (pr.exit_code) proc["exit_code"] = *pr.exit_code;
    if (pr.signal) proc["signal"] = *pr.signal;
    meta["process"] = std::move(proc);
  }
  if (!report.memory_peaks.empty()) {
    // The peak RSS of each runner invocation's process tree; the run's
    // figure is the largest of them.
    std::uint64_t peak = 0;
    Json each = Json::array();
    for (const auto& m : report.memory_peaks) {
      peak = std::max(peak, m.bytes);
      Json entry = {{"invocation", m.invocation}, {"peak_rss_bytes", m.bytes}, {"method", m.method}};
      if (m.instance) entry["instance"] = *m.instance;
      each.push_back(std::move(entry));
    }
    meta["memory"] = {{"peak_rss_bytes", peak},
                      {"method", report.memory_peaks.front().method},
                      {"invocations", std::move(each)}};
  }
  if (request.shared_state) meta["shared_state"] = request.shared_state->string();
  if (request.concurrency > 1) meta["concurrency"] = request.concurrency;
  if (!terminal_reason.empty()) meta["terminal_reason"] = terminal_reason;
  return dump_json(meta);
}

void
add_hints(BenchReport& report, const Prepared& p, bool ad_hoc)
{
  const std::string& component_id = p.component.id;
  // Ad-hoc --exec runs have no component to name: the same command line
  // with --baseline is the way to save one.
  std::string again = ad_hoc ? "by running this command again with --baseline"
                             : fmt::format("with homeboy bench {}{} --baseline", component_id,
                                           report.rig_id.empty() ? "" : " --rig " + report.rig_id);
  if (!report.run_id.empty()) {
    report.hints.push_back(fmt::format("Show this run: homeboy runs show {}", report.run_id));
    report.hints.push_back(
      fmt::format("List bench runs: homeboy runs list --kind bench --component {}", component_id));
    report.hints.push_back(
      fmt::format("Observation database: {}", p.paths.store_path.string()));
  }
  if (report.results && !report.baseline_found && !report.baseline_saved && !report.failure) {
    report.hints.push_back(
      fmt::format("No baseline yet: save one {}", again));
  }
  if (report.comparison && report.comparison->regression) {
    report.hints.push_back(
      fmt::format("Accept the new numbers as the baseline {}", again));
  }
}

} // namespace hb::app::pipeline

#include "cli/runs_common.hpp"
#include "registry/recipe.hpp"

#include "app/runs_readers.hpp"
#include "util/json.hpp"
#include "util/table.hpp"
#include "util/term.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

namespace hb::cli {


void
add_filter_options(CLI::App* cmd, RunFilterArgs& f, bool paged)
{
  cmd->add_option("--kind", f.kind, "Only runs of this kind (bench, task, ...)");
  cmd->add_option("--component", f.component, "Only runs of this component");
  cmd->add_option("--rig", f.rig, "Only runs pinned to this rig");
  cmd->add_option("--status", f.status,
                  "Only runs in this status (queued, running, succeeded, failed, timed_out, "
                  "cancelled, ...; pass/fail also work)");
  cmd->add_option("--since", f.since, "Only runs created since: a duration (24h, 7d) or a timestamp");
  cmd->add_option("--until", f.until, "Only runs created before: a duration or a timestamp");
  if (paged) {
    cmd->add_option("--scenario", f.scenario, "Only bench runs that measured this scenario");
    cmd->add_option("--limit", f.limit, "At most this many runs")
      ->check(CLI::Range(std::size_t(1), std::size_t(100000)));
    cmd->add_option("--after", f.after, "Continue after this cursor (printed by the previous page)");
  }
}

Result<RunFilter>
make_filter(const RunFilterArgs& a)
{
  return app::parse_run_filter(a);
}

int
exit_code_for(const Error& error)
{
  // No instruction counter on this machine is a usage error too: nothing ran.
  return error.code.rfind("validation.", 0) == 0 || error.code == "measure.counter_unavailable"
           ? 2
           : 1;
}

std::string
short_id(const std::string& id)
{
  return id.substr(0, 8);
}

std::string
status_text(RunStatus status, bool colour)
{
  using term::Colour;
  switch (status) {
  case RunStatus::succeeded: return term::paint(to_string(status), Colour::green, colour);
  case RunStatus::failed:
  case RunStatus::timed_out: return term::paint(to_string(status), Colour::red, colour);
  case RunStatus::cancelled: return term::paint(to_string(status), Colour::yellow, colour);
  default: return to_string(status);
  }
}

std::string
duration_text(const Run& run)
{
  if (!run.started_at) return "";
  TimeMs end = run.finished_at.value_or(now_ms());
  return format_duration_ms(end - *run.started_at);
}

std::string
size_text(std::optional<std::uint64_t> size)
{
  if (!size) return "";
  double s = static_cast<double>(*size);
  if (s < 1024) return fmt::format("{} B", *size);
  if (s < 1024 * 1024) return fmt::format("{:.1f} KiB", s / 1024);
  return fmt::format("{:.1f} MiB", s / (1024 * 1024));
}


Json
filter_echo(const RunFilterArgs& a, bool with_limit)
{
  Json out = Json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  put("component_id", a.component);
  put("kind", a.kind);
  put("rig", a.rig);
  put("scenario", a.scenario);
  put("status", a.status);
  put("since", a.since);
  put("until", a.until);
  if (with_limit) out["limit"] = a.limit;
  return out;
}

std::string
indent(const std::string& text, const std::string& pad)
{
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(pos, end - pos) + "\n";
    pos = end + 1;
  }
  return out;
}

std::string
json_text(const Json& v)
{
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
  return dump_json(v);
}

namespace {

std::string
render_distribution(const Json& p)
{
  std::size_t runs = p["inspected_runs"].get<std::size_t>();
  if (runs == 0) return "No runs match.\n";
  std::string out;
  for (const auto& f : p["fields"]) {
    out += fmt::format("{}: {} of {} runs have it, {} values, {} unique\n", json_text(f["field"]),
                       json_text(f["matched_runs"]), runs, json_text(f["total_values"]),
                       json_text(f["unique_values"]));
    using A = TextTable::Align;
    TextTable table({"value", "count", "percent"}, {A::left, A::right, A::right});
    for (const auto& v : f["values"]) {
      table.add_row({json_text(v["value"]), json_text(v["count"]),
                     fmt::format("{:.1f}%", v["percent"].get<double>())});
    }
    out += indent(table.render()) + "\n";
  }
  if (p["next_cursor"].is_string()) {
    out += fmt::format("Only the newest {} runs were inspected; raise --limit for more.\n", runs);
  }
  return out;
}

} // namespace

void
run_distribution(const DistributionArgs& args, const std::string& variant, int& exit_code)
{
  OutputOptions output = args.output;
  auto filter = make_filter(args.filter);
  if (!filter) {
    exit_code = emit_error(output, filter.error(), 2);
    return;
  }
  with_store(output, exit_code, [&](app::OpenStore& s) {
    Json echo = filter_echo(args.filter);
    app::DistributionRequest request{*filter, args.fields, &echo};
    auto payload = app::runs_distribution(*s.store, request);
    if (!payload) {
      exit_code = emit_error(output, payload.error(), 2);
      return;
    }
    exit_code = emit(output, variant, *payload, render_distribution(*payload));
  });
}

void
add_recipe_options(CLI::App* cmd, registry::RecipeOptions& a, bool with_kind)
{
  cmd->add_option("--name", a.name, "A name to find the run by");
  cmd->add_option("--cwd", a.cwd, "Working directory of the command (default: the current one)");
  cmd->add_option("--env", a.env, "Set K=V in the command's environment (stored; repeatable)");
  cmd->add_option("--secret-env", a.secret_env,
                  "Pass this exported variable to the command without ever storing its value; "
                  "its value is masked in logs and metadata (repeatable)");
  cmd->add_option("--timeout", a.timeout, "Stop the command after this long (e.g. 30s, 15m)");
  cmd->add_option("--start-timeout", a.start_timeout,
                  "Settle the run timed_out if it has not started this long after a worker took "
                  "it (default 60s)");
  cmd->add_option("--heartbeat-timeout", a.heartbeat_timeout,
                  "Settle the run failed (heartbeat_lost) after this long without a heartbeat "
                  "(default 30s)");
  cmd->add_option("--artifact", a.artifacts,
                  "Collect the files this glob matches under the working directory when the "
                  "command ends (repeatable)");
  cmd->add_option("--label", a.labels, "A k=v label (repeatable)");
  cmd->add_option("--retain-for", a.retain_for,
                  "Keep the run from cleanup for this long after it finishes (e.g. 30d)");
  if (with_kind) cmd->add_option("--kind", a.kind, "The run's kind (default task)");
  cmd->add_option("--retry", a.retry,
                  "Let a worker start up to N more attempts of the run when it fails for a "
                  "--retry-on reason (never when a user cancelled it)");
  cmd->add_option("--retry-on", a.retry_on,
                  "With --retry: the reasons to retry for, comma-separated: heartbeat_lost, "
                  "owner_gone, exit_code, signal, timed_out, interrupted (default: all)");
  cmd->add_option("--retry-backoff", a.retry_backoff,
                  "With --retry: MIN..MAX wait before each retry, doubling from MIN with jitter "
                  "up to MAX (default 10s..10m)");
}

} // namespace hb::cli

// Why: `rig check` is evidence like a bench (the original records it as a rig
// run); recording goes through the store here so the CLI stays thin and
// src/rig stays free of the store.

#include "app/rig/rig_service.hpp"

#include "app/reconcile.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/last_resort.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <unistd.h>

namespace hb::app::rig {

namespace {

Json
report_json(const hb::rig::CheckReport& report)
{
  Json steps = Json::array();
  for (const auto& s : report.steps) {
    steps.push_back({{"label", s.label}, {"probe", s.probe}, {"passed", s.passed}, {"message", s.message},
                     {"elapsed_ms", s.elapsed_ms}});
  }
  return Json{{"rig_id", report.rig_id}, {"passed", report.passed}, {"steps", std::move(steps)}};
}

} // namespace

std::string
check_report_json(const hb::rig::CheckReport& report)
{
  return dump_json(report_json(report));
}

Result<CheckRun>
run_check(Store& store, const hb::rig::Spec& spec, const CheckRequest& request)
{
  Run run = owned_run(new_uuid_v4(), "rig", request.command_line, request.cwd,
                      request.homeboy_version);
  run.rig_id = spec.id;
  run.metadata_json = dump_json(Json{{"rig_spec", spec.file.string()}});
  if (auto inserted = store.insert_run(run); !inserted) return Unexpected(inserted.error());
  // Should homeboy itself fail while probing, the run is settled, not left running.
  LastResortAction settle_on_internal_error([&](const std::string& what) {
    RunOutcome failed;
    failed.status = RunStatus::failed;
    failed.terminal_reason = "internal_error";
    failed.exit_code = 70;
    failed.finished_at = now_ms();
    failed.metadata_json = dump_json(Json{{"rig_spec", spec.file.string()}, {"failure", {{"message", what}}}});
    (void)store.settle_run(run.id, RunStatus::running, 0, failed);
  });

  CheckRun out{hb::rig::check(spec), run.id, hb::rig::snapshot(spec)};
  TimeMs finished = now_ms();
  RunOutcome outcome;
  outcome.status = out.report.passed ? RunStatus::succeeded : RunStatus::failed;
  outcome.terminal_reason = out.report.passed ? "" : "rig_check_failed";
  outcome.exit_code = out.report.passed ? 0 : 1;
  outcome.finished_at = finished;
  Json meta = {{"rig_spec", spec.file.string()},
               {"rig_check", report_json(out.report)},
               {"rig_state", parse_json_or_discard(hb::rig::state_json(out.state))}};
  outcome.metadata_json = dump_json(meta);
  for (const auto& step : out.report.steps) {
    if (step.passed) continue;
    Finding f;
    f.id = new_uuid_v4();
    f.run_id = run.id;
    f.tool = "rig-check";
    f.rule = step.probe;
    f.category = "rig_check";
    f.severity = "error";
    f.message = step.label + ": " + step.message;
    f.file = spec.file.string();
    f.fingerprint = spec.id + ":" + step.probe + ":" + step.label;
    f.created_at = finished;
    f.metadata_json = dump_json(Json{{"label", step.label}, {"elapsed_ms", step.elapsed_ms}});
    outcome.findings.push_back(std::move(f));
  }
  if (auto settled = store.settle_run(run.id, RunStatus::running, 0, outcome); !settled) {
    return Unexpected(settled.error());
  }
  return out;
}

Result<RunPage>
rig_runs(Store& store, const std::string& rig_id, std::size_t limit, const std::optional<std::string>& after)
{
  RunFilter filter;
  filter.rig_id = rig_id;
  filter.limit = limit;
  filter.after = after;
  return store.list_runs(filter);
}

} // namespace hb::app::rig

// Planning a resumed bench: the interrupted run, its fingerprint and the
// results file its runner left in the run's directory.

#include "app/bench/resume.hpp"
#include "app/bench_context.hpp"
#include "app/runs_service.hpp"
#include "util/json.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace hb::app::pipeline {

std::string
measurement_fingerprint(const Prepared& p, const BenchRequest& request)
{
  Json commands = Json::array();
  for (const auto& c : p.commands) commands.push_back({c.name, c.command});
  Json what = {{"component", p.component.id},
               {"runner", p.exec() ? "exec" : p.runner.extension_id},
               {"settings_sha256", settings_fingerprint(p.settings_json)},
               {"iterations", request.iterations},
               {"runner_args", p.runner_args},
               {"commands", commands},
               {"rig", request.rig ? request.rig->id : ""},
               {"instructions", request.count_instructions}};
  std::string text = dump_json(what);
  Sha256 digest;
  digest.update(text.data(), text.size());
  return digest.hex();
}

Result<ResumePlan>
plan_resume(const BenchRequest& request)
{
  auto prepared = prepare(request);
  if (!prepared) return Unexpected(prepared.error());
  Prepared& p = *prepared;
  auto store = open_store(p.paths);
  if (!store) return Unexpected(store.error());
  auto run = find_run(**store, *request.resume_from);
  if (!run) return Unexpected(run.error());
  const std::string refuse_prefix = fmt::format("cannot resume run {}: ", run->id);
  auto refuse = [&](const std::string& why) {
    return make_error("validation.resume_refused", refuse_prefix + why);
  };
  if (run->kind != "bench") return refuse(fmt::format("it is a {} run, not a bench", run->kind));
  if (!is_terminal(run->status)) {
    return refuse(fmt::format("it is still {}; wait for it, or cancel it (`homeboy runs cancel {}`), "
                              "or settle a killed one (`homeboy runs reconcile`)",
                              to_string(run->status), run->id));
  }
  if (run->status == RunStatus::succeeded) {
    return refuse("it finished; there is nothing to resume (run the bench again for new figures)");
  }
  if (run->component_id != p.component.id) {
    return refuse(fmt::format("it measured component {}, not {}", run->component_id, p.component.id));
  }
  Json meta = Json::parse(run->metadata_json, nullptr, false);
  std::string recorded = meta.is_object() ? json_member_or(meta, "fingerprint", "") : "";
  if (recorded.empty()) {
    return refuse("it was recorded without a measurement fingerprint (by an older homeboy), so "
                  "homeboy cannot tell it measured the same way; run the bench again");
  }
  if (recorded != measurement_fingerprint(p, request)) {
    return refuse("it measured differently (the settings, iterations, runner arguments, rig or "
                  "runner changed since); repeat the interrupted command with --resume, or run "
                  "the bench again");
  }
  ResumePlan plan;
  plan.from_run = run->id;
  // What the interrupted runner finished: its results file, if it wrote one
  // (a runner that writes after each scenario leaves the finished ones).
  auto results_file = p.paths.run_dir(run->id) / "bench-results.json";
  std::error_code ec;
  if (std::filesystem::exists(results_file, ec)) {
    auto parsed = bench::parse_results_file(results_file, p.parse_options);
    if (parsed) plan.kept = std::move(*parsed);
  }
  std::set<std::string> kept_ids;
  for (const auto& s : plan.kept.scenarios) kept_ids.insert(s.id);
  std::vector<std::string> wanted = request.scenarios;
  if (wanted.empty()) {
    auto inventory = discover(p, request);
    if (!inventory) {
      return make_error("validation.resume_refused",
                        refuse_prefix + "the runner could not list its scenarios, so homeboy cannot "
                                        "tell which are left (" + inventory.error().message +
                                        "); give them with --scenario");
    }
    for (const auto& s : inventory->scenarios) wanted.push_back(s.id);
  }
  // Keep only what this bench would measure; measure the rest.
  std::vector<bench::Scenario> kept;
  for (auto& s : plan.kept.scenarios) {
    if (std::find(wanted.begin(), wanted.end(), s.id) != wanted.end()) kept.push_back(std::move(s));
  }
  plan.kept.scenarios = std::move(kept);
  kept_ids.clear();
  for (const auto& s : plan.kept.scenarios) kept_ids.insert(s.id);
  for (const auto& id : wanted) {
    if (!kept_ids.count(id)) plan.remaining.push_back(id);
  }
  plan.nothing_left = plan.remaining.empty();
  return plan;
}

std::string
resume_json(const ResumePlan& plan, const std::vector<std::string>& kept_ids, const std::string& run_id,
            const bench::BenchResults* measured)
{
  Json from = Json::object();
  Json measured_ids = Json::array();
  for (const auto& id : kept_ids) from[id] = plan.from_run;
  if (measured) {
    for (const auto& s : measured->scenarios) {
      if (!from.contains(s.id)) {
        from[s.id] = run_id;
        measured_ids.push_back(s.id);
      }
    }
  }
  return dump_json(Json{{"from_run", plan.from_run}, {"kept", kept_ids}, {"measured", measured_ids},
                        {"scenarios", from}});
}

} // namespace hb::app::pipeline

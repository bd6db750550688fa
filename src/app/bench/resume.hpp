#pragma once
// `homeboy bench --resume RUN` (issue 19, docs/bench.md "Resuming"): the
// scenarios an interrupted bench finished are kept, the rest measured, in a
// new run that names where each scenario came from. The interrupted run is
// left as recorded (evidence is never rewritten); both are linked.

#include "app/bench/pipeline.hpp"
#include "bench/results/results.hpp"

#include <string>
#include <vector>

namespace hb::app::pipeline {

/// What a resumed bench keeps and measures.
struct ResumePlan
{
  std::string from_run;               // the interrupted run's id
  bench::BenchResults kept;           // its finished scenarios
  std::vector<std::string> remaining; // to measure now (the --scenario selection)
  bool nothing_left = false;          // every scenario was finished
};

/// The fingerprint of how a bench measures (component, runner, settings,
/// iterations, runner args, timed commands, rig): recorded at the start of
/// every bench run, so a resume can refuse to mix two different benches.
std::string measurement_fingerprint(const Prepared& p, const BenchRequest& request);

/// Checks `request.resume_from` (a bench run of this component, finished
/// without success, with the same fingerprint) and reads what it finished
/// from the results file left in its directory. Errors say what differs.
Result<ResumePlan> plan_resume(const BenchRequest& request);

/// The resumed run's metadata.resume: {from_run, kept, measured, scenarios:
/// {id: run it came from}}.
std::string resume_json(const ResumePlan& plan, const std::vector<std::string>& kept_ids,
                        const std::string& run_id, const bench::BenchResults* measured);

} // namespace hb::app::pipeline

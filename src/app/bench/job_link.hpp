#pragma once
// A bench that runs as a registry run's command (a queued bench job, a
// schedule): the registry exports HOMEBOY_RUN_ID to it, and the bench links
// its own run to that job both ways, so the Studio can follow a queued job
// to the bench run it produced.

#include "model/run.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>

namespace hb::app {

/// The registry run this process runs under (HOMEBOY_RUN_ID, when it names
/// a run in `store`), or nullopt.
std::optional<std::string> parent_job(Store& store);

/// `metadata_json` (an object) with {"job": {"run_id": job_id}} added.
std::string with_job(const std::string& metadata_json, const std::string& job_id);

/// Appends a `produced` event {"run_id", "kind"} to the job's log; failures
/// are ignored (the link is a convenience, the bench run is recorded).
void announce_to_job(Store& store, const std::string& job_id, const Run& produced);

} // namespace hb::app

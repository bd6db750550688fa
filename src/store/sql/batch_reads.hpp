#pragma once
// The store's readers of many runs at once (Store::*_for_runs): the ids in
// batches, each batch one indexed `run_id IN (...)` lookup, the rows ordered
// as the ids were given. Internal to store/sqlite.
//
// Thread-safety: none of its own; `db` belongs to the calling thread.

#include "store/sql/db.hpp"
#include "store/store.hpp"

#include <string>
#include <vector>

namespace hb::sql {

Result<std::vector<Artifact>> artifacts_for_runs(Db& db, const std::vector<std::string>& run_ids,
                                                 const std::vector<std::string>& kinds);
Result<std::vector<RunMetricRow>> metrics_for_runs(Db& db, const std::vector<std::string>& run_ids);
Result<std::vector<RunScenarioRow>> scenarios_for_runs(Db& db,
                                                       const std::vector<std::string>& run_ids);
Result<std::vector<Finding>> findings_for_runs(Db& db, const std::vector<std::string>& run_ids);
Result<std::vector<TraceSpan>> trace_spans_for_runs(Db& db, const std::vector<std::string>& run_ids);

} // namespace hb::sql

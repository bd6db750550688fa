#pragma once
// The `runs` readers beyond list/show: refs, evidence, resume-plan,
// distribution, query, compare, drift and bench-compare, and `bench
// history`. Each returns the JSON payload of
// its command (`command: "runs.<name>"`); the CLI renders humans' text from
// the same payload. Every store access is an indexed query (list_runs pages,
// batched artifact/metric lookups by run id).

#include "model/run.hpp"
#include "stats/change_points.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

/// `homeboy runs artifact get <run> <artifact>`, shell-quoted when needed.
std::string artifact_get_command(const std::string& run_id, const std::string& artifact_id);
/// A word for a shell command line: as is when safe, else single-quoted.
std::string shell_arg(const std::string& value);

// --- refs ---------------------------------------------------------------

struct RefsRequest
{
  RunFilter filter;
  std::vector<std::string> artifact_kinds;  // empty: every artifact
  std::vector<std::string> aggregate_kinds; // marked aggregate besides the default detector
  const Json* filters_echo = nullptr;             // what the user asked, echoed as `filters`
};

/// runs.refs: {filters, run_count, artifact_count, aggregate_artifact_count,
/// runs[], artifacts[], aggregate_artifacts[], next_cursor}.
Result<Json> runs_refs(Store& store, const RefsRequest& request);

/// Whether an artifact is an aggregate output: its kind is in `extra_kinds`,
/// or "aggregate" is a word of its kind, id or path.
bool is_aggregate_artifact(const Artifact& artifact, const std::vector<std::string>& extra_kinds);

// --- evidence and resume-plan -------------------------------------------

/// runs.evidence: reviewer-facing evidence for one run; local files as
/// homeboy://run/<id>/artifact/<aid> handles with a fetch command (never a
/// path of this machine), validated http(s) URLs as public links.
Result<Json> run_evidence(Store& store, const Run& run);

/// runs.resume-plan from the run's validation_progress metadata.
Result<Json> resume_plan(const Run& run);

// --- distribution and compare -------------------------------------------

struct DistributionRequest
{
  RunFilter filter;
  std::vector<std::string> fields; // dotted metadata paths or JSONPath queries
  const Json* filters_echo = nullptr;
};

/// runs.distribution: categorical counts of run metadata values.
Result<Json> runs_distribution(Store& store, const DistributionRequest& request);

struct CompareRequest
{
  RunFilter filter;
  std::vector<std::string> metrics; // default: total_elapsed_ms
  const Json* filters_echo = nullptr;
};

/// runs.compare: one row per run and scenario with the selected metrics.
Result<Json> runs_compare(Store& store, const CompareRequest& request);

/// The Markdown table of a runs.compare payload.
std::string compare_markdown(const Json& payload);

// --- query and drift (JSON artifact rows) --------------------------------

struct ArtifactSource
{
  std::vector<std::string> artifact_kinds; // empty: every artifact
  std::uint64_t max_bytes = 64ull << 20;   // larger files are skipped as "too big"
};

struct QueryRequest
{
  RunFilter filter;
  ArtifactSource source;
  std::vector<std::string> select;
  std::optional<std::string> group_by;
  bool count = false;
  const Json* filters_echo = nullptr;
};

/// runs.query: JSONPath projections over the JSON artifacts of matching runs.
Result<Json> runs_query(Store& store, const QueryRequest& request);

struct DriftRequest
{
  RunFilter filter;      // since/until are set from the windows
  ArtifactSource source;
  std::string metric;
  std::int64_t window_ms = 7ll * 24 * 3600 * 1000;
  std::optional<std::int64_t> baseline_ms;
  double threshold = 0;
  std::optional<std::size_t> limit; // runs per range; none: all of them
  TimeMs now = 0;
  const Json* filters_echo = nullptr;
};

/// runs.drift: value shares of one metric in the window and (optionally) the
/// baseline before it.
Result<Json> runs_drift(Store& store, const DriftRequest& request);

// --- bench history and bench-compare -------------------------------------

struct HistoryRequest
{
  std::string component_id;
  std::optional<std::string> rig_id;
  std::optional<std::string> scenario_id; // needed when the metric is in several
  std::optional<std::string> metric;      // none: list the runs and their metrics
  std::size_t limit = 20;                 // points (or runs, without a metric)
  stats::ChangePointOptions detection;
  const Json* filters_echo = nullptr;
};

/// bench.history: one point per bench run of the component that recorded the
/// metric (oldest first, the newest `limit`), the change points in that
/// series with their magnitude, p-value and the run after the change, and
/// the runs as runs.list rows. Errors (exit 2): no bench runs of the
/// component (`validation.unknown_component`), an unknown scenario or metric
/// (listing what is recorded), a metric in several scenarios without
/// --scenario. Too few points for a change is a note, not an error.
Result<Json> bench_history(Store& store, const HistoryRequest& request);

struct BenchCompareRequest
{
  std::string from_run; // the baseline; id or unique prefix
  std::string to_run;   // the candidate
  std::vector<std::string> metrics; // empty: every metric
};

/// runs.bench-compare: the two runs, their shared context, per scenario and
/// metric the values, delta and percent change, and for the metrics the
/// candidate's policies compare, homeboy bench's statistics (verdict,
/// p-values, intervals) with the baseline run's samples as the baseline;
/// metrics only one run has; a Markdown report. Refused
/// (`validation.invalid_argument`) unless both are bench runs with metrics
/// measured with the same settings, selected scenarios, workload and
/// iterations.
Result<Json> runs_bench_compare(Store& store, const BenchCompareRequest& request);

/// The Markdown report of a runs.bench-compare payload (its reports.markdown).
std::string bench_compare_markdown(const Json& payload);

} // namespace hb::app

#pragma once
// The results contract: what a bench runner writes to
// $HOMEBOY_BENCH_RESULTS_FILE, parsed and validated exactly as compat.md
// ("Results file (BenchResults)") states it, with gates evaluated, presets
// applied and implicit failures marked.

#include "bench/results/policy.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hb::bench {

enum class GateOp { eq, gte, lte };
const char* to_string(GateOp op);

struct Gate
{
  std::string metric;
  GateOp op = GateOp::eq;
  double value = 0;
};

struct GateResult
{
  std::string scenario_id;
  std::string metric;
  GateOp op = GateOp::eq;
  double expected = 0;
  std::optional<double> actual; // absent when the scenario lacks the metric
  bool passed = false;
  std::string source;           // "workload" or "preset:<preset name>"
  /// A failed gate's sentence, as the original words it: "scenario `<id>`
  /// gate failed: <metric> <op> <expected> (actual <actual>)"; empty when
  /// the gate passed.
  std::string reason;
};

struct Metric
{
  std::string name;
  double value = 0;
};

using Distributions = std::vector<std::pair<std::string, std::vector<double>>>;

/// The value of `name` in `metrics`, or null.
const double* find_metric(const std::vector<Metric>& metrics, std::string_view name);
/// The samples of `name` in `distributions`, or null.
const std::vector<double>* find_samples(const Distributions& distributions, std::string_view name);

/// How a metric's samples split into sessions (invocations of the runner, as
/// `--runs N` makes them): the number of samples of each session, in the
/// order the sessions' samples are concatenated in `distributions`. A metric
/// not listed is one session.
using SessionSizes = std::vector<std::pair<std::string, std::vector<std::size_t>>>;

/// The session sizes of `name`, or null (one session).
const std::vector<std::size_t>* find_session_sizes(const SessionSizes& sessions,
                                                   std::string_view name);
/// `samples` cut into sessions by `sizes` (null or empty: one session);
/// nullopt when a size is 0 or the sizes do not add up to the samples.
std::optional<std::vector<std::vector<double>>>
split_sessions(const std::vector<double>& samples, const std::vector<std::size_t>* sizes);

/// A scenario artifact pointer (`artifacts{name: {...}}`).
struct ArtifactRef
{
  std::string name;
  std::string pointer_key; // path | url | preview_url | public_url | local_url
  std::string pointer;
  std::string kind;
  std::string label;
  /// For an artifact of `runs[i]` (--runs N): i; none for the scenario's own.
  std::optional<std::size_t> run_index;
};

struct BudgetFinding
{
  std::string tool;
  std::string message;
  std::string rule;     // `rule`, else the flat shape's `code`
  std::string category;
  std::string severity;
  std::string file;
  std::optional<std::int64_t> line;
  std::optional<std::int64_t> column;
  std::string fingerprint;
  std::string scenario_id;   // set for findings made from failed gates
  bool fails_run = false;    // severity == "error" or passed == false
  std::string metadata_json; // JSON object text: metadata plus flat-shape fields
};

struct Scenario
{
  std::string id;
  std::uint64_t iterations = 0;
  std::vector<Metric> metrics; // document order; never contains "distributions"
  Distributions distributions;
  /// Samples grouped by invocation (`--runs N`); empty: one session each.
  SessionSizes sessions;
  std::vector<Gate> gates;     // workload gates plus preset gates
  bool passed = true;          // after gates and implicit failure rules
  std::vector<std::string> failure_reasons; // one sentence per reason passed is false
  std::optional<std::uint64_t> peak_bytes;
  std::vector<ArtifactRef> artifacts;
  std::optional<std::uint64_t> default_iterations;
  std::string file;
  std::string source;
  std::vector<std::string> tags;

  const double* metric(std::string_view name) const { return find_metric(metrics, name); }
  const std::vector<double>* samples(std::string_view name) const
  {
    return find_samples(distributions, name);
  }
};

struct BenchResults
{
  std::string component_id;
  std::uint64_t iterations = 0;
  std::vector<Scenario> scenarios;
  /// Declared policies with presets resolved (explicit policy wins), in
  /// document order.
  std::vector<std::pair<std::string, MetricPolicy>> policies;
  std::vector<GateResult> gate_results;      // every evaluated gate
  std::vector<BudgetFinding> budget_findings; // declared ones, then one per failed gate
  /// The normalised document: stripped keys removed, samples folded, ids
  /// normalised, scenario `passed` and `gate_results` updated.
  std::shared_ptr<const Json> document;

  /// No failed scenario (gates, implicit failures) and no failing finding.
  bool passed() const;
  const MetricPolicy* policy(std::string_view metric) const;
  /// The scenario with this id, or null.
  const Scenario* find(std::string_view scenario_id) const;
  Scenario* find(std::string_view scenario_id);
};

struct ParseOptions
{
  /// Names the file in every error message.
  std::string source_name = "results file";
  /// Largest accepted file, in bytes (parse_results_file only).
  std::uint64_t max_bytes = 64ull * 1024 * 1024;
  /// `--scenario`: only these scenario ids are read (as the original does,
  /// before any check, so a runner that ignores HOMEBOY_BENCH_SCENARIOS
  /// cannot bring unselected or duplicate scenarios in); empty: all.
  /// Entries without a string id are kept, so they still fail the check.
  std::vector<std::string> scenarios;
  /// Scenario discovery (HOMEBOY_BENCH_ITERATIONS=0): the runner measured
  /// nothing, so variance_aware policies' sample minimums are not checked
  /// and a scenario without `metrics` has none.
  bool inventory = false;
  /// The component's directory (empty: none). A scenario `file` that is
  /// relative is read against it, and two scenarios with one id whose files
  /// are the same file (same path, or a symlink to it) are one workload:
  /// the first is kept, or the one whose path lies inside this directory.
  std::filesystem::path workspace;
  /// A rig's metric_gates (scenario id, gate): appended to that scenario's
  /// gates and evaluated with them (source "rig"), as the original merges
  /// them; a scenario the results lack is not an error.
  std::vector<std::pair<std::string, Gate>> extra_gates;
};

/// True when the results measured nothing: no scenario, or no scenario with
/// a metric or a sample, or iterations 0 everywhere (a scenario inventory).
bool measured_nothing(const BenchResults& results);

/// Parses and validates a results document. Every error has code
/// `results.invalid` and a message naming the file, the key or scenario, and
/// what was expected; details carry {file, key?, scenario?}.
Result<BenchResults> parse_results(std::string_view text, const ParseOptions& options);

/// Reads then parses. Missing, empty and oversized files are errors with code
/// `results.missing`, `results.empty`, `results.too_large`.
Result<BenchResults> parse_results_file(const std::filesystem::path& path,
                                        const ParseOptions& options);

} // namespace hb::bench

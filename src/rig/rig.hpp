#pragma once
// Rig specs (issue 14): a named set of component checkouts, the probes that
// say the environment is ready (`rig check`), bench defaults, workloads and
// metric gates. This layer reads spec files and probes the machine; it knows
// nothing of the store (app/rig/ records check runs).

#include "model/paths.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hb::rig {

struct Component
{
  std::string id;
  std::filesystem::path path; // `~` expanded; may not exist (checked by rig check / bench)
  std::string branch;
  std::string ref;
};

struct Workload
{
  std::filesystem::path path;
  std::uint64_t port_range_size = 0;
  std::vector<std::string> named_leases;
};

struct Gate
{
  std::string scenario_id;
  std::string metric;
  std::string op; // equals | gte | lte
  double value = 0;
};

struct BenchDefaults
{
  std::string default_component;
  std::vector<std::string> components;
  std::string default_baseline_rig;
  std::optional<std::uint64_t> warmup_iterations;
};

/// One side of a `newer_than` probe: a file's mtime, or the start time of
/// the newest process whose command line contains `process_pattern` (and
/// every `argv_contains` entry).
struct TimeSource
{
  std::string file_mtime;
  bool is_process = false;
  std::string process_pattern;
  std::vector<std::string> argv_contains;
};

/// One step of the spec's `pipeline.check` (unexpanded; check() expands).
struct CheckStep
{
  std::string label;
  std::string kind;  // the step's `kind`; only "check" is probed
  std::string probe; // http | file | any_file_exists | command | newer_than
  std::string http;
  int expect_status = 200;
  std::string file;
  std::optional<std::string> contains;
  std::vector<std::string> any_file_exists;
  std::string command;
  int expect_exit = 0;
  std::int64_t timeout_ms = 60000; // command probes (our addition: `timeout_ms`)
  TimeSource left, right;
};

struct Spec
{
  std::string id;
  std::string description;
  std::filesystem::path file;                        // the spec file read
  std::optional<std::filesystem::path> package_root; // ${package.root}
  std::vector<Component> components;                 // sorted by id
  BenchDefaults bench;
  /// extension id -> its workloads, expanded, in declaration order.
  std::vector<std::pair<std::string, std::vector<Workload>>> bench_workloads;
  std::vector<Gate> metric_gates;         // bench.metric_gates
  std::vector<std::string> bench_prepare; // optional top-level `bench_prepare` shell commands (expanded)
  std::vector<CheckStep> checks;          // pipeline.check, in order
  std::vector<std::string> service_ids;   // services, declaration order
  std::string json;                       // the materialised spec (what `rig show` prints)

  /// The component with this id, or nullptr.
  const Component* find_component(std::string_view id) const;
};

/// Loads and materialises rig `id` (extends, $append, $merge_by, expansion). Unknown id:
/// error code "rig.not_found" whose message lists the known rig ids.
Result<Spec> load(const Paths& paths, std::string_view id);

/// Reads one spec's text the way load() reads a materialised file, with `id`
/// as its id and `file` named in errors; `extends` is refused (it needs the
/// file's directory). For tests and the fuzz target.
Result<Spec> parse_text(std::string_view text, std::string_view id, const std::filesystem::path& file);

struct Listed
{
  std::string id;
  std::filesystem::path file;
  std::string description;
  std::optional<Error> error; // set when the spec does not load
};

/// Every rig the config dir and installed packages declare, sorted by id.
std::vector<Listed> list(const Paths& paths);

/// The workload paths of extension `extension_id` (for HOMEBOY_BENCH_EXTRA_WORKLOADS, ':'-joined by the caller).
std::vector<std::string> workload_paths(const Spec& spec, std::string_view extension_id);

struct StepOutcome
{
  std::string label;
  std::string probe; // http | file | any_file_exists | command | newer_than | component_path
  bool passed = false;
  std::string message;
  std::int64_t elapsed_ms = 0;
};

struct CheckReport
{
  std::string rig_id;
  bool passed = false;
  std::vector<StepOutcome> steps;
};

/// Runs every check step (no fail-fast).
CheckReport check(const Spec& spec);

struct ComponentState
{
  std::string id;
  std::filesystem::path path;
  std::string sha;
  std::string branch;
};

struct State
{
  std::string rig_id;
  std::string captured_at;
  std::vector<ComponentState> components;
};

/// Each component's git sha and branch, now.
State snapshot(const Spec& spec);

/// {"rig_id","captured_at","components":{<id>:{...}}} in the original's rig_state shape.
std::string state_json(const State& state);

} // namespace hb::rig

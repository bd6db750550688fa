#pragma once
// The bench side of invocation isolation (src/invocation/): each bench
// child (a runner invocation, a round of timed commands) gets its own
// invocation, and its artifacts are preserved into the run's directory
// before teardown. Internal to app/bench.

#include "app/bench/pipeline.hpp"
#include "invocation/invocation.hpp"

#include <filesystem>
#include <string>

namespace hb::app::pipeline {

/// The lease request of this bench's child: the pinned rig's workloads for
/// the runner's extension (largest port_range_size, every named lease).
invocation::LeaseRequest lease_request(const Prepared& p, const BenchRequest& request);

/// Acquires the child's invocation (dirs, lease); warnings about the lease
/// index (a corrupt file ignored) go to stderr. An error: the child must not
/// start (held named lease, no ports, a refused root, the path budget).
Result<invocation::Invocation> begin_child(const Prepared& p, const BenchRequest& request,
                                           const std::string& run_id);

/// Preserves the child's artifacts into <run dir>/invocations/<id>/ (with a
/// manifest), then removes its directories and releases its lease. Empty
/// `run_dir` (discovery): nothing is preserved.
void end_child(invocation::Invocation& inv, const std::filesystem::path& run_dir);

/// Prints "warning: <text>" on stderr through the request's output callback
/// when it has one (so a live progress line is erased first), else directly.
void warn(const BenchRequest& request, const std::string& text);

/// The `state` of a resources assessment (BenchRequest::resources_json), or "".
std::string resources_state_of(const std::string& resources_json);
/// metadata.resources.state of run `run_id` in the store, or "" (an older
/// run, an unreadable store: the comparison then says nothing).
std::string recorded_resources_state(Store& store, const std::string& run_id);

} // namespace hb::app::pipeline

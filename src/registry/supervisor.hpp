#pragma once
// The supervisor of one registry run (`homeboy runs supervise`, launched
// detached by a worker or `runs start`). It runs the command under the
// process supervisor, beats, masks secrets out of the captured output,
// obeys cancel requests and its deadline, collects artifacts and settles
// the run. Every write is a compare-and-set on the lease epoch it was
// started with: once the lease is lost it stops the command and writes
// nothing more.

#include "model/paths.hpp"

#include <cstdint>
#include <string>

namespace hb::registry {

/// The beat interval for a heartbeat timeout: a quarter of it, between
/// 100 ms and 5 s.
std::int64_t beat_interval_ms(std::int64_t heartbeat_timeout_ms);

/// Supervises `run_id` (booting, under `epoch`) to the end; returns the
/// process exit code (0 when the run was settled, whatever its status).
int supervise(const Paths& paths, const std::string& run_id, std::int64_t epoch);

} // namespace hb::registry

#pragma once
// This host's name in the run records: the owner of a lease is
// "<host id>:<pid>", and a run's metadata.runtime.host says where its
// command ran. With one shared store (docs/fleet.md) it tells the hosts
// apart, so a reaper kills processes only where they run.

#include <string>
#include <string_view>

namespace hb {

/// $HOMEBOY_HOST_ID when set (several "hosts" on one machine, or a name
/// steadier than the hostname), else the hostname.
std::string host_id();

/// The host id in a lease owner "<host id>:<pid>"; empty for an owner
/// without one (a run that never ran has no owner).
std::string owner_host(std::string_view lease_owner);

} // namespace hb

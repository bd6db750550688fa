#pragma once
// The invocation lease index under <config>/invocation-leases/: one JSON
// file per running bench child, naming its holder (pid and process start
// time), its port range and its named leases. Every change happens under an
// flock on index.lock and every file is written atomically, so two benches
// starting at once never hand out the same ports or named lease.

#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::invocation {

inline constexpr std::uint32_t k_port_pool_first = 20000;
inline constexpr std::uint32_t k_port_pool_last = 60999;
inline constexpr std::uint32_t k_port_pool_size = k_port_pool_last - k_port_pool_first + 1;

struct LeaseRequest
{
  std::uint32_t port_range_size = 0; // 0: no ports
  std::vector<std::string> named_leases;
};

struct Lease
{
  std::string invocation_id;   // the short id (file name and directory name)
  std::string invocation_uuid; // the full id, for traceability
  long pid = 0;
  std::optional<std::uint64_t> start_ticks; // /proc/<pid>/stat field 22 (Linux)
  std::string started_at;
  std::optional<std::uint32_t> port_base;
  std::optional<std::uint32_t> port_max;
  std::vector<std::string> named_leases;
  std::string run_id;
  std::string component_id;
  std::string state_dir;
};

/// The lease as its file holds it.
std::string lease_json(const Lease& lease);
/// Parses a lease file's text; an error says what is wrong with it.
Result<Lease> parse_lease(const std::string& text);

/// The start time of process `pid` in clock ticks since boot (Linux), or
/// nullopt where it cannot be read.
std::optional<std::uint64_t> process_start_ticks(long pid);
/// True when the lease's holder still runs: the pid exists and, where the
/// start time was recorded, it is the same process (not a reused pid).
bool holder_alive(const Lease& lease);

/// Checks a lease request before anything is allocated: a port range of 0
/// or larger than the pool, an empty named lease.
Result<void> check_request(const LeaseRequest& request);

/// Tells whether a local TCP port can be bound now (127.0.0.1 and the
/// wildcard address); the allocator's default probe.
bool port_bindable(std::uint32_t port);

/// Picks the lowest range of `size` ports in the pool that overlaps no
/// `taken` range and whose every port passes `probe`. Pure apart from the
/// probe, so it is unit-testable.
Result<std::pair<std::uint32_t, std::uint32_t>>
find_port_range(std::uint32_t size, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& taken,
                bool (*probe)(std::uint32_t));

/// What a lease index operation noticed besides its result (a corrupt lease
/// file ignored and removed, stale holders pruned).
struct IndexNotes
{
  std::vector<std::string> warnings;
  std::vector<std::string> pruned; // invocation ids of stale leases removed
};

class LeaseIndex
{
public:
  /// The index in `dir` (<config>/invocation-leases).
  explicit LeaseIndex(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  /// Under the index lock: prunes stale leases and drops corrupt files, then
  /// refuses a held named lease (naming the holder), allocates a port range
  /// (bind-probed) and writes `lease` with them filled in.
  Result<Lease> acquire(Lease lease, const LeaseRequest& request, IndexNotes& notes,
                        bool (*probe)(std::uint32_t) = port_bindable);
  /// Removes the lease of `invocation_id` (under the lock).
  void release(const std::string& invocation_id);
  /// The leases whose holders still run, read without pruning (for
  /// `doctor resources`); corrupt files are skipped.
  std::vector<Lease> live() const;

  const std::filesystem::path& dir() const { return m_dir; }

private:
  std::filesystem::path m_dir;
};

} // namespace hb::invocation

#pragma once
// One bench child's isolation (bench.md "Invocation Isolation"): its short
// id, its state / artifact / tmp directories under the runtime root, its
// lease (ports, named leases), the HOMEBOY_INVOCATION_* variables, and the
// teardown that first preserves its artifacts into the run's directory.

#include "invocation/leases.hpp"
#include "invocation/runtime_root.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hb::invocation {

struct Options
{
  std::filesystem::path config_root; // leases go to <config_root>/invocation-leases
  RootInputs root_inputs = RootInputs::from_environment();
  LeaseRequest request;
  std::string run_id;       // recorded in the lease, for the holder's description
  std::string component_id;
};

/// What preserve() copied out of the artifact dir.
struct Preserved
{
  std::filesystem::path dir;          // <dest>/<id>; empty when nothing was there
  std::vector<std::string> files;     // relative paths copied
  std::vector<std::string> skipped;   // symbolic links and special files, not followed
};

class Invocation
{
public:
  /// Checks the request and the path budget, creates the root (checked),
  /// takes the lease, then creates the three directories. An error means
  /// nothing is left behind.
  static Result<Invocation> acquire(const Options& options, IndexNotes& notes);

  Invocation(Invocation&& other) noexcept;
  Invocation& operator=(Invocation&&) = delete;
  Invocation(const Invocation&) = delete;
  ~Invocation();

  const std::string& id() const { return m_lease.invocation_id; }
  const Lease& lease() const { return m_lease; }
  const std::filesystem::path& state_dir() const { return m_state; }
  const std::filesystem::path& artifact_dir() const { return m_artifacts; }
  const std::filesystem::path& tmp_dir() const { return m_tmp; }

  /// The HOMEBOY_INVOCATION_* variables (and TMPDIR) for the child.
  std::vector<std::pair<std::string, std::string>> env() const;
  /// HOMEBOY_INVOCATION_CONTEXT_JSON: the same facts as one JSON object.
  std::string context_json() const;

  /// Copies the artifact dir's files to <dest>/<id>/ with a manifest.json
  /// (path, size, sha256 of each), symbolic links not followed.
  Result<Preserved> preserve(const std::filesystem::path& dest) const;
  /// Removes the three directories and releases the lease (also done on
  /// destruction).
  void release();

private:
  Invocation() = default;
  std::filesystem::path m_config_root;
  std::filesystem::path m_state, m_artifacts, m_tmp;
  Lease m_lease;
  bool m_released = true;
};

/// A fresh short id: k_short_id_length lower-case hex characters.
std::string short_id();

} // namespace hb::invocation

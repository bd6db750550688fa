#pragma once
// `homeboy store copy --from STORE --to STORE`: moving a local store into
// the shared one (docs/fleet.md). Every run with everything recorded for it
// (scenarios, metrics with samples, artifacts with their files, findings,
// trace spans, events, earlier attempts), in batches, each batch one
// transaction on the destination; a run the destination has already is
// skipped, so a copy that was interrupted, or is made twice, ends with each
// run once. Runs not yet settled in the source are left for a later copy.
//
// Threads: one; it opens its own two stores.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace hb::app {

struct CopyRequest
{
  /// sqlite:PATH or postgres://user@host:port/db, for each side.
  std::string from;
  std::string to;
  /// This host's artifact root (Paths::artifact_root): the default of both
  /// roots below where they need one.
  std::filesystem::path host_artifact_root;
  /// Where the source's file artifacts live (empty: `artifacts` beside a
  /// sqlite: file, this host's root for postgres:), and where the
  /// destination keeps them (empty: this host's root, which for a shared
  /// store should be a directory every host mounts).
  std::filesystem::path from_artifact_root;
  std::filesystem::path to_artifact_root;
  std::size_t batch = 500; // runs per transaction
};

struct CopyReport
{
  std::size_t runs_total = 0; // in the source
  std::size_t runs_copied = 0;
  std::size_t runs_present = 0; // the destination had them already
  /// Queued or running in the source: left out (their record is still
  /// changing, and a queued run copied could run twice); a later copy
  /// takes them once they have settled.
  std::size_t runs_active = 0;
  std::size_t artifacts = 0, files_copied = 0, metrics = 0, findings = 0, trace_spans = 0,
              events = 0, attempts = 0;
  std::uint64_t bytes_copied = 0;
};

/// Called after each batch with the counts so far.
using CopyProgress = std::function<void(const CopyReport&)>;

Result<CopyReport> copy_store(const CopyRequest& request, const CopyProgress& progress);

/// The store.copy payload.
Json copy_payload(const CopyRequest& request, const CopyReport& report);

} // namespace hb::app

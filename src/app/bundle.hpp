#pragma once
// Portable bundles of runs: `homeboy runs export` and `homeboy runs import`
// (docs/runs.md, "Bundles"). The v1 directory format of the original tool
// (compat.md, "Export bundle (v1)"), plus homeboy_extras.json for what that
// format has no field for (exact status and lifecycle, scenarios, metrics,
// artifact labels).

#include "app/runs_service.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

struct ExportRequest
{
  std::vector<std::string> run_ids; // ids or unique prefixes; or:
  std::optional<TimeMs> since;      // every run created since
  std::filesystem::path output;     // a new, empty or earlier bundle directory
  bool with_bytes = false;          // copy file artifacts' bytes into the bundle
  std::string homeboy_version;      // for the manifest
};

struct ExportReport
{
  std::filesystem::path output;
  bool replaced = false; // an earlier bundle at `output` was replaced
  std::size_t runs = 0, artifacts = 0, artifact_bytes = 0, metadata_only = 0, trace_spans = 0,
              findings = 0, test_failures = 0;
  std::vector<std::string> warnings; // e.g. a file whose bytes changed since the run
};

/// Writes the bundle to a temporary directory beside `output` and moves it
/// into place only when complete. Runs are written newest first; the
/// manifest's created_at is the newest time of any record in the bundle, so
/// exporting the same runs again gives the same bytes.
Result<ExportReport> export_bundle(OpenStore& store, const ExportRequest& request);

struct ImportCounts
{
  std::size_t imported = 0;
  std::size_t already_present = 0;
};

struct ImportReport
{
  std::filesystem::path input;
  ImportCounts runs, artifacts, trace_spans, findings;
  std::size_t artifact_bytes_copied = 0;
  bool original_format = false; // no homeboy_extras.json (e.g. the original tool's bundle)
  bool changed() const
  {
    return runs.imported + artifacts.imported + trace_spans.imported + findings.imported > 0;
  }
};

/// Validates the whole bundle (JSON, counts, paths, sha256 of every byte
/// file) before it writes anything, then imports it in one transaction:
/// records already present and identical are counted, a record whose id is
/// present with other content fails the import (`import.conflict`, naming
/// the run, the record and the field) and nothing is written. Artifact bytes
/// go to <artifact root>/<run id>/imported/<artifact id>/<name>.
Result<ImportReport> import_bundle(OpenStore& store, const std::filesystem::path& input);

/// The runs.export and runs.import payloads.
Json export_payload(const ExportReport& report, bool with_bytes);
Json import_payload(const ImportReport& report);

} // namespace hb::app

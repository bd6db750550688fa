#pragma once
// Internals of `runs import` (app/bundle.hpp's import_bundle), shared by its
// files: bundle_import_read.cpp reads the bundle directory and its files,
// bundle_import_records.cpp turns their records into model types,
// bundle_import_compare.cpp compares a record with the store's copy, and
// bundle_import.cpp writes it all in one transaction. Include only from
// those files.

#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace hb::app::bundle_import {

/// `auto var = *expr;` where `expr` is a Result, returning its error first.
#define HB_TRY(var, expr)                                                                          \
  auto var##_r = (expr);                                                                           \
  if (!var##_r) return Unexpected(var##_r.error());                                                \
  auto var = std::move(*var##_r)

/// An `import.invalid_bundle` error: "<where>: <what>; nothing was imported".
Unexpected<Error> bad(const std::string& where, const std::string& what);

/// A run as the bundle has it, with its scenarios and metrics when
/// homeboy_extras.json lists it.
struct BundleRun
{
  Run run;
  bool has_extras = false;
  std::string portable_status; // as the bundle says, for bundles without extras
  std::vector<std::string> scenario_ids;
  std::vector<MetricRow> metrics;
};

/// An artifact as the bundle has it, with its checked byte file if any.
struct BundleArtifact
{
  Artifact artifact;
  bool label_known = false;
  std::optional<std::filesystem::path> bytes; // the byte file in the bundle, checked
  std::string stored_name;                    // file name under the artifact root
};

/// Every record of a bundle, read and checked, nothing written yet.
struct Bundle
{
  std::vector<BundleRun> runs;
  std::vector<BundleArtifact> artifacts;
  std::vector<Finding> findings;
  std::vector<TraceSpan> spans;
  bool has_extras = false;
};

// --- reading (bundle_import_read.cpp) ---------------------------------------

/// Reads and checks the whole bundle in `dir` (manifest, record files, byte
/// files, the manifest's counts); touches no store.
Result<Bundle> read_bundle(const std::filesystem::path& dir);

// --- records (bundle_import_records.cpp) ------------------------------------

/// Appends runs.json's runs to `b`, each with its entry of `extras`
/// (homeboy_extras.json, or null) when it has one.
Result<void> read_runs(const Json& runs, const Json& extras, Bundle& b);

/// Appends artifacts.json's artifacts to `b`, each with its byte file from
/// `bytes` (artifact_bytes.json, files under `dir`) checked against its sha256
/// and size, and its label from `extras`.
Result<void> read_artifacts(const std::filesystem::path& dir, const Json& artifacts,
                            const Json& bytes, const Json& extras, Bundle& b);

/// Appends trace_spans.json's spans to `b`.
Result<void> read_spans(const Json& spans, Bundle& b);

/// Appends the findings of `list` (the file `name`: findings.json, or its
/// subset test_failures.json) whose ids are not yet in `ids` to `b`.
Result<void> read_findings(const Json& list, const char* name,
                           std::unordered_set<std::string>& ids, Bundle& b);

// --- comparing with the store (bundle_import_compare.cpp) -------------------

/// Fine when the store's run `ours` equals the bundle's; otherwise
/// `import.conflict` naming the first field that differs.
Result<void> compare_run(ImportWriter& w, const Run& ours, const BundleRun& b);

/// The same for an artifact (a bundle's stand-in for a local file counts as
/// the same artifact).
Result<void> compare_artifact(const Artifact& ours, const BundleArtifact& b);

/// The same for a finding.
Result<void> compare_finding(const Finding& ours, const Finding& theirs);

/// The same for a trace span.
Result<void> compare_span(const TraceSpan& ours, const TraceSpan& theirs);

} // namespace hb::app::bundle_import

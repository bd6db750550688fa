// homeboy runs import <dir>: read and check the whole bundle first
// (bundle_import_read.cpp, bundle_import_records.cpp), then write it in one
// store transaction, in which a record the store already has must be the
// same (bundle_import_compare.cpp). Also the runs.import payload.

#include "app/bundle.hpp"
#include "app/bundle_import_internal.hpp"
#include "util/file_placer.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <optional>
#include <unordered_map>

namespace hb::app {

namespace {

namespace stdfs = std::filesystem;
using namespace bundle_import;

// Where an imported artifact's bytes go under the artifact root.
stdfs::path
byte_target(const stdfs::path& root, const BundleArtifact& b)
{
  const Artifact& a = b.artifact;
  return root / fs::injective_path_segment(a.run_id) / "imported"
         / fs::injective_path_segment(a.id) / b.stored_name;
}

} // namespace

Result<ImportReport>
import_bundle(OpenStore& open, const stdfs::path& input)
{
  auto bundle = read_bundle(input);
  if (!bundle) return Unexpected(bundle.error());
  const Bundle& b = *bundle;

  std::unordered_map<std::string, TimeMs> run_created;
  for (const auto& r : b.runs) run_created[r.run.id] = r.run.created_at;

  ImportReport report;
  report.input = stdfs::absolute(input).lexically_normal();
  report.original_format = !b.has_extras;
  fs::FilePlacer placer(open.paths.artifact_root);
  std::size_t bytes_copied = 0;
  auto body = [&](ImportWriter& w) -> Result<void> {
    // The body runs again from the start if the store was busy.
    report.runs = report.artifacts = report.trace_spans = report.findings = ImportCounts{};
    for (const auto& r : b.runs) {
      auto existing = w.find_run(r.run.id);
      if (!existing) return Unexpected(existing.error());
      if (*existing) {
        if (auto ok = compare_run(w, **existing, r); !ok) return ok;
        ++report.runs.already_present;
      } else {
        if (auto ok = w.insert_run(r.run, r.scenario_ids, r.metrics); !ok) return ok;
        ++report.runs.imported;
      }
    }
    // Records of runs not in the bundle must belong to runs in the store.
    std::unordered_map<std::string, std::optional<TimeMs>> other_runs;
    auto owner = [&](const std::string& run_id, const std::string& record) -> Result<TimeMs> {
      if (auto it = run_created.find(run_id); it != run_created.end()) return it->second;
      auto [it, fresh] = other_runs.try_emplace(run_id);
      if (fresh) {
        auto run = w.find_run(run_id);
        if (!run) return Unexpected(run.error());
        if (*run) it->second = (*run)->created_at;
      }
      if (!it->second) {
        return make_error("import.invalid_bundle",
                          fmt::format("{} belongs to run {}, which is neither in the bundle nor in "
                                      "the store; nothing was imported",
                                      record, run_id));
      }
      return *it->second;
    };
    for (const auto& ba : b.artifacts) {
      const Artifact& a = ba.artifact;
      if (auto ok = owner(a.run_id, "artifact " + a.id); !ok) return Unexpected(ok.error());
      auto existing = w.find_artifact(a.id);
      if (!existing) return Unexpected(existing.error());
      if (*existing) {
        if (auto ok = compare_artifact(**existing, ba); !ok) return ok;
        ++report.artifacts.already_present;
        continue;
      }
      Artifact stored = a;
      if (ba.bytes) {
        const stdfs::path target = byte_target(open.paths.artifact_root, ba);
        auto placed = placer.place(*ba.bytes, target, ba.artifact.sha256, "artifact bytes");
        if (!placed) return Unexpected(placed.error());
        bytes_copied += *placed;
        stored.path = target.string();
      }
      if (auto ok = w.insert_artifact(stored); !ok) return ok;
      ++report.artifacts.imported;
    }
    for (const auto& t : b.spans) {
      auto created = owner(t.run_id, "trace span " + t.id);
      if (!created) return Unexpected(created.error());
      auto existing = w.find_trace_span(t.id);
      if (!existing) return Unexpected(existing.error());
      if (*existing) {
        if (auto ok = compare_span(**existing, t); !ok) return ok;
        ++report.trace_spans.already_present;
        continue;
      }
      TraceSpan stored = t;
      stored.created_at = *created;
      if (auto ok = w.insert_trace_span(stored); !ok) return ok;
      ++report.trace_spans.imported;
    }
    for (const auto& f : b.findings) {
      if (auto ok = owner(f.run_id, "finding " + f.id); !ok) return Unexpected(ok.error());
      auto existing = w.find_finding(f.id);
      if (!existing) return Unexpected(existing.error());
      if (*existing) {
        if (auto ok = compare_finding(**existing, f); !ok) return ok;
        ++report.findings.already_present;
        continue;
      }
      if (auto ok = w.insert_finding(f); !ok) return ok;
      ++report.findings.imported;
    }
    return {};
  };
  if (auto ok = open.store->import_transaction(body); !ok) return Unexpected(ok.error());
  placer.keep();
  report.artifact_bytes_copied = bytes_copied;
  return report;
}

Json
import_payload(const ImportReport& r)
{
  auto counts = [](const ImportCounts& c) {
    return Json{{"imported", c.imported}, {"already_present", c.already_present}};
  };
  return Json{{"command", "runs.import"},
              {"input", r.input.string()},
              {"format", r.original_format ? "v1" : "v1+homeboy_extras"},
              {"changed", r.changed()},
              {"runs", counts(r.runs)},
              {"artifacts", counts(r.artifacts)},
              {"artifact_bytes_copied", r.artifact_bytes_copied},
              {"trace_spans", counts(r.trace_spans)},
              {"findings", counts(r.findings)}};
}

} // namespace hb::app

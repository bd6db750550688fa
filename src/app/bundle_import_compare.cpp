// runs import, step three: a record whose id the store already has must be
// the same record. Compares it field by field with the store's copy; a
// difference is an `import.conflict` naming the record and the first field.

#include "app/bundle_format.hpp"
#include "app/bundle_import_internal.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

namespace hb::app::bundle_import {

using namespace bundle;

namespace {

Unexpected<Error>
conflict(const std::string& record, const std::string& id, const std::string& run_id,
         const std::string& field, const std::string& ours, const std::string& theirs)
{
  Json details = {{"record", record}, {"id", id}, {"run_id", run_id}, {"field", field},
                  {"store_value", ours}, {"bundle_value", theirs}};
  std::string subject = record == "run" ? fmt::format("run {}", run_id)
                                        : fmt::format("{} {} of run {}", record, id, run_id);
  return make_error("import.conflict",
                    fmt::format("conflict: {} is already in the store with a different `{}` (store: "
                                "{}, bundle: {}); nothing was imported. The bundle and this store "
                                "disagree about the same record: remove one of them, or import "
                                "into another data directory (HOMEBOY_DATA_DIR)",
                                subject, field, ours.size() > 200 ? ours.substr(0, 200) + "..." : ours,
                                theirs.size() > 200 ? theirs.substr(0, 200) + "..." : theirs),
                    dump_json(details));
}

std::string
show_time(const std::optional<TimeMs>& t)
{
  return t ? format_rfc3339(*t) : "null";
}
template <class T>
std::string
show(const std::optional<T>& v)
{
  return v ? fmt::format("{}", *v) : "null";
}
std::string
show(const std::string& s)
{
  return s.empty() ? "null" : s;
}

// Stored JSON text as the bundle writes it (keys sorted), so key order and
// spacing do not count as a difference. `drop` is left out on both sides.
std::string
canonical(const std::string& text, const char* drop = nullptr)
{
  Json parsed = parse_stored(text);
  if (drop && parsed.is_object()) parsed.erase(drop);
  return dump_json(sorted(parsed));
}

class Checker
{
public:
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> diffs;
  template <class T>
  void field(const char* name, const T& ours, const T& theirs)
  {
    if (diffs.empty() && !(ours == theirs)) diffs.push_back({name, {show(ours), show(theirs)}});
  }
  void time(const char* name, const std::optional<TimeMs>& ours, const std::optional<TimeMs>& theirs)
  {
    if (diffs.empty() && ours != theirs) diffs.push_back({name, {show_time(ours), show_time(theirs)}});
  }
  void text(const char* name, const std::string& ours, const std::string& theirs)
  {
    if (diffs.empty() && ours != theirs) diffs.push_back({name, {show(ours), show(theirs)}});
  }
  /// The conflict on the first field that differs, if any.
  Result<void> outcome(const std::string& record, const std::string& id,
                       const std::string& run_id) const
  {
    if (diffs.empty()) return {};
    const auto& [field, values] = diffs.front();
    return conflict(record, id, run_id, field, values.first, values.second);
  }
};

std::string
show_list(const std::vector<std::string>& items)
{
  return fmt::format("[{}]", fmt::join(items, ", "));
}

} // namespace

Result<void>
compare_run(ImportWriter& w, const Run& ours, const BundleRun& b)
{
  const Run& theirs = b.run;
  Checker c;
  c.text("kind", ours.kind, theirs.kind);
  c.text("component_id", ours.component_id, theirs.component_id);
  c.text("rig_id", ours.rig_id, theirs.rig_id);
  c.text("command", ours.command, theirs.command);
  c.text("cwd", ours.cwd, theirs.cwd);
  c.text("git_sha", ours.git_sha, theirs.git_sha);
  c.text("homeboy_version", ours.homeboy_version, theirs.homeboy_version);
  c.time("finished_at", ours.finished_at, theirs.finished_at);
  if (b.has_extras) {
    c.text("status", to_string(ours.status), to_string(theirs.status));
    c.time("created_at", std::optional<TimeMs>(ours.created_at), std::optional<TimeMs>(theirs.created_at));
    c.time("started_at", ours.started_at, theirs.started_at);
    c.time("heartbeat_at", ours.heartbeat_at, theirs.heartbeat_at);
    c.text("lease_owner", ours.lease_owner, theirs.lease_owner);
    c.field("lease_epoch", std::optional<std::int64_t>(ours.lease_epoch),
            std::optional<std::int64_t>(theirs.lease_epoch));
    c.time("deadline_at", ours.deadline_at, theirs.deadline_at);
    c.time("cancel_requested_at", ours.cancel_requested_at, theirs.cancel_requested_at);
    c.text("terminal_reason", ours.terminal_reason, theirs.terminal_reason);
    c.field("exit_code", ours.exit_code, theirs.exit_code);
    c.field("owner_pid", ours.owner_pid, theirs.owner_pid);
    c.field("owner_start_time", ours.owner_start_time, theirs.owner_start_time);
    c.time("eligible_at", ours.eligible_at, theirs.eligible_at);
    c.time("retained_until", ours.retained_until, theirs.retained_until);
    c.time("promoted_at", ours.promoted_at, theirs.promoted_at);
  } else {
    // The original format's view of the run.
    c.text("status", portable_status(ours.status, ours.terminal_reason), b.portable_status);
    c.time("started_at", std::optional<TimeMs>(ours.started_at.value_or(ours.created_at)),
            theirs.started_at);
  }
  c.text("metadata_json", canonical(ours.metadata_json), theirs.metadata_json);
  if (b.has_extras && c.diffs.empty()) {
    auto scenarios = w.run_scenarios(ours.id);
    if (!scenarios) return Unexpected(scenarios.error());
    auto wanted = b.scenario_ids;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    c.text("scenario_ids", show_list(*scenarios), show_list(wanted));
    auto metrics = w.run_metrics(ours.id);
    if (!metrics) return Unexpected(metrics.error());
    auto key = [](const MetricRow& m) { return std::tie(m.scenario_id, m.name); };
    auto theirs_metrics = b.metrics;
    std::sort(theirs_metrics.begin(), theirs_metrics.end(),
              [&](const MetricRow& x, const MetricRow& y) { return key(x) < key(y); });
    auto describe = [](const std::vector<MetricRow>& rows) {
      std::string out;
      for (const auto& m : rows) {
        out += fmt::format("{}/{}={} ({} samples); ", m.scenario_id, m.name, m.value, m.samples.size());
      }
      return out.empty() ? std::string("none") : out;
    };
    bool same = metrics->size() == theirs_metrics.size();
    for (std::size_t i = 0; same && i < metrics->size(); ++i) {
      const auto& x = (*metrics)[i];
      const auto& y = theirs_metrics[i];
      same = x.scenario_id == y.scenario_id && x.name == y.name && x.value == y.value &&
             x.samples == y.samples;
    }
    if (!same) c.text("metrics", describe(*metrics), describe(theirs_metrics));
  }
  return c.outcome("run", ours.id, ours.id);
}

Result<void>
compare_artifact(const Artifact& ours, const BundleArtifact& b)
{
  const Artifact& theirs = b.artifact;
  Checker c;
  c.text("run_id", ours.run_id, theirs.run_id);
  c.text("kind", ours.kind, theirs.kind);
  // A bundle carries a stand-in for a local file (metadata-only, or its
  // bytes under bundle://): the same artifact, even though type and path
  // differ from the store's, and its digest is only compared when the store
  // has one.
  bool stand_in = b.bytes || theirs.type == "metadata-only";
  bool ours_local = ours.type == "file" || ours.type == "directory" || ours.type == "metadata-only";
  if (!(stand_in && ours_local)) {
    c.text("type", ours.type, theirs.type);
    c.text("path", ours.path, theirs.path);
  }
  if (!(stand_in && ours.sha256.empty())) c.text("sha256", ours.sha256, theirs.sha256);
  if (!(stand_in && !ours.size_bytes)) c.field("size_bytes", ours.size_bytes, theirs.size_bytes);
  c.text("url", ours.url, theirs.url);
  c.text("mime", ours.mime, theirs.mime);
  if (b.label_known) c.text("label", ours.label, theirs.label);
  c.time("created_at", std::optional<TimeMs>(ours.created_at), std::optional<TimeMs>(theirs.created_at));
  c.text("metadata_json", canonical(ours.metadata_json, "portable_bundle"),
         canonical(theirs.metadata_json, "portable_bundle"));
  return c.outcome("artifact", ours.id, theirs.run_id);
}

Result<void>
compare_finding(const Finding& ours, const Finding& theirs)
{
  Checker c;
  c.text("run_id", ours.run_id, theirs.run_id);
  c.text("tool", ours.tool, theirs.tool);
  c.text("rule", ours.rule, theirs.rule);
  c.text("category", ours.category, theirs.category);
  c.text("severity", ours.severity, theirs.severity);
  c.text("message", ours.message, theirs.message);
  c.text("file", ours.file, theirs.file);
  c.field("line", ours.line, theirs.line);
  c.field("column", ours.column, theirs.column);
  c.text("fingerprint", ours.fingerprint, theirs.fingerprint);
  c.time("created_at", std::optional<TimeMs>(ours.created_at), std::optional<TimeMs>(theirs.created_at));
  c.text("metadata", canonical(ours.metadata_json), theirs.metadata_json);
  return c.outcome("finding", ours.id, theirs.run_id);
}

Result<void>
compare_span(const TraceSpan& ours, const TraceSpan& theirs)
{
  Checker c;
  c.text("run_id", ours.run_id, theirs.run_id);
  c.text("span_id", ours.span_id, theirs.span_id);
  c.text("status", ours.status, theirs.status);
  c.field("duration_ms", ours.duration_ms, theirs.duration_ms);
  c.text("from_event", ours.from_event, theirs.from_event);
  c.text("to_event", ours.to_event, theirs.to_event);
  c.text("metadata_json", canonical(ours.metadata_json), theirs.metadata_json);
  return c.outcome("trace span", ours.id, theirs.run_id);
}

} // namespace hb::app::bundle_import

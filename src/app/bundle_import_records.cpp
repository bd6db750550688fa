// runs import, step two: the records of a bundle's files as model types.
// Every field is checked (type, presence, id shape, timestamps), and errors
// name the file, the index and the field; byte files are checked against
// their recorded sha256 and size. Nothing is written.

#include "app/bundle_format.hpp"
#include "app/bundle_import_internal.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"
#include "util/text.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace hb::app::bundle_import {

namespace stdfs = std::filesystem;
using namespace bundle;

namespace {

// Field readers for one record: errors name the file, the index and the
// field ("runs.json[2].started_at: ...").
/// Longest run, artifact, finding or span id an import accepts (a UUID has 36).
constexpr std::size_t k_max_id_bytes = 80;

class Fields
{
public:
  Fields(const Json& object, std::string where) : m_object(object), m_where(std::move(where)) {}

  const std::string& where() const { return m_where; }

  Result<std::string> text(const char* key, bool required = true) const
  {
    auto it = m_object.find(key);
    if (it == m_object.end() || it->is_null()) {
      if (required) return bad(m_where, fmt::format("`{}` is missing", key));
      return std::string();
    }
    if (!it->is_string()) {
      return bad(m_where, fmt::format("`{}` must be a string, not {}", key, json_type_name(*it)));
    }
    std::string value = it->get<std::string>();
    if (required && value.empty()) return bad(m_where, fmt::format("`{}` is empty", key));
    return value;
  }

  /// A record id: it names directories under the artifact root (percent-
  /// encoded, so distinct ids never share one) and is echoed in messages.
  Result<std::string> identifier(const char* key) const
  {
    auto value = text(key, true);
    if (!value) return Unexpected(value.error());
    if (value->size() > k_max_id_bytes) {
      return bad(m_where, fmt::format("`{}` is {} bytes long; ids have at most {} ({})", key,
                                      value->size(), k_max_id_bytes,
                                      truncate_for_message(*value, 40)));
    }
    for (unsigned char c : *value) {
      if (c < 0x20 || c == 0x7f) {
        return bad(m_where, fmt::format("`{}` contains a control character ({}); ids must be "
                                        "printable",
                                        key, truncate_for_message(*value, 40)));
      }
    }
    return value;
  }

  Result<std::optional<TimeMs>> time(const char* key, bool required) const
  {
    auto value = text(key, required);
    if (!value) return Unexpected(value.error());
    if (value->empty()) return std::optional<TimeMs>();
    auto t = parse_rfc3339(*value);
    if (!t) {
      return bad(m_where, fmt::format("`{}` is `{}`, not an RFC 3339 timestamp", key,
                                      truncate_for_message(*value, 40)));
    }
    return std::optional<TimeMs>(*t);
  }

  Result<std::optional<std::int64_t>> integer(const char* key) const
  {
    auto it = m_object.find(key);
    if (it == m_object.end() || it->is_null()) return std::optional<std::int64_t>();
    if (!it->is_number_integer()) {
      return bad(m_where, fmt::format("`{}` must be an integer, not {}", key,
                                      truncate_for_message(dump_json(*it), 40)));
    }
    return std::optional<std::int64_t>(it->get<std::int64_t>());
  }

  /// An object (sorted, as stored) or `{}` for null/missing.
  Result<Json> object(const char* key) const
  {
    auto it = m_object.find(key);
    if (it == m_object.end() || it->is_null()) return Json::object();
    if (!it->is_object()) {
      return bad(m_where, fmt::format("`{}` must be an object, not {}", key, json_type_name(*it)));
    }
    return sorted(*it);
  }

  const Json* get(const char* key) const
  {
    auto it = m_object.find(key);
    return it == m_object.end() || it->is_null() ? nullptr : &*it;
  }

private:
  const Json& m_object;
  std::string m_where;
};

Result<void>
read_run_extras(const Json& e, BundleRun& r)
{
  Fields f(e, fmt::format("{} run {}", k_extras_file, r.run.id));
  Run& run = r.run;
  HB_TRY(status_text, f.text("status"));
  auto status = parse_run_status(status_text);
  if (!status) return bad(f.where(), fmt::format("unknown status `{}`", status_text));
  run.status = *status;
  HB_TRY(created, f.time("created_at", true));
  run.created_at = *created;
  HB_TRY(started, f.time("started_at", false));
  run.started_at = started;
  HB_TRY(heartbeat, f.time("heartbeat_at", false));
  run.heartbeat_at = heartbeat;
  HB_TRY(lease_owner, f.text("lease_owner", false));
  run.lease_owner = lease_owner;
  HB_TRY(epoch, f.integer("lease_epoch"));
  run.lease_epoch = epoch.value_or(0);
  HB_TRY(deadline, f.time("deadline_at", false));
  run.deadline_at = deadline;
  HB_TRY(cancel, f.time("cancel_requested_at", false));
  run.cancel_requested_at = cancel;
  HB_TRY(reason, f.text("terminal_reason", false));
  run.terminal_reason = reason;
  HB_TRY(exit_code, f.integer("exit_code"));
  run.exit_code = exit_code ? std::optional<int>(static_cast<int>(*exit_code)) : std::nullopt;
  HB_TRY(pid, f.integer("owner_pid"));
  run.owner_pid = pid ? std::optional<int>(static_cast<int>(*pid)) : std::nullopt;
  HB_TRY(start_time, f.integer("owner_start_time"));
  run.owner_start_time = start_time ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*start_time))
                                    : std::nullopt;
  HB_TRY(eligible, f.time("eligible_at", false));
  run.eligible_at = eligible;
  HB_TRY(retained, f.time("retained_until", false));
  run.retained_until = retained;
  HB_TRY(promoted, f.time("promoted_at", false));
  run.promoted_at = promoted;
  if (const Json* list = f.get("scenario_ids")) {
    if (!list->is_array()) return bad(f.where(), "`scenario_ids` must be an array of strings");
    for (const auto& s : *list) {
      if (!s.is_string()) return bad(f.where(), "`scenario_ids` must be an array of strings");
      r.scenario_ids.push_back(s.get<std::string>());
    }
  }
  if (const Json* list = f.get("metrics")) {
    if (!list->is_array()) return bad(f.where(), "`metrics` must be an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& m = (*list)[i];
      std::string where = fmt::format("{} metrics[{}]", f.where(), i);
      if (!m.is_object()) return bad(where, "must be an object");
      Fields mf(m, where);
      HB_TRY(scenario, mf.text("scenario_id"));
      HB_TRY(name, mf.text("name"));
      const Json* value = mf.get("value");
      if (!value || !value->is_number()) return bad(where, "`value` must be a number");
      MetricRow row{scenario, name, value->get<double>(), {}};
      if (const Json* samples = mf.get("samples")) {
        if (!samples->is_array()) return bad(where, "`samples` must be an array of numbers");
        for (const auto& s : *samples) {
          if (!s.is_number()) return bad(where, "`samples` must be an array of numbers");
          row.samples.push_back(s.get<double>());
        }
      }
      r.metrics.push_back(std::move(row));
    }
  }
  r.has_extras = true;
  return {};
}

struct ByteEntry
{
  std::string path;
  std::string sha256;
  std::uint64_t size = 0;
  bool archive = false;
  stdfs::path file;
  bool used = false;
};

} // namespace

Result<void>
read_runs(const Json& runs, const Json& extras, Bundle& b)
{
  std::unordered_map<std::string, const Json*> extra_by_id;
  if (!extras.is_null()) {
    if (!extras.is_object() || json_member_or(extras, "format", "") != k_extras_format) {
      return bad(k_extras_file, fmt::format("`format` must be \"{}\"", k_extras_format));
    }
    if (json_member_or(extras, "version", -1) != k_extras_version) {
      return make_error("import.unsupported_version",
                        fmt::format("{}: version {} is not one this homeboy reads (it reads {}); "
                                    "nothing was imported",
                                    k_extras_file, dump_json(json_member_or(extras, "version", Json())),
                                    k_extras_version));
    }
    b.has_extras = true;
    const Json* list = extras.contains("runs") ? &extras["runs"] : nullptr;
    if (!list || !list->is_array()) return bad(k_extras_file, "`runs` must be an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& e = (*list)[i];
      if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) {
        return bad(fmt::format("{} runs[{}]", k_extras_file, i), "needs a string `id`");
      }
      extra_by_id[e["id"].get<std::string>()] = &e;
    }
  }
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Fields f(runs[i], fmt::format("runs.json[{}]", i));
    BundleRun r;
    Run& run = r.run;
    HB_TRY(id, f.identifier("id"));
    if (!ids.insert(id).second) return bad(f.where(), fmt::format("run id {} appears twice", id));
    run.id = id;
    HB_TRY(kind, f.text("kind"));
    run.kind = kind;
    HB_TRY(component, f.text("component_id", false));
    run.component_id = component;
    HB_TRY(started, f.time("started_at", true));
    HB_TRY(finished, f.time("finished_at", false));
    HB_TRY(status_text, f.text("status"));
    auto status = status_from_portable(status_text);
    if (!status) {
      return bad(f.where(), fmt::format("run {} has the unknown status `{}` (known: running, "
                                        "pass, fail, error, stale, skipped, handed_off)",
                                        id, status_text));
    }
    r.portable_status = portable_status(status->status, status->terminal_reason);
    HB_TRY(command, f.text("command", false));
    HB_TRY(cwd, f.text("cwd", false));
    HB_TRY(version, f.text("homeboy_version", false));
    HB_TRY(sha, f.text("git_sha", false));
    HB_TRY(rig, f.text("rig_id", false));
    HB_TRY(metadata, f.object("metadata_json"));
    run.command = command;
    run.cwd = cwd;
    run.homeboy_version = version;
    run.git_sha = sha;
    run.rig_id = rig;
    run.created_at = *started;
    run.started_at = started;
    run.finished_at = finished;
    run.status = status->status;
    run.terminal_reason = status->terminal_reason;
    if (auto code = metadata.find("exit_code"); code != metadata.end() && code->is_number_integer()) {
      run.exit_code = static_cast<int>(code->get<std::int64_t>());
    }
    run.metadata_json = dump_json(metadata);
    if (auto it = extra_by_id.find(id); it != extra_by_id.end()) {
      if (auto ok = read_run_extras(*it->second, r); !ok) return ok;
      extra_by_id.erase(it);
    }
    b.runs.push_back(std::move(r));
  }
  if (!extra_by_id.empty()) {
    return bad(k_extras_file, fmt::format("run {} is not in runs.json", extra_by_id.begin()->first));
  }
  return {};
}

Result<void>
read_artifacts(const stdfs::path& dir, const Json& artifacts, const Json& bytes,
               const Json& extras, Bundle& b)
{
  std::unordered_map<std::string, std::string> labels;
  if (extras.is_object() && extras.contains("artifacts")) {
    const Json& list = extras["artifacts"];
    if (!list.is_array()) return bad(k_extras_file, "`artifacts` must be an array");
    for (const auto& e : list) {
      if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("label") ||
          !e["label"].is_string()) {
        return bad(k_extras_file, "every `artifacts` entry needs a string `id` and `label`");
      }
      labels[e["id"].get<std::string>()] = e["label"].get<std::string>();
    }
  }
  // The byte files: inside the bundle (no `..`, no absolute path, no
  // symbolic link), present, and matching their recorded sha256 and size.
  std::unordered_map<std::string, ByteEntry> byte_by_artifact;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Fields f(bytes[i], fmt::format("artifact_bytes.json[{}]", i));
    HB_TRY(artifact_id, f.text("artifact_id"));
    HB_TRY(path, f.text("path"));
    HB_TRY(sha, f.text("sha256"));
    HB_TRY(size, f.integer("size_bytes"));
    HB_TRY(archive, f.text("archive_format", false));
    if (!size || *size < 0) return bad(f.where(), "`size_bytes` must be a non-negative integer");
    auto file = fs::regular_file_beneath(dir, path);
    if (!file) {
      if (file.error().code == "fs.not_found") {
        return bad(f.where(), fmt::format("the byte file {} of artifact {} is missing from the "
                                          "bundle ({})",
                                          path, artifact_id, file.error().message));
      }
      return bad(f.where(), fmt::format("artifact {}: {}; a bundle's byte files must be inside it",
                                        artifact_id, file.error().message));
    }
    auto digest = fs::digest_file(*file);
    if (!digest) return Unexpected(digest.error());
    if (digest->sha256 != sha || digest->size != static_cast<std::uint64_t>(*size)) {
      return bad(f.where(),
                 fmt::format("the bytes of artifact {} ({}) do not match: sha256 {} and {} bytes "
                             "recorded, sha256 {} and {} bytes in the file; the bundle was "
                             "damaged or edited: export it again",
                             artifact_id, path, sha, *size, digest->sha256, digest->size));
    }
    ByteEntry entry{path, sha, static_cast<std::uint64_t>(*size), !archive.empty(), *file, false};
    if (!byte_by_artifact.emplace(artifact_id, std::move(entry)).second) {
      return bad(f.where(), fmt::format("artifact {} has two byte files", artifact_id));
    }
  }
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    Fields f(artifacts[i], fmt::format("artifacts.json[{}]", i));
    BundleArtifact ba;
    Artifact& a = ba.artifact;
    HB_TRY(id, f.identifier("id"));
    if (!ids.insert(id).second) return bad(f.where(), fmt::format("artifact id {} appears twice", id));
    HB_TRY(run_id, f.text("run_id"));
    HB_TRY(kind, f.text("kind"));
    HB_TRY(type, f.text("type", false));
    HB_TRY(path, f.text("path", false));
    HB_TRY(url, f.text("url", false));
    HB_TRY(sha, f.text("sha256", false));
    HB_TRY(size, f.integer("size_bytes"));
    HB_TRY(mime, f.text("mime", false));
    HB_TRY(metadata, f.object("metadata_json"));
    HB_TRY(created, f.time("created_at", true));
    a.id = id;
    a.run_id = run_id;
    a.kind = kind;
    a.type = type.empty() ? "file" : type;
    a.path = path;
    a.url = url;
    a.sha256 = sha;
    if (size) {
      if (*size < 0) return bad(f.where(), "`size_bytes` must not be negative");
      a.size_bytes = static_cast<std::uint64_t>(*size);
    }
    a.mime = mime;
    a.created_at = *created;
    ba.label_known = extras.is_object();
    if (auto it = labels.find(id); it != labels.end()) a.label = it->second;
    bool local = a.type == "file" || a.type == "directory";
    if (path.rfind(k_bundle_scheme, 0) == 0) {
      std::string relative = path.substr(k_bundle_scheme.size());
      if (auto ok = fs::check_relative_path(relative); !ok) {
        return bad(f.where(), fmt::format("artifact {}: {}; a bundle's byte files must be inside it",
                                          id, ok.error().message));
      }
      auto entry = byte_by_artifact.find(id);
      if (entry == byte_by_artifact.end() || entry->second.path != relative) {
        return bad(f.where(), fmt::format("artifact {} refers to {}, which artifact_bytes.json does "
                                          "not list: the byte file is missing",
                                          id, path));
      }
      if (!sha.empty() && sha != entry->second.sha256) {
        return bad(f.where(), fmt::format("artifact {} records sha256 {} but its byte file has {}",
                                          id, sha, entry->second.sha256));
      }
      entry->second.used = true;
      ba.bytes = entry->second.file;
      std::string name = portable_label(relative, id);
      std::string prefix = fs::safe_path_segment(id) + "-";
      if (name.size() > prefix.size() && name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
      ba.stored_name = fs::safe_path_segment(name);
      a.type = "file";
      a.sha256 = entry->second.sha256;
      a.size_bytes = entry->second.size;
      metadata.erase("portable_bundle"); // described the bundle, not the artifact
    } else if (local && path.find("://") == std::string::npos) {
      return bad(f.where(), fmt::format("{} artifact {} has the local path `{}`, which points "
                                        "outside the bundle; a bundle's file artifacts are "
                                        "bundle://artifact-bytes/... or metadata-only",
                                        a.type, id, path));
    }
    a.metadata_json = dump_json(metadata);
    b.artifacts.push_back(std::move(ba));
  }
  for (const auto& [artifact_id, entry] : byte_by_artifact) {
    if (!entry.used) {
      return bad("artifact_bytes.json",
                 fmt::format("bytes of artifact {} ({}) belong to no artifact in artifacts.json",
                             artifact_id, entry.path));
    }
  }
  return {};
}

Result<void>
read_spans(const Json& spans, Bundle& b)
{
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    Fields f(spans[i], fmt::format("trace_spans.json[{}]", i));
    TraceSpan t;
    HB_TRY(id, f.identifier("id"));
    if (!ids.insert(id).second) return bad(f.where(), fmt::format("trace span id {} appears twice", id));
    HB_TRY(run_id, f.text("run_id"));
    HB_TRY(span_id, f.text("span_id"));
    HB_TRY(status, f.text("status"));
    HB_TRY(from, f.text("from_event", false));
    HB_TRY(to, f.text("to_event", false));
    HB_TRY(metadata, f.object("metadata_json"));
    if (const Json* d = f.get("duration_ms")) {
      if (!d->is_number()) return bad(f.where(), "`duration_ms` must be a number or null");
      t.duration_ms = d->get<double>();
    }
    t.id = id;
    t.run_id = run_id;
    t.span_id = span_id;
    t.status = status;
    t.from_event = from;
    t.to_event = to;
    t.metadata_json = dump_json(metadata);
    b.spans.push_back(std::move(t));
  }
  return {};
}

Result<void>
read_findings(const Json& list, const char* name, std::unordered_set<std::string>& ids, Bundle& b)
{
  bool subset = std::string_view(name) == "test_failures.json";
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields f(list[i], fmt::format("{}[{}]", name, i));
    Finding x;
    HB_TRY(id, f.identifier("id"));
    bool fresh = ids.insert(id).second;
    if (!fresh && !subset) return bad(f.where(), fmt::format("finding id {} appears twice", id));
    HB_TRY(run_id, f.text("run_id"));
    HB_TRY(tool, f.text("tool"));
    HB_TRY(message, f.text("message", false));
    if (!f.get("message")) return bad(f.where(), "`message` is missing");
    HB_TRY(rule, f.text("rule", false));
    HB_TRY(category, f.text("category", false));
    HB_TRY(severity, f.text("severity", false));
    HB_TRY(file, f.text("file", false));
    HB_TRY(fingerprint, f.text("fingerprint", false));
    HB_TRY(line, f.integer("line"));
    HB_TRY(column, f.integer("column"));
    HB_TRY(metadata, f.object("metadata"));
    HB_TRY(created, f.time("created_at", true));
    if (const Json* fixable = f.get("fixable")) {
      if (!fixable->is_boolean()) return bad(f.where(), "`fixable` must be true or false");
      metadata["fixable"] = *fixable;
    }
    for (const char* key : {"producer", "source", "raw"}) {
      if (const Json* value = f.get(key)) metadata[key] = *value;
    }
    if (!fresh) continue; // listed in findings.json too
    x.id = id;
    x.run_id = run_id;
    x.tool = tool;
    x.message = message;
    x.rule = rule;
    x.category = category;
    x.severity = severity;
    x.file = file;
    x.fingerprint = fingerprint;
    x.line = line;
    x.column = column;
    x.created_at = *created;
    x.metadata_json = dump_json(sorted(metadata));
    b.findings.push_back(std::move(x));
  }
  return {};
}

} // namespace hb::app::bundle_import

// homeboy runs import <dir>: read and check the whole bundle first, then
// write it in one store transaction.

#include "app/bundle.hpp"
#include "app/bundle_format.hpp"
#include "util/file_placer.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <map>
#include <tuple>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace hb::app {

namespace {

namespace stdfs = std::filesystem;
using namespace bundle;

Unexpected<Error>
bad(const std::string& where, const std::string& what)
{
  return make_error("import.invalid_bundle",
                    fmt::format("{}: {}; nothing was imported", where, what));
}

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

#define HB_TRY(var, expr)                                                                          \
  auto var##_r = (expr);                                                                           \
  if (!var##_r) return Unexpected(var##_r.error());                                                \
  auto var = std::move(*var##_r)

struct BundleRun
{
  Run run;
  bool has_extras = false;
  std::string portable_status; // as the bundle says, for bundles without extras
  std::vector<std::string> scenario_ids;
  std::vector<MetricRow> metrics;
};

struct BundleArtifact
{
  Artifact artifact;
  bool label_known = false;
  std::optional<stdfs::path> bytes; // the byte file in the bundle, checked
  std::string stored_name;          // file name under the artifact root
};

struct Bundle
{
  std::vector<BundleRun> runs;
  std::vector<BundleArtifact> artifacts;
  std::vector<Finding> findings;
  std::vector<TraceSpan> spans;
  bool has_extras = false;
};

class BundleReader
{
public:
  explicit BundleReader(stdfs::path dir) : m_dir(std::move(dir)) {}

  Result<Bundle> read()
  {
    std::error_code ec;
    auto status = stdfs::status(m_dir, ec);
    if (ec || status.type() == stdfs::file_type::not_found) {
      return make_error("import.not_found",
                        fmt::format("{} does not exist; pass the directory `homeboy runs export "
                                    "--output` wrote; nothing was imported",
                                    m_dir.string()));
    }
    if (status.type() != stdfs::file_type::directory) {
      return make_error("import.invalid_bundle",
                        fmt::format("{} is a file, but a bundle is a directory (zip bundles are "
                                    "not part of the v1 format: unzip it and pass the directory); nothing "
                                    "was imported",
                                    m_dir.string()));
    }
    HB_TRY(manifest, file("manifest.json", true));
    if (auto ok = check_manifest(manifest); !ok) return Unexpected(ok.error());
    HB_TRY(runs, array_file("runs.json", true));
    HB_TRY(artifacts, array_file("artifacts.json", true));
    HB_TRY(bytes, array_file("artifact_bytes.json", false));
    HB_TRY(spans, array_file("trace_spans.json", true));
    HB_TRY(findings, array_file("findings.json", false));
    HB_TRY(failures, array_file("test_failures.json", false));
    HB_TRY(extras, file(k_extras_file, false));

    Bundle b;
    if (auto ok = read_runs(runs, extras, b); !ok) return Unexpected(ok.error());
    if (auto ok = read_artifacts(artifacts, bytes, extras, b); !ok) return Unexpected(ok.error());
    if (auto ok = read_spans(spans, b); !ok) return Unexpected(ok.error());
    std::unordered_set<std::string> finding_ids;
    if (auto ok = read_findings(findings, "findings.json", finding_ids, b); !ok) return Unexpected(ok.error());
    // test_failures.json is a subset of findings.json; one missing there is
    // still imported, as the original does.
    if (auto ok = read_findings(failures, "test_failures.json", finding_ids, b); !ok) {
      return Unexpected(ok.error());
    }
    const std::pair<const char*, std::size_t> counts[] = {
      {"run_count", runs.size()},           {"artifact_count", artifacts.size()},
      {"artifact_byte_count", bytes.size()}, {"trace_span_count", spans.size()},
      {"finding_count", b.findings.size()}, {"test_failure_count", failures.size()},
    };
    for (const auto& [key, actual] : counts) {
      auto it = manifest.find(key);
      bool optional = std::string_view(key) != "run_count" && std::string_view(key) != "artifact_count" &&
                      std::string_view(key) != "trace_span_count";
      std::uint64_t declared = 0;
      if (it != manifest.end() && it->is_number_unsigned()) {
        declared = it->get<std::uint64_t>();
      } else if (it != manifest.end() || !optional) {
        return bad("manifest.json", fmt::format("`{}` must be a count (a non-negative integer)", key));
      }
      if (declared != actual) {
        return bad("manifest.json",
                   fmt::format("`{}` is {} but the record files hold {}; the bundle is incomplete "
                               "or was edited: export it again",
                               key, declared, actual));
      }
    }
    return b;
  }

private:
  // A bundle file, parsed; nullopt-like null Json when optional and absent.
  Result<Json> file(const std::string& name, bool required)
  {
    auto path = fs::regular_file_beneath(m_dir, name);
    if (!path) {
      if (path.error().code == "fs.not_found") {
        if (!required) return Json(nullptr);
        if (name == "manifest.json") {
          return make_error("import.invalid_bundle",
                            fmt::format("{} is not a homeboy bundle: manifest.json is missing "
                                        "(pass the directory `homeboy runs export --output` "
                                        "wrote); nothing was imported",
                                        m_dir.string()));
        }
        return bad(name, fmt::format("the file is missing from {}", m_dir.string()));
      }
      return bad(name, path.error().message);
    }
    auto text = fs::read_file(*path);
    if (!text) return Unexpected(text.error());
    return parse_bundle_file(*text, name);
  }

  Result<Json> array_file(const std::string& name, bool required)
  {
    HB_TRY(parsed, file(name, required));
    if (parsed.is_null()) return Json::array();
    if (!parsed.is_array()) {
      return bad(name, fmt::format("must hold a JSON array, not {}", json_type_name(parsed)));
    }
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      if (!parsed[i].is_object()) {
        return bad(fmt::format("{}[{}]", name, i),
                   fmt::format("must be an object, not {}", json_type_name(parsed[i])));
      }
    }
    return parsed;
  }

  Result<void> check_manifest(const Json& manifest)
  {
    if (!manifest.is_object()) return bad("manifest.json", "must hold a JSON object");
    auto format = manifest.find("format");
    if (format == manifest.end() || !format->is_string() || format->get<std::string>() != k_format) {
      return bad("manifest.json",
                 fmt::format("`format` is {}, not \"{}\": this is not a homeboy observations bundle",
                             format == manifest.end() ? "missing" : dump_json(*format), k_format));
    }
    auto version = manifest.find("version");
    if (version == manifest.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != k_version) {
      return make_error("import.unsupported_version",
                        fmt::format("manifest.json: bundle version {} is not one this homeboy "
                                    "reads (it reads version {}); import it with the homeboy that "
                                    "wrote it, or export it again with this one; nothing was "
                                    "imported",
                                    version == manifest.end() ? "(missing)" : dump_json(*version),
                                    k_version));
    }
    return {};
  }

  Result<void> read_runs(const Json& runs, const Json& extras, Bundle& b)
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

  Result<void> read_run_extras(const Json& e, BundleRun& r)
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

  Result<void> read_artifacts(const Json& artifacts, const Json& bytes, const Json& extras, Bundle& b)
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
      auto file = fs::regular_file_beneath(m_dir, path);
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

  Result<void> read_spans(const Json& spans, Bundle& b)
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

  Result<void> read_findings(const Json& list, const char* name,
                             std::unordered_set<std::string>& ids, Bundle& b)
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

  stdfs::path m_dir;
};

// --- comparing with what the store has ------------------------------------

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
  BundleReader reader(input);
  auto bundle = reader.read();
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

// homeboy runs export: the v1 bundle directory, written the way the original
// tool writes it (serde_json pretty printing, struct field order, sorted keys
// in JSON values, no trailing newline), plus homeboy_extras.json.

#include "app/bundle.hpp"
#include "app/bundle_format.hpp"
#include "app/run_json.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <set>
#include <unordered_set>

namespace hb::app {

namespace {

namespace stdfs = std::filesystem;
using namespace bundle;

// Writes a JSON array element by element, in serde_json's pretty format:
// "[]" when empty, else one element per indented block.
class ArrayWriter
{
public:
  ArrayWriter(std::string& out, std::string indent) : m_out(out), m_indent(std::move(indent)) {}

  void add(const Json& element) { add_text(dump_json(element, 2)); }

  /// An element already printed (at indentation 0).
  void add_text(const std::string& text)
  {
    m_out += m_count++ ? ",\n" : "[\n";
    std::string pad = m_indent + "  ";
    m_out += pad;
    std::size_t pos = 0;
    while (true) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) {
        m_out.append(text, pos, std::string::npos);
        break;
      }
      m_out.append(text, pos, nl + 1 - pos);
      m_out += pad;
      pos = nl + 1;
    }
  }

  void finish() { m_out += m_count ? "\n" + m_indent + "]" : "[]"; }
  std::size_t count() const { return m_count; }

private:
  std::string& m_out;
  std::string m_indent;
  std::size_t m_count = 0;
};

Result<Json>
stored_object(const std::string& text, const std::string& what)
{
  Json parsed = parse_stored(text);
  if (parsed.is_null()) {
    return make_error("export.invalid_record",
                      fmt::format("{} has metadata that is not JSON; the store is damaged: check "
                                  "the record with homeboy runs show",
                                  what));
  }
  return sorted(parsed);
}

Json
run_record(const Run& run, Json metadata)
{
  Json r = Json::object();
  r["id"] = run.id;
  r["kind"] = run.kind;
  r["component_id"] = text_or_null(run.component_id);
  r["started_at"] = format_rfc3339(run.started_at.value_or(run.created_at));
  r["finished_at"] = time_json(run.finished_at);
  r["status"] = portable_status(run.status, run.terminal_reason);
  r["command"] = text_or_null(run.command);
  r["cwd"] = text_or_null(run.cwd);
  r["homeboy_version"] = text_or_null(run.homeboy_version);
  r["git_sha"] = text_or_null(run.git_sha);
  r["rig_id"] = text_or_null(run.rig_id);
  r["metadata_json"] = std::move(metadata);
  return r;
}

// What the v1 run record has no field for, printed like the rest except
// the metrics: one compact line each, since their samples would otherwise
// take a line per number and most of the bundle.
std::string
run_extras(const Run& run, const std::vector<std::string>& scenarios,
           const std::vector<const MetricRow*>& metrics)
{
  Json r = Json::object();
  r["id"] = run.id;
  r["status"] = to_string(run.status);
  r["created_at"] = format_rfc3339(run.created_at);
  r["started_at"] = time_json(run.started_at);
  r["heartbeat_at"] = time_json(run.heartbeat_at);
  r["lease_owner"] = text_or_null(run.lease_owner);
  r["lease_epoch"] = run.lease_epoch;
  r["deadline_at"] = time_json(run.deadline_at);
  r["cancel_requested_at"] = time_json(run.cancel_requested_at);
  r["terminal_reason"] = text_or_null(run.terminal_reason);
  r["exit_code"] = run.exit_code ? Json(*run.exit_code) : Json(nullptr);
  r["owner_pid"] = run.owner_pid ? Json(*run.owner_pid) : Json(nullptr);
  r["owner_start_time"] = run.owner_start_time ? Json(*run.owner_start_time) : Json(nullptr);
  r["eligible_at"] = time_json(run.eligible_at);
  r["retained_until"] = time_json(run.retained_until);
  r["promoted_at"] = time_json(run.promoted_at);
  r["scenario_ids"] = scenarios;
  std::string text = dump_json(r, 2);
  text.resize(text.size() - 2); // "\n}"
  text += ",\n  \"metrics\": ";
  if (metrics.empty()) {
    text += "[]";
  } else {
    text += "[\n";
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const MetricRow* m = metrics[i];
      text += i ? ",\n    " : "    ";
      text += dump_json(Json{{"scenario_id", m->scenario_id}, {"name", m->name}, {"value", m->value},
                             {"samples", m->samples}});
    }
    text += "\n  ]";
  }
  return text + "\n}";
}

Json
artifact_record(const Artifact& a, const std::string& type, const std::string& path,
                const std::string& sha256, std::optional<std::uint64_t> size, Json metadata)
{
  Json r = Json::object();
  r["id"] = a.id;
  r["run_id"] = a.run_id;
  r["kind"] = a.kind;
  r["type"] = type;
  r["path"] = path;
  if (!a.url.empty()) r["url"] = a.url;
  r["sha256"] = text_or_null(sha256);
  r["size_bytes"] = size ? Json(*size) : Json(nullptr);
  r["mime"] = text_or_null(a.mime);
  r["metadata_json"] = std::move(metadata);
  r["created_at"] = format_rfc3339(a.created_at);
  return r;
}

// Takes `key` out of `meta` when it has exactly the shape of the original's
// struct (only `keys`, all strings, `required` present), in struct order.
std::optional<Json>
take_struct(Json& meta, const char* key, const std::vector<const char*>& keys, const char* required)
{
  auto it = meta.find(key);
  if (it == meta.end() || !it->is_object() || !it->contains(required)) return std::nullopt;
  for (auto field = it->begin(); field != it->end(); ++field) {
    bool known = std::any_of(keys.begin(), keys.end(), [&](const char* k) { return field.key() == k; });
    if (!known || !field.value().is_string()) return std::nullopt;
  }
  Json out = Json::object();
  for (const char* k : keys) {
    if (it->contains(k)) out[k] = (*it)[k];
  }
  meta.erase(key);
  return out;
}

// RecordedHomeboyFinding: the finding's own fields flattened, optional ones
// left out when empty; fixable, producer, source and raw come out of the
// metadata the way the original's store keeps them there.
Json
finding_record(const Finding& f, Json meta)
{
  if (!meta.is_object()) meta = Json::object();
  std::optional<Json> fixable;
  if (auto it = meta.find("fixable"); it != meta.end() && it->is_boolean()) {
    fixable = *it;
    meta.erase("fixable");
  }
  auto producer = take_struct(meta, "producer", {"name", "version", "invocation"}, "name");
  auto source = take_struct(meta, "source", {"kind", "label", "path"}, "kind");
  std::optional<Json> raw;
  if (auto it = meta.find("raw"); it != meta.end()) {
    raw = *it;
    meta.erase("raw");
  }
  Json r = Json::object();
  r["id"] = f.id;
  r["run_id"] = f.run_id;
  r["tool"] = f.tool;
  if (!f.rule.empty()) r["rule"] = f.rule;
  if (!f.category.empty()) r["category"] = f.category;
  if (!f.severity.empty()) r["severity"] = f.severity;
  if (!f.file.empty()) r["file"] = f.file;
  if (f.line) r["line"] = *f.line;
  if (f.column) r["column"] = *f.column;
  r["message"] = f.message;
  if (!f.fingerprint.empty()) r["fingerprint"] = f.fingerprint;
  if (fixable) r["fixable"] = *fixable;
  if (producer) r["producer"] = *producer;
  if (source) r["source"] = *source;
  if (!meta.empty()) r["metadata"] = std::move(meta);
  if (raw) r["raw"] = *raw;
  r["created_at"] = format_rfc3339(f.created_at);
  return r;
}

Json
trace_span_record(const TraceSpan& t, Json metadata)
{
  Json r = Json::object();
  r["id"] = t.id;
  r["run_id"] = t.run_id;
  r["span_id"] = t.span_id;
  r["status"] = t.status;
  r["duration_ms"] = t.duration_ms ? Json(*t.duration_ms) : Json(nullptr);
  r["from_event"] = text_or_null(t.from_event);
  r["to_event"] = text_or_null(t.to_event);
  r["metadata_json"] = std::move(metadata);
  return r;
}

enum class OutputState { absent, empty_dir, bundle_dir };

// Where the bundle may go: a new path, an empty directory, or an earlier
// bundle (replaced as a whole). Never a file, a .zip, or a directory with
// other things in it.
Result<OutputState>
check_output(const stdfs::path& output)
{
  if (output.extension() == ".zip") {
    return make_error("validation.invalid_argument",
                      fmt::format("--output {} names a zip file, but a bundle is a directory (zip "
                                  "output is not part of the v1 format); pass a directory path, "
                                  "e.g. {}",
                                  output.string(), stdfs::path(output).replace_extension().string()));
  }
  std::error_code ec;
  auto status = stdfs::symlink_status(output, ec);
  if (ec || status.type() == stdfs::file_type::not_found) return OutputState::absent;
  if (status.type() != stdfs::file_type::directory) {
    return make_error("validation.invalid_argument",
                      fmt::format("--output {} is a file, but a bundle is a directory; pass a new "
                                  "or empty directory path",
                                  output.string()));
  }
  bool empty = true;
  for (const auto& entry : stdfs::directory_iterator(output, ec)) {
    empty = false;
    if (!is_bundle_entry(entry.path().filename().string())) {
      return make_error("validation.invalid_argument",
                        fmt::format("--output {} is a directory with other things in it ({}), not "
                                    "a homeboy bundle; pass a new or empty directory so nothing "
                                    "of yours is replaced",
                                    output.string(), entry.path().filename().string()));
    }
  }
  if (ec) {
    return make_error("fs.read_failed", fmt::format("cannot list --output {}: {}", output.string(),
                                                    ec.message()));
  }
  if (empty) return OutputState::empty_dir;
  auto manifest = fs::read_file(output / "manifest.json");
  Json parsed = manifest ? parse_stored(*manifest) : Json(nullptr);
  if (!parsed.is_object() || json_member_or(parsed, "format", "") != k_format) {
    return make_error("validation.invalid_argument",
                      fmt::format("--output {} is not empty and has no homeboy bundle manifest; "
                                  "pass a new or empty directory so nothing of yours is replaced",
                                  output.string()));
  }
  return OutputState::bundle_dir;
}

Result<std::vector<Run>>
select_runs(Store& store, const ExportRequest& request)
{
  std::vector<Run> runs;
  if (!request.run_ids.empty()) {
    std::unordered_set<std::string> seen;
    for (const auto& id : request.run_ids) {
      auto run = find_run(store, id);
      if (!run) return Unexpected(run.error());
      if (seen.insert(run->id).second) runs.push_back(std::move(*run));
    }
  } else {
    RunFilter filter;
    filter.since = request.since;
    filter.limit = 10'000;
    while (true) {
      auto page = store.list_runs(filter);
      if (!page) return Unexpected(page.error());
      for (auto& run : page->runs) runs.push_back(std::move(run));
      if (!page->next_cursor) break;
      filter.after = page->next_cursor;
    }
  }
  // One order whatever the selection: newest first, as `runs list`.
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return std::tie(b.created_at, b.id) < std::tie(a.created_at, a.id);
  });
  return runs;
}

Result<void>
write_text(const stdfs::path& path, const std::string& text)
{
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    return make_error("fs.write_failed", fmt::format("cannot write {}: {}", path.string(),
                                                     std::strerror(errno)));
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    return make_error("fs.write_failed", fmt::format("cannot write {} (disk full?)", path.string()));
  }
  return {};
}

class Exporter
{
public:
  Exporter(Store& store, const ExportRequest& request, const stdfs::path& dir)
    : m_store(store), m_request(request), m_dir(dir)
  {}

  Result<void> write(const std::vector<Run>& runs)
  {
    ArrayWriter run_out(m_runs, ""), artifact_out(m_artifacts, ""), byte_out(m_bytes, ""),
      span_out(m_spans, ""), finding_out(m_findings, ""), failure_out(m_failures, ""),
      extras_out(m_extras_runs, "  ");
    std::vector<std::pair<std::string, std::string>> labels;
    constexpr std::size_t k_batch = 500;
    for (std::size_t begin = 0; begin < runs.size(); begin += k_batch) {
      std::size_t end = std::min(runs.size(), begin + k_batch);
      std::vector<std::string> ids;
      for (std::size_t i = begin; i < end; ++i) ids.push_back(runs[i].id);
      auto artifacts = m_store.artifacts_for_runs(ids);
      auto metrics = m_store.metrics_for_runs(ids);
      auto scenarios = m_store.scenarios_for_runs(ids);
      auto findings = m_store.findings_for_runs(ids);
      auto spans = m_store.trace_spans_for_runs(ids);
      for (const Error* e : {artifacts ? nullptr : &artifacts.error(), metrics ? nullptr : &metrics.error(),
                             scenarios ? nullptr : &scenarios.error(), findings ? nullptr : &findings.error(),
                             spans ? nullptr : &spans.error()}) {
        if (e) return Unexpected(*e);
      }
      // The batched readers return rows grouped by run in `ids` order.
      std::size_t mi = 0, si = 0;
      for (std::size_t i = begin; i < end; ++i) {
        const Run& run = runs[i];
        auto meta = stored_object(run.metadata_json, "run " + run.id);
        if (!meta) return Unexpected(meta.error());
        run_out.add(run_record(run, std::move(*meta)));
        std::vector<std::string> run_scenarios;
        while (si < scenarios->size() && (*scenarios)[si].run_id == run.id) {
          run_scenarios.push_back((*scenarios)[si++].scenario_id);
        }
        std::vector<const MetricRow*> run_metrics;
        while (mi < metrics->size() && (*metrics)[mi].run_id == run.id) {
          run_metrics.push_back(&(*metrics)[mi++].metric);
        }
        extras_out.add_text(run_extras(run, run_scenarios, run_metrics));
        newest(run.created_at);
        if (run.started_at) newest(*run.started_at);
        if (run.finished_at) newest(*run.finished_at);
      }
      for (const auto& a : *artifacts) {
        auto record = artifact(a, byte_out);
        if (!record) return Unexpected(record.error());
        artifact_out.add(*record);
        if (!a.label.empty()) labels.emplace_back(a.id, a.label);
        newest(a.created_at);
      }
      for (const auto& f : *findings) {
        auto meta = stored_object(f.metadata_json, "finding " + f.id);
        if (!meta) return Unexpected(meta.error());
        Json record = finding_record(f, std::move(*meta));
        finding_out.add(record);
        if (is_test_failure(f)) failure_out.add(record);
        newest(f.created_at);
      }
      for (const auto& t : *spans) {
        auto meta = stored_object(t.metadata_json, "trace span " + t.id);
        if (!meta) return Unexpected(meta.error());
        span_out.add(trace_span_record(t, std::move(*meta)));
      }
    }
    for (ArrayWriter* w : {&run_out, &artifact_out, &byte_out, &span_out, &finding_out, &failure_out,
                           &extras_out}) {
      w->finish();
    }
    report.runs = run_out.count();
    report.artifacts = artifact_out.count();
    report.artifact_bytes = byte_out.count();
    report.trace_spans = span_out.count();
    report.findings = finding_out.count();
    report.test_failures = failure_out.count();

    Json manifest = Json::object();
    manifest["format"] = k_format;
    manifest["version"] = k_version;
    // The format requires a creation time; the newest record's time keeps a
    // re-export of the same runs byte-identical.
    manifest["created_at"] = format_rfc3339(m_newest);
    manifest["homeboy_version"] = m_request.homeboy_version;
    manifest["run_count"] = report.runs;
    manifest["artifact_count"] = report.artifacts;
    manifest["artifact_byte_count"] = report.artifact_bytes;
    manifest["trace_span_count"] = report.trace_spans;
    manifest["finding_count"] = report.findings;
    manifest["test_failure_count"] = report.test_failures;

    std::string extras = fmt::format("{{\n  \"format\": \"{}\",\n  \"version\": {},\n  \"runs\": ",
                                     k_extras_format, k_extras_version);
    extras += m_extras_runs;
    extras += ",\n  \"artifacts\": ";
    std::string label_text;
    ArrayWriter label_out(label_text, "  ");
    for (const auto& [id, label] : labels) label_out.add(Json{{"id", id}, {"label", label}});
    label_out.finish();
    extras += label_text + "\n}";

    const std::pair<const char*, const std::string*> files[] = {
      {"runs.json", &m_runs},          {"artifacts.json", &m_artifacts},
      {"artifact_bytes.json", &m_bytes}, {"trace_spans.json", &m_spans},
      {"findings.json", &m_findings},  {"test_failures.json", &m_failures},
      {k_extras_file, &extras},
    };
    for (const auto& [name, text] : files) {
      if (auto ok = write_text(m_dir / name, *text); !ok) return ok;
    }
    // Last: a bundle without its manifest is never taken for a whole one.
    return write_text(m_dir / "manifest.json", dump_json(manifest, 2));
  }

  ExportReport report;

private:
  void newest(TimeMs t) { m_newest = std::max(m_newest, t); }

  // The portable form of an artifact (the original's rules): a local file
  // becomes bundle://artifact-bytes/<id>-<name> with its bytes (--with-bytes)
  // or metadata-only:<name>; URLs and other references pass unchanged.
  Result<Json> artifact(const Artifact& a, ArrayWriter& byte_out)
  {
    auto meta = stored_object(a.metadata_json, "artifact " + a.id);
    if (!meta) return Unexpected(meta.error());
    bool local = (a.type == "file" || a.type == "directory") && a.path.find("://") == std::string::npos;
    if (!local) return artifact_record(a, a.type, a.path, a.sha256, a.size_bytes, std::move(*meta));
    std::string label = portable_label(a.path, a.id);
    if (m_request.with_bytes) {
      auto packed = pack_bytes(a, label, *meta, byte_out);
      if (!packed) return Unexpected(packed.error());
      if (*packed) return std::move(**packed);
    }
    ++report.metadata_only;
    return artifact_record(a, "metadata-only", std::string(k_metadata_only_prefix) + label, a.sha256,
                           a.size_bytes, std::move(*meta));
  }

  // Copies a file artifact's bytes into the bundle and checks them against
  // the sha256 recorded with the run; nullopt (metadata-only, with a
  // warning) when the file is gone, is a directory or has changed.
  Result<std::optional<Json>> pack_bytes(const Artifact& a, const std::string& label, Json meta,
                                         ArrayWriter& byte_out)
  {
    std::error_code ec;
    if (a.type != "file" || !stdfs::is_regular_file(a.path, ec)) {
      report.warnings.push_back(fmt::format(
        "artifact {} of run {}: {} {}; exported without bytes (metadata-only)", a.id, a.run_id,
        a.path, a.type == "directory" ? "is a directory (directories are not packed)" : "is gone"));
      return std::optional<Json>();
    }
    std::string name = fs::safe_path_segment(a.id) + "-" + fs::safe_path_segment(label);
    if (!m_names.insert(name).second) {
      return make_error("export.name_clash",
                        fmt::format("two artifacts map to the bundle file name {} (artifact {}); "
                                    "export their runs separately",
                                    name, a.id));
    }
    std::string relative = std::string(k_bytes_dir) + "/" + name;
    stdfs::path target = m_dir / relative;
    if (auto made = fs::create_directories(target.parent_path()); !made) return Unexpected(made.error());
    if (auto copied = fs::copy_file(a.path, target); !copied) return Unexpected(copied.error());
    // Digest the copy: those are the bytes the bundle carries.
    auto digest = fs::digest_file(target);
    if (!digest) return Unexpected(digest.error());
    if (!a.sha256.empty() && digest->sha256 != a.sha256) {
      stdfs::remove(target, ec);
      m_names.erase(name);
      report.warnings.push_back(fmt::format(
        "artifact {} of run {}: {} changed since the run (sha256 {} recorded, {} now); exported "
        "without bytes (metadata-only)",
        a.id, a.run_id, a.path, a.sha256, digest->sha256));
      return std::optional<Json>();
    }
    meta["portable_bundle"] =
      Json{{"byte_ref", relative}, {"sha256", digest->sha256}, {"size_bytes", digest->size}};
    byte_out.add(Json{{"artifact_id", a.id}, {"path", relative}, {"sha256", digest->sha256},
                      {"size_bytes", digest->size}});
    return std::optional<Json>(artifact_record(a, a.type, std::string(k_bundle_scheme) + relative,
                                               digest->sha256, digest->size, sorted(meta)));
  }

  Store& m_store;
  const ExportRequest& m_request;
  stdfs::path m_dir;
  TimeMs m_newest = 0;
  std::set<std::string> m_names;
  std::string m_runs, m_artifacts, m_bytes, m_spans, m_findings, m_failures, m_extras_runs;
};

} // namespace

Result<ExportReport>
export_bundle(OpenStore& open, const ExportRequest& request)
{
  auto state = check_output(request.output);
  if (!state) return Unexpected(state.error());
  stdfs::path output = stdfs::absolute(request.output).lexically_normal();
  if (output.has_filename() == false) output = output.parent_path();
  stdfs::path parent = output.parent_path();
  std::string name = output.filename().string();
  auto tmp = fs::TempDir::create(parent, "." + name + ".export-");
  if (!tmp) return Unexpected(tmp.error());
  std::error_code ec;
  stdfs::permissions(tmp->path(), stdfs::perms::owner_all | stdfs::perms::group_read |
                                    stdfs::perms::group_exec | stdfs::perms::others_read |
                                    stdfs::perms::others_exec, ec);
  // One snapshot for the selection and every record of it: a run settled
  // by another process meanwhile is exported as it was, whole.
  Exporter exporter(*open.store, request, tmp->path());
  auto written = open.store->read_snapshot([&]() -> Result<void> {
    auto runs = select_runs(*open.store, request);
    if (!runs) return Unexpected(runs.error());
    return exporter.write(*runs);
  });
  if (!written) return Unexpected(written.error());

  // Move the finished bundle into place; an earlier bundle there is moved
  // aside first and removed once the new one is in.
  auto fail = [&](const std::string& what) {
    return make_error("fs.write_failed", fmt::format("cannot {}: {}", what, ec.message()));
  };
  std::optional<fs::TempDir> old;
  if (*state == OutputState::empty_dir) {
    stdfs::remove(output, ec);
    if (ec) return fail("replace the empty directory " + output.string());
  } else if (*state == OutputState::bundle_dir) {
    auto aside = fs::TempDir::create(parent, "." + name + ".old-");
    if (!aside) return Unexpected(aside.error());
    stdfs::rename(output, aside->path() / "bundle", ec);
    if (ec) return fail("move the earlier bundle " + output.string() + " aside");
    old.emplace(std::move(*aside));
  }
  stdfs::rename(tmp->path(), output, ec);
  if (ec) {
    std::error_code back;
    if (old) stdfs::rename(old->path() / "bundle", output, back);
    return fail("move the bundle into " + output.string());
  }
  ExportReport report = std::move(exporter.report);
  report.output = output;
  report.replaced = *state == OutputState::bundle_dir;
  return report;
}

Json
export_payload(const ExportReport& r, bool with_bytes)
{
  return Json{{"command", "runs.export"},
              {"output", r.output.string()},
              {"format", bundle::k_format},
              {"version", bundle::k_version},
              {"with_bytes", with_bytes},
              {"replaced", r.replaced},
              {"run_count", r.runs},
              {"artifact_count", r.artifacts},
              {"artifact_byte_count", r.artifact_bytes},
              {"metadata_only_artifact_count", r.metadata_only},
              {"trace_span_count", r.trace_spans},
              {"finding_count", r.findings},
              {"test_failure_count", r.test_failures},
              {"warnings", r.warnings}};
}

} // namespace hb::app

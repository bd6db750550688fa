// runs query and runs drift: JSONPath over the JSON artifacts of matching
// runs. Artifacts that cannot be read as JSON are listed with the reason.

#include "analysis/categorical.hpp"
#include "analysis/jsonpath.hpp"
#include "app/runs_readers.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <thread>

namespace hb::app {

namespace {

Json
echo(const Json* filters)
{
  return filters ? *filters : Json::object();
}

// What a reader keeps of one JSON document (an artifact file, or one line of
// a JSON Lines file): computed as soon as the document is parsed, so the
// documents themselves never pile up in memory.
struct Row
{
  std::string run_id;
  std::string artifact_id;
  std::string artifact_kind;
  std::optional<std::size_t> line; // JSON Lines: 1-based line number
  Json values;                     // --select projections, when asked for
  std::vector<std::string> labels; // --group-by / --metric values, when asked for
};

using Project = std::function<void(const Json& document, Row& row)>;

struct Loaded
{
  std::vector<Row> rows;
  std::size_t matched_artifacts = 0;
  Json skipped = Json::array();
};

bool
ends_with(const std::string& s, std::string_view suffix)
{
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads, parses and projects one artifact into `out` (rows, or a skip with
// its reason).
void
load_artifact(const Artifact& a, const ArtifactSource& source, const Project& project,
              Loaded& out)
{
  auto skip = [&](const std::string& reason) {
    out.skipped.push_back({{"run_id", a.run_id},
                           {"artifact_id", a.id},
                           {"artifact_kind", a.kind},
                           {"artifact_type", a.type},
                           {"path", a.path.empty() ? Json(nullptr) : Json(a.path)},
                           {"reason", reason}});
  };
  if (a.type == "metadata-only") return skip("metadata-only (imported without its bytes)");
  if (a.type == "url") return skip("URL (remote content is not fetched)");
  if (a.type == "directory") return skip("directory");
  if (a.path.rfind("runner-artifact://", 0) == 0) {
    return skip("runner artifact (download it before querying)");
  }
  bool lines = a.mime == "application/x-ndjson" || ends_with(a.path, ".jsonl") ||
               ends_with(a.path, ".ndjson");
  bool json = lines || a.mime == "application/json" || ends_with(a.path, ".json");
  if (!json) return skip("not JSON");
  std::error_code ec;
  auto size = std::filesystem::file_size(a.path, ec);
  if (ec) return skip("missing file");
  if (size > source.max_bytes) {
    return skip(fmt::format("too big ({} bytes; the limit is {}, raise it with "
                            "--max-artifact-bytes)",
                            size, source.max_bytes));
  }
  auto text = fs::read_file(a.path);
  if (!text) return skip(text.error().code == "fs.not_found" ? "missing file" : "unreadable file");
  if (!lines) {
    auto parsed = parse_json(*text, "artifact");
    if (!parsed) return skip("invalid JSON: " + parsed.error().message);
    ++out.matched_artifacts;
    Row row{a.run_id, a.id, a.kind, std::nullopt, nullptr, {}};
    project(*parsed, row);
    out.rows.push_back(std::move(row));
    return;
  }
  std::vector<Row> rows;
  std::size_t start = 0, number = 0;
  while (start < text->size()) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    ++number;
    std::string_view line(text->data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto parsed = parse_json(line, "line");
    if (!parsed) {
      return skip(fmt::format("invalid JSON Lines: line {}: {}", number, parsed.error().message));
    }
    Row row{a.run_id, a.id, a.kind, number, nullptr, {}};
    project(*parsed, row);
    rows.push_back(std::move(row));
  }
  ++out.matched_artifacts;
  for (auto& row : rows) out.rows.push_back(std::move(row));
}

// Loads the JSON artifacts of `runs` (already matched by an indexed query),
// in order. Parsing JSON is most of a query's time, so the artifacts are
// split into contiguous parts loaded by one thread each and then joined.
Result<void>
load_rows(Store& store, const std::vector<std::string>& run_ids, const ArtifactSource& source,
          const Project& project, Loaded& out)
{
  auto artifacts = store.artifacts_for_runs(run_ids, source.artifact_kinds);
  if (!artifacts) return Unexpected(artifacts.error());
  const std::size_t n = artifacts->size();
  constexpr std::size_t k_per_thread = 64; // fewer artifacts are not worth a thread
  const std::size_t threads = std::clamp<std::size_t>(
    std::min<std::size_t>(std::thread::hardware_concurrency(), n / k_per_thread), 1, 8);
  std::vector<Loaded> parts(threads);
  auto load_part = [&](std::size_t t) {
    const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
    for (std::size_t i = begin; i < end; ++i) load_artifact((*artifacts)[i], source, project, parts[t]);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(load_part, t);
  load_part(0);
  for (auto& thread : pool) thread.join();
  for (auto& part : parts) {
    out.matched_artifacts += part.matched_artifacts;
    for (auto& row : part.rows) out.rows.push_back(std::move(row));
    for (auto& skipped : part.skipped) out.skipped.push_back(std::move(skipped));
  }
  return {};
}

Result<analysis::JsonPath>
compile(const std::string& option, const std::string& query)
{
  auto path = analysis::JsonPath::parse(query);
  if (!path) {
    Error e = path.error();
    e.message = fmt::format("{} `{}`: {}", option, query, e.message);
    return Unexpected(e);
  }
  return path;
}

Json
collapse(const std::vector<const Json*>& nodes)
{
  if (nodes.empty()) return nullptr;
  if (nodes.size() == 1) return *nodes.front();
  Json all = Json::array();
  for (const Json* n : nodes) all.push_back(*n);
  return all;
}

// Every run matching `filter`, newest first, paged through the index;
// at most `limit` when given.
Result<std::vector<std::string>>
matching_run_ids(Store& store, RunFilter filter, std::optional<std::size_t> limit)
{
  std::vector<std::string> ids;
  constexpr std::size_t k_page = 1000;
  while (true) {
    filter.limit = limit ? std::min(k_page, *limit - ids.size()) : k_page;
    auto page = store.list_runs(filter);
    if (!page) return Unexpected(page.error());
    for (const auto& run : page->runs) ids.push_back(run.id);
    if (!page->next_cursor || (limit && ids.size() >= *limit)) break;
    filter.after = page->next_cursor;
  }
  return ids;
}

} // namespace

Result<Json>
runs_query(Store& store, const QueryRequest& request)
{
  std::vector<analysis::JsonPath> selects;
  for (const auto& s : request.select) {
    auto path = compile("--select", s);
    if (!path) return Unexpected(path.error());
    selects.push_back(std::move(*path));
  }
  std::optional<analysis::JsonPath> group;
  if (request.group_by) {
    auto path = compile("--group-by", *request.group_by);
    if (!path) return Unexpected(path.error());
    group = std::move(*path);
  }
  auto page = store.list_runs(request.filter);
  if (!page) return Unexpected(page.error());
  std::vector<std::string> ids;
  for (const auto& run : page->runs) ids.push_back(run.id);
  const bool want_rows = !request.count || !group;
  Project project = [&](const Json& document, Row& row) {
    if (want_rows) {
      row.values = Json::array();
      for (const auto& path : selects) row.values.push_back(collapse(path.select(document)));
    }
    if (group) {
      for (const Json* node : group->select(document)) analysis::collect_labels(*node, row.labels);
    }
  };
  Loaded loaded;
  if (auto ok = load_rows(store, ids, request.source, project, loaded); !ok) {
    return Unexpected(ok.error());
  }

  Json rows = Json::array();
  analysis::CategoricalCounts groups;
  std::size_t missing_group = 0;
  for (auto& row : loaded.rows) {
    if (want_rows) {
      Json item = {{"run_id", row.run_id}, {"artifact_id", row.artifact_id},
                   {"artifact_kind", row.artifact_kind}};
      if (row.line) item["line"] = *row.line;
      item["values"] = std::move(row.values);
      rows.push_back(std::move(item));
    }
    if (group) {
      if (row.labels.empty()) ++missing_group;
      for (const auto& label : row.labels) groups.add(label);
    }
  }
  Json payload = {{"command", "runs.query"},
                  {"filters", echo(request.filters_echo)},
                  {"select", request.select},
                  {"inspected_runs", ids.size()},
                  {"matched_artifact_count", loaded.matched_artifacts},
                  {"row_count", loaded.rows.size()},
                  {"skipped_artifact_count", loaded.skipped.size()},
                  {"skipped_artifacts", std::move(loaded.skipped)}};
  if (group) {
    payload["group_by"] = *request.group_by;
    Json list = Json::array();
    for (const auto& g : groups.sorted()) list.push_back({{"group", g.value}, {"count", g.count}});
    payload["groups"] = std::move(list);
    payload["rows_without_group"] = missing_group;
  }
  if (want_rows) payload["rows"] = std::move(rows);
  payload["next_cursor"] = page->next_cursor ? Json(*page->next_cursor) : Json(nullptr);
  return payload;
}

Result<Json>
runs_drift(Store& store, const DriftRequest& request)
{
  auto path = compile("--metric", request.metric);
  if (!path) return Unexpected(path.error());
  if (request.window_ms <= 0) {
    return make_error("validation.invalid_argument", "--window must be a positive duration (e.g. 7d)");
  }
  if (request.baseline_ms && *request.baseline_ms <= request.window_ms) {
    return make_error("validation.invalid_argument",
                      "--baseline must be longer than --window: the baseline is the span before "
                      "the window (e.g. --window 7d --baseline 30d compares the last 7 days with "
                      "the 23 days before them)");
  }
  TimeMs window_start = request.now - request.window_ms;
  struct Range
  {
    analysis::CategoricalCounts counts;
    std::size_t runs = 0;
    std::size_t missing = 0;
    std::size_t skipped = 0;
  };
  auto measure = [&](TimeMs since, TimeMs until, Range& range) -> Result<void> {
    RunFilter f = request.filter;
    f.since = since;
    f.until = until;
    f.after.reset();
    auto ids = matching_run_ids(store, f, request.limit);
    if (!ids) return Unexpected(ids.error());
    range.runs = ids->size();
    Project project = [&](const Json& document, Row& row) {
      for (const Json* node : path->select(document)) analysis::collect_labels(*node, row.labels);
    };
    Loaded loaded;
    if (auto ok = load_rows(store, *ids, request.source, project, loaded); !ok) return ok;
    range.skipped = loaded.skipped.size();
    for (const auto& row : loaded.rows) {
      if (row.labels.empty()) ++range.missing;
      for (const auto& label : row.labels) range.counts.add(label);
    }
    return {};
  };
  Range window, baseline;
  if (auto ok = measure(window_start, request.now + 1, window); !ok) return Unexpected(ok.error());
  if (request.baseline_ms) {
    if (auto ok = measure(request.now - *request.baseline_ms, window_start, baseline); !ok) {
      return Unexpected(ok.error());
    }
  }
  Json values = Json::array();
  for (const auto& v : analysis::drift_values(window.counts, request.baseline_ms ? &baseline.counts : nullptr,
                                              request.threshold)) {
    Json item = {{"value", v.value},
                 {"window_count", v.window_count},
                 {"window_share", v.window_share},
                 {"dominant", v.dominant}};
    if (request.baseline_ms) {
      item["baseline_share"] = v.baseline_share ? Json(*v.baseline_share) : Json(nullptr);
      item["share_delta"] = v.share_delta ? Json(*v.share_delta) : Json(nullptr);
    }
    values.push_back(std::move(item));
  }
  Json payload = {{"command", "runs.drift"},
                  {"filters", echo(request.filters_echo)},
                  {"metric", request.metric},
                  {"threshold", request.threshold},
                  {"window_start", format_rfc3339(window_start)},
                  {"window_end", format_rfc3339(request.now)},
                  {"window_runs", window.runs},
                  {"window_observations", window.counts.total()},
                  {"window_missing_rows", window.missing},
                  {"window_skipped_artifacts", window.skipped}};
  if (request.baseline_ms) {
    payload["baseline_start"] = format_rfc3339(request.now - *request.baseline_ms);
    payload["baseline_end"] = format_rfc3339(window_start);
    payload["baseline_runs"] = baseline.runs;
    payload["baseline_observations"] = baseline.counts.total();
    payload["baseline_missing_rows"] = baseline.missing;
    payload["baseline_skipped_artifacts"] = baseline.skipped;
  }
  payload["values"] = std::move(values);
  return payload;
}

} // namespace hb::app

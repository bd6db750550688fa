// runs query and runs drift: JSONPath over the JSON artifacts of matching
// runs. Artifacts that cannot be read as JSON are listed with the reason.

#include "analysis/categorical.hpp"
#include "analysis/jsonpath.hpp"
#include "app/runs_readers.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <filesystem>

namespace hb::app {

namespace {

Json
echo(const Json* filters)
{
  return filters ? *filters : Json::object();
}

struct JsonRow
{
  std::string run_id;
  std::string artifact_id;
  std::string artifact_kind;
  std::optional<std::size_t> line; // JSON Lines: 1-based line number
  Json json;
};

struct Loaded
{
  std::vector<JsonRow> rows;
  std::size_t matched_artifacts = 0;
  Json skipped = Json::array();
};

bool
ends_with(const std::string& s, std::string_view suffix)
{
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Loads the JSON artifacts of `runs` (already matched by an indexed query).
Result<void>
load_rows(Store& store, const std::vector<std::string>& run_ids, const ArtifactSource& source,
          Loaded& out)
{
  auto artifacts = store.artifacts_for_runs(run_ids, source.artifact_kinds);
  if (!artifacts) return Unexpected(artifacts.error());
  for (const auto& a : *artifacts) {
    auto skip = [&](const std::string& reason) {
      out.skipped.push_back({{"run_id", a.run_id},
                             {"artifact_id", a.id},
                             {"artifact_kind", a.kind},
                             {"artifact_type", a.type},
                             {"path", a.path.empty() ? Json(nullptr) : Json(a.path)},
                             {"reason", reason}});
    };
    if (a.type == "metadata-only") {
      skip("metadata-only (imported without its bytes)");
      continue;
    }
    if (a.type == "url") {
      skip("URL (remote content is not fetched)");
      continue;
    }
    if (a.type == "directory") {
      skip("directory");
      continue;
    }
    if (a.path.rfind("runner-artifact://", 0) == 0) {
      skip("runner artifact (download it before querying)");
      continue;
    }
    bool lines = a.mime == "application/x-ndjson" || ends_with(a.path, ".jsonl") ||
                 ends_with(a.path, ".ndjson");
    bool json = lines || a.mime == "application/json" || ends_with(a.path, ".json");
    if (!json) {
      skip("not JSON");
      continue;
    }
    std::error_code ec;
    auto size = std::filesystem::file_size(a.path, ec);
    if (ec) {
      skip("missing file");
      continue;
    }
    if (size > source.max_bytes) {
      skip(fmt::format("too big ({} bytes; the limit is {}, raise it with --max-artifact-bytes)",
                       size, source.max_bytes));
      continue;
    }
    auto text = fs::read_file(a.path);
    if (!text) {
      skip(text.error().code == "fs.not_found" ? "missing file" : "unreadable file");
      continue;
    }
    if (!lines) {
      auto parsed = parse_json(*text, "artifact");
      if (!parsed) {
        skip("invalid JSON: " + parsed.error().message);
        continue;
      }
      ++out.matched_artifacts;
      out.rows.push_back({a.run_id, a.id, a.kind, std::nullopt, std::move(*parsed)});
      continue;
    }
    std::vector<JsonRow> rows;
    std::size_t start = 0, number = 0;
    bool bad = false;
    while (start < text->size()) {
      std::size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      ++number;
      std::string_view line(text->data() + start, end - start);
      start = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      auto parsed = parse_json(line, "line");
      if (!parsed) {
        skip(fmt::format("invalid JSON Lines: line {}: {}", number, parsed.error().message));
        bad = true;
        break;
      }
      rows.push_back({a.run_id, a.id, a.kind, number, std::move(*parsed)});
    }
    if (bad) continue;
    ++out.matched_artifacts;
    for (auto& row : rows) out.rows.push_back(std::move(row));
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
  Loaded loaded;
  if (auto ok = load_rows(store, ids, request.source, loaded); !ok) return Unexpected(ok.error());

  Json rows = Json::array();
  analysis::CategoricalCounts groups;
  std::size_t missing_group = 0;
  for (const auto& row : loaded.rows) {
    if (!request.count || !group) {
      Json values = Json::array();
      for (const auto& path : selects) values.push_back(collapse(path.select(row.json)));
      Json item = {{"run_id", row.run_id}, {"artifact_id", row.artifact_id},
                   {"artifact_kind", row.artifact_kind}};
      if (row.line) item["line"] = *row.line;
      item["values"] = std::move(values);
      rows.push_back(std::move(item));
    }
    if (group) {
      std::vector<std::string> labels;
      for (const Json* node : group->select(row.json)) analysis::collect_labels(*node, labels);
      if (labels.empty()) ++missing_group;
      for (const auto& label : labels) groups.add(label);
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
  if (!request.count || !group) payload["rows"] = std::move(rows);
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
    Loaded loaded;
    if (auto ok = load_rows(store, *ids, request.source, loaded); !ok) return ok;
    range.skipped = loaded.skipped.size();
    for (const auto& row : loaded.rows) {
      std::vector<std::string> labels;
      for (const Json* node : path->select(row.json)) analysis::collect_labels(*node, labels);
      if (labels.empty()) ++range.missing;
      for (const auto& label : labels) range.counts.add(label);
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

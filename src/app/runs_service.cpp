#include "app/runs_service.hpp"

#include "analysis/jsonpath.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

namespace hb::app {

Result<OpenStore>
open_store()
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) {
    return Unexpected(paths.error());
  }
  auto store = open_sqlite_store(paths->store_path);
  if (!store) {
    return Unexpected(store.error());
  }
  return OpenStore{std::move(*paths), std::move(*store)};
}

Result<Run>
find_run(Store& store, const std::string& id_or_prefix)
{
  auto run = store.get_run(id_or_prefix);
  if (!run) {
    return Unexpected(run.error());
  }
  if (*run) {
    return std::move(**run);
  }
  auto resolved = store.resolve_run_id(id_or_prefix);
  if (!resolved) {
    return Unexpected(resolved.error());
  }
  if (*resolved) {
    auto full = store.get_run(**resolved);
    if (!full) {
      return Unexpected(full.error());
    }
    if (*full) {
      return std::move(**full);
    }
  }
  return make_error("run.not_found",
                    fmt::format("no run `{}` in the observation store; `homeboy runs list` shows "
                                "recorded runs",
                                id_or_prefix));
}

Result<Json>
select_field(const Json& document, const std::string& query)
{
  auto path = analysis::JsonPath::parse(query);
  if (!path) {
    return Unexpected(path.error());
  }
  auto nodes = path->select(document);
  if (nodes.empty()) {
    return Json(nullptr);
  }
  if (nodes.size() == 1) {
    return *nodes.front();
  }
  Json all = Json::array();
  for (const Json* node : nodes) {
    all.push_back(*node);
  }
  return all;
}

} // namespace hb::app

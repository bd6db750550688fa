#include "model/component.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>

namespace hb {

namespace stdfs = std::filesystem;

namespace {

Result<Json>
parse_object(std::string_view text, const stdfs::path& path)
{
  auto doc = parse_json(text, path.string());
  if (!doc) {
    return make_error("config.invalid", doc.error().message + "; fix or remove the file",
                      doc.error().details);
  }
  if (!doc->is_object()) {
    return make_error("config.invalid", fmt::format("{} must hold a JSON object, not {}",
                                                    path.string(), json_type_name(*doc)));
  }
  return doc;
}

Result<Json>
read_object(const stdfs::path& path)
{
  auto text = fs::read_file(path);
  if (!text) {
    return Unexpected(text.error());
  }
  return parse_object(*text, path);
}

// A registry entry's `id`, or `fallback` (its file name) when it has none.
Result<std::string>
entry_id(const Json& doc, const std::string& fallback, const stdfs::path& file)
{
  auto id = doc.find("id");
  if (id == doc.end() || id->is_null()) {
    return fallback;
  }
  if (!id->is_string()) {
    return make_error("config.invalid", fmt::format("{}: `id` must be a string, not {}",
                                                    file.string(), json_type_name(*id)));
  }
  return id->get<std::string>();
}

Result<void>
merge_settings(Json& into, const Json& from, const stdfs::path& file, const char* key)
{
  if (from.is_null()) {
    return {};
  }
  if (!from.is_object()) {
    return make_error("config.invalid", fmt::format("{}: `{}` must be an object, not {}",
                                                    file.string(), key, json_type_name(from)));
  }
  for (const auto& [name, value] : from.items()) {
    into[name] = value;
  }
  return {};
}

// Reads the parts of a component file (registry entry or homeboy.json) into
// `component`. Later calls override scalars and extend lists.
Result<void>
apply_component_file(Component& component, Json& settings, const Json& doc,
                     const stdfs::path& file)
{
  auto bad = [&](const std::string& what) {
    return make_error("config.invalid", fmt::format("{}: {}", file.string(), what));
  };
  if (doc.contains("extensions")) {
    const Json& ext = doc["extensions"];
    if (ext.is_object()) {
      for (const auto& [ext_id, ext_config] : ext.items()) {
        if (std::find(component.extension_ids.begin(), component.extension_ids.end(), ext_id)
            == component.extension_ids.end()) {
          component.extension_ids.push_back(ext_id);
        }
        if (ext_config.is_object() && ext_config.contains("settings")) {
          if (auto merged = merge_settings(settings, ext_config["settings"], file,
                                           "extensions.<id>.settings");
              !merged) {
            return merged;
          }
        }
      }
    } else if (ext.is_array()) {
      for (const auto& item : ext) {
        if (!item.is_string()) {
          return bad("`extensions` must list extension ids as strings");
        }
        component.extension_ids.push_back(item.get<std::string>());
      }
    } else if (!ext.is_null()) {
      return bad("`extensions` must be an object of extension ids");
    }
  }
  if (doc.contains("scripts") && !doc["scripts"].is_null()) {
    const Json& scripts = doc["scripts"];
    if (!scripts.is_object()) {
      return bad("`scripts` must be an object such as {\"bench\": [\"./bench.sh\"]}");
    }
    if (scripts.contains("bench")) {
      const Json& bench = scripts["bench"];
      std::vector<std::string> commands;
      if (bench.is_string()) {
        commands.push_back(bench.get<std::string>());
      } else if (bench.is_array()) {
        for (const auto& cmd : bench) {
          if (!cmd.is_string() || cmd.get<std::string>().empty()) {
            return bad("`scripts.bench` must be an array of non-empty shell command strings");
          }
          commands.push_back(cmd.get<std::string>());
        }
      } else if (!bench.is_null()) {
        return bad("`scripts.bench` must be an array of shell command strings");
      }
      if (!commands.empty()) {
        component.bench_scripts = std::move(commands);
      }
    }
  }
  if (doc.contains("bench") && !doc["bench"].is_null()) {
    const Json& bench = doc["bench"];
    const char* shape = "`bench` must be an object such as {\"commands\": {\"sort\": \"sort -n "
                        "data.txt\"}}";
    if (!bench.is_object()) {
      return bad(shape);
    }
    if (bench.contains("commands")) {
      const Json& commands = bench["commands"];
      if (!commands.is_object()) {
        return bad(shape);
      }
      component.bench_commands.clear();
      for (const auto& [name, command] : commands.items()) {
        if (!command.is_string() || command.get<std::string>().empty()) {
          return bad(fmt::format("`bench.commands.{}` must be a non-empty command string", name));
        }
        component.bench_commands.emplace_back(name, command.get<std::string>());
      }
    }
    if (bench.contains("prepare") && !bench["prepare"].is_null()) {
      const Json& prepare = bench["prepare"];
      const char* prepare_shape = "`bench.prepare` must be a shell command string or an array of "
                                  "them, such as [\"make -j2\"]";
      std::vector<std::string> steps;
      if (prepare.is_string() && !prepare.get<std::string>().empty()) {
        steps.push_back(prepare.get<std::string>());
      } else if (prepare.is_array()) {
        for (const auto& step : prepare) {
          if (!step.is_string() || step.get<std::string>().empty()) return bad(prepare_shape);
          steps.push_back(step.get<std::string>());
        }
      } else {
        return bad(prepare_shape);
      }
      component.bench_prepare = std::move(steps);
    }
  }
  if (doc.contains("env") && !doc["env"].is_null()) {
    if (!doc["env"].is_object()) {
      return bad("`env` must be an object of NAME: value strings");
    }
    for (const auto& [name, value] : doc["env"].items()) {
      if (!value.is_string()) {
        return bad(fmt::format("`env.{}` must be a string", name));
      }
      component.env.emplace_back(name, value.get<std::string>());
    }
  }
  if (doc.contains("settings")) {
    return merge_settings(settings, doc["settings"], file, "settings");
  }
  return {};
}

std::optional<stdfs::path>
nearest_homeboy_json(stdfs::path dir)
{
  while (true) {
    auto candidate = dir / "homeboy.json";
    std::error_code ec;
    if (stdfs::is_regular_file(candidate, ec)) {
      return candidate;
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) {
      return std::nullopt;
    }
    dir = dir.parent_path();
  }
}

// Fills in what the component's own homeboy.json says.
Result<void>
finish_component(Component& component, Json& settings)
{
  std::error_code ec;
  if (component.local_path.empty() || !stdfs::is_directory(component.local_path, ec)) {
    return make_error("component.path_missing",
                      fmt::format("component `{}`: local path {} does not exist or is not a "
                                  "directory (fix it with `homeboy component create --local-path "
                                  "DIR` or pass --path DIR)",
                                  component.id, component.local_path.string()));
  }
  auto own = component.local_path / "homeboy.json";
  if (stdfs::exists(own, ec)) {
    auto doc = read_object(own);
    if (!doc) {
      return Unexpected(doc.error());
    }
    // The repo-owned file comes first; the registry overlays it.
    Component from_repo;
    Json repo_settings = Json::object();
    if (auto applied = apply_component_file(from_repo, repo_settings, *doc, own); !applied) {
      return applied;
    }
    if (!from_repo.bench_scripts.empty()) {
      component.bench_scripts = from_repo.bench_scripts;
    }
    if (!from_repo.bench_commands.empty()) {
      component.bench_commands = from_repo.bench_commands;
    }
    if (!from_repo.bench_prepare.empty()) {
      component.bench_prepare = from_repo.bench_prepare;
    }
    for (const auto& ext : from_repo.extension_ids) {
      if (std::find(component.extension_ids.begin(), component.extension_ids.end(), ext)
          == component.extension_ids.end()) {
        component.extension_ids.push_back(ext);
      }
    }
    from_repo.env.insert(from_repo.env.end(), component.env.begin(), component.env.end());
    component.env = std::move(from_repo.env);
    for (const auto& [name, value] : settings.items()) {
      repo_settings[name] = value;
    }
    settings = std::move(repo_settings);
  }
  component.settings_json = dump_json(settings);
  return {};
}

// A component entry's id (its file name when it has none), local_path and
// the component file it points to; `settings` receives the merged settings.
Result<Component>
component_from_entry(const Json& doc, const stdfs::path& file, Json& settings)
{
  Component component;
  auto id = entry_id(doc, file.stem().string(), file);
  if (!id) {
    return Unexpected(id.error());
  }
  component.id = *id;
  if (doc.contains("local_path") && doc["local_path"].is_string()) {
    component.local_path = doc["local_path"].get<std::string>();
  }
  if (auto applied = apply_component_file(component, settings, doc, file); !applied) {
    return Unexpected(applied.error());
  }
  return component;
}

Result<Component>
load_registered(const stdfs::path& file, const std::optional<stdfs::path>& override)
{
  auto doc = read_object(file);
  if (!doc) {
    return Unexpected(doc.error());
  }
  Json settings = Json::object();
  auto read = component_from_entry(*doc, file, settings);
  if (!read) {
    return Unexpected(read.error());
  }
  Component component = std::move(*read);
  component.registry_file = file;
  component.registered = true;
  if (override) {
    component.local_path = *override;
  }
  if (auto done = finish_component(component, settings); !done) {
    return Unexpected(done.error());
  }
  return component;
}

Result<Component>
load_from_homeboy_json(const stdfs::path& file, const std::optional<stdfs::path>& override)
{
  auto doc = read_object(file);
  if (!doc) {
    return Unexpected(doc.error());
  }
  Component component;
  component.id = (*doc)["id"].get<std::string>();
  component.local_path = override ? *override : file.parent_path();
  Json settings = Json::object();
  if (auto done = finish_component(component, settings); !done) {
    return Unexpected(done.error());
  }
  return component;
}

std::optional<std::string>
homeboy_json_id(const stdfs::path& file)
{
  auto text = fs::read_file(file);
  if (!text) {
    return std::nullopt;
  }
  Json doc = parse_json_or_discard(*text);
  if (doc.is_object() && doc.contains("id") && doc["id"].is_string()) {
    return doc["id"].get<std::string>();
  }
  return std::nullopt;
}

std::vector<std::string>
registered_ids(const Paths& paths)
{
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(paths.components_dir(), ec)) {
    if (entry.path().extension() == ".json") {
      ids.push_back(entry.path().stem().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool
path_contains(const stdfs::path& dir, const stdfs::path& inner)
{
  auto d = dir.lexically_normal();
  auto i = inner.lexically_normal();
  auto [end, _] = std::mismatch(d.begin(), d.end(), i.begin(), i.end());
  return end == d.end() || (std::next(end) == d.end() && end->empty());
}

} // namespace

bool
valid_component_id(const std::string& id)
{
  if (id.empty() || id.size() > 128 || id[0] == '.') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
           || c == '_' || c == '.';
  });
}

Result<Component>
load_component(const Paths& paths, const std::string& id, const stdfs::path& cwd,
               const std::optional<stdfs::path>& override)
{
  if (!valid_component_id(id)) {
    return make_error("validation.invalid_argument",
                      fmt::format("`{}` is not a valid component id (letters, digits, '-', '_' "
                                  "and '.')",
                                  id));
  }
  auto file = paths.components_dir() / (id + ".json");
  std::error_code ec;
  if (stdfs::exists(file, ec)) {
    return load_registered(file, override);
  }
  if (auto own = nearest_homeboy_json(cwd); own && homeboy_json_id(*own) == id) {
    return load_from_homeboy_json(*own, override);
  }
  auto ids = registered_ids(paths);
  std::string known = ids.empty() ? "no components are registered"
                                  : "registered components: " + fmt::format("{}", fmt::join(ids, ", "));
  Json details = {{"component", id}, {"known_components", ids}};
  return make_error("component.not_found",
                    fmt::format("unknown component `{}` ({}); register it with `homeboy component "
                                "create --local-path DIR`",
                                id, known),
                    dump_json(details));
}

Result<Component>
detect_component(const Paths& paths, const stdfs::path& cwd,
                 const std::optional<stdfs::path>& override)
{
  std::optional<stdfs::path> best_registered;
  size_t best_depth = 0;
  std::error_code ec;
  for (const auto& id : registered_ids(paths)) {
    auto file = paths.components_dir() / (id + ".json");
    auto text = fs::read_file(file);
    if (!text) {
      continue;
    }
    Json doc = parse_json_or_discard(*text);
    if (!doc.is_object() || !doc.contains("local_path") || !doc["local_path"].is_string()) {
      continue;
    }
    stdfs::path local = doc["local_path"].get<std::string>();
    size_t depth = std::distance(local.begin(), local.end());
    if (path_contains(local, cwd) && depth > best_depth) {
      best_registered = file;
      best_depth = depth;
    }
  }
  auto own = nearest_homeboy_json(cwd);
  std::optional<std::string> own_id = own ? homeboy_json_id(*own) : std::nullopt;
  if (own_id) {
    size_t depth = std::distance(own->parent_path().begin(), own->parent_path().end());
    if (!best_registered || depth > best_depth) {
      return load_component(paths, *own_id, cwd, override);
    }
  }
  if (best_registered) {
    return load_registered(*best_registered, override);
  }
  return make_error("component.not_found",
                    fmt::format("no component given and none found for {} (no homeboy.json with "
                                "an `id` here or above, and no registered component contains it); "
                                "pass a component id or run `homeboy component create "
                                "--local-path DIR`",
                                cwd.string()));
}

Result<std::vector<Component>>
list_components(const Paths& paths)
{
  std::vector<Component> out;
  for (const auto& id : registered_ids(paths)) {
    auto file = paths.components_dir() / (id + ".json");
    auto doc = read_object(file);
    if (!doc) {
      return Unexpected(doc.error());
    }
    Component component;
    auto entry = entry_id(*doc, id, file);
    if (!entry) {
      return Unexpected(entry.error());
    }
    component.id = *entry;
    component.registry_file = file;
    component.registered = true;
    if (doc->contains("local_path") && (*doc)["local_path"].is_string()) {
      component.local_path = (*doc)["local_path"].get<std::string>();
    }
    Json settings = Json::object();
    if (auto applied = apply_component_file(component, settings, *doc, file); !applied) {
      return Unexpected(applied.error());
    }
    component.settings_json = dump_json(settings);
    out.push_back(std::move(component));
  }
  return out;
}

Result<Component>
create_component(const Paths& paths, const CreateComponentOptions& options)
{
  std::error_code ec;
  stdfs::path local = stdfs::absolute(options.local_path, ec).lexically_normal();
  if (local.has_filename() == false && local.has_parent_path()) {
    local = local.parent_path();
  }
  if (!stdfs::is_directory(local, ec)) {
    return make_error("component.path_missing",
                      fmt::format("--local-path {} does not exist or is not a directory",
                                  options.local_path.string()));
  }
  std::string id;
  if (options.id) {
    id = *options.id;
  } else if (auto own = homeboy_json_id(local / "homeboy.json")) {
    id = *own;
  } else {
    id = local.filename().string();
  }
  if (!valid_component_id(id)) {
    return make_error("validation.invalid_argument",
                      fmt::format("`{}` is not a valid component id (letters, digits, '-', '_' "
                                  "and '.'); pass --id",
                                  id));
  }
  for (const auto& ext : options.extension_ids) {
    if (auto loaded = load_extension(paths, ext); !loaded) {
      return Unexpected(loaded.error());
    }
  }
  auto file = paths.components_dir() / (id + ".json");
  if (stdfs::exists(file, ec)) {
    return make_error("component.exists",
                      fmt::format("component `{}` is already registered ({}); edit or remove "
                                  "that file to change it",
                                  id, file.string()));
  }
  Json doc = {{"id", id}, {"local_path", local.string()}, {"extensions", Json::object()}};
  for (const auto& ext : options.extension_ids) {
    doc["extensions"][ext] = Json::object();
  }
  if (auto made = fs::create_directories(paths.components_dir()); !made) {
    return Unexpected(made.error());
  }
  if (auto written = fs::write_file_atomic(file, dump_json(doc, 2) + "\n"); !written) {
    return Unexpected(written.error());
  }
  return load_registered(file, std::nullopt);
}

Result<Extension>
load_extension(const Paths& paths, const std::string& id)
{
  if (!valid_component_id(id)) {
    return make_error("validation.invalid_argument",
                      fmt::format("`{}` is not a valid extension id", id));
  }
  Extension ext;
  ext.id = id;
  ext.dir = paths.extensions_dir() / id;
  ext.manifest_path = ext.dir / (id + ".json");
  std::error_code ec;
  if (!stdfs::exists(ext.manifest_path, ec)) {
    return make_error("extension.not_found",
                      fmt::format("extension `{}` has no manifest: expected {}", id,
                                  ext.manifest_path.string()));
  }
  auto doc = read_object(ext.manifest_path);
  if (!doc) {
    return make_error("extension.invalid", doc.error().message, doc.error().details);
  }
  if (doc->contains("bench") && !(*doc)["bench"].is_null()) {
    const Json& bench = (*doc)["bench"];
    if (!bench.is_object() || !bench.contains("extension_script")
        || !bench["extension_script"].is_string()
        || bench["extension_script"].get<std::string>().empty()) {
      return make_error("extension.invalid",
                        fmt::format("{}: `bench` must be an object with a non-empty "
                                    "`extension_script` path, such as {{\"extension_script\": "
                                    "\"scripts/bench/bench-runner.sh\"}}",
                                    ext.manifest_path.string()));
    }
    ext.bench_script = ext.dir / bench["extension_script"].get<std::string>();
  }
  if (auto ci = doc->find("ci"); ci != doc->end() && !ci->is_null()) {
    ext.ci_json = dump_json(*ci);
  }
  return ext;
}

Result<Component>
parse_component_config(std::string_view text, const stdfs::path& file)
{
  auto doc = parse_object(text, file);
  if (!doc) {
    return Unexpected(doc.error());
  }
  Json settings = Json::object();
  auto component = component_from_entry(*doc, file, settings);
  if (component) {
    component->settings_json = dump_json(settings);
  }
  return component;
}

} // namespace hb

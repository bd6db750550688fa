#include "model/paths.hpp"
#include "model/store_spec.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <cstdlib>

namespace hb {

namespace {

std::optional<std::string>
env_value(const char* name)
{
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

} // namespace

std::filesystem::path
Paths::run_dir(std::string_view run_id) const
{
  return artifact_root / fs::injective_path_segment(run_id);
}

Result<Paths>
resolve_paths(const std::optional<std::filesystem::path>& artifact_root_override)
{
  auto home = env_value("HOME");
  Paths paths;
  if (home) {
    paths.config_root = std::filesystem::path(*home) / ".config" / "homeboy";
  } else {
    return make_error("config.no_home",
                      "cannot find the config directory ~/.config/homeboy: HOME is not set");
  }

  if (auto dir = env_value("HOMEBOY_DATA_DIR")) {
    paths.data_root = *dir;
  } else if (auto xdg = env_value("XDG_DATA_HOME")) {
    paths.data_root = std::filesystem::path(*xdg) / "homeboy";
  } else if (home) {
    paths.data_root = std::filesystem::path(*home) / ".local" / "share" / "homeboy";
  } else {
    return make_error("config.no_home",
                      "cannot find the data directory: set HOMEBOY_DATA_DIR or HOME");
  }
  paths.store_path = paths.data_root / "homeboy.sqlite";

  // The global config (~/.config/homeboy/homeboy.json), read once when a
  // setting is not given by the environment.
  const auto config_file = paths.config_root / "homeboy.json";
  std::optional<Json> config;
  auto config_value = [&](const char* key) -> Result<const Json*> {
    if (!config) {
      config = Json::object();
      if (auto text = fs::read_file(config_file)) {
        auto doc = parse_json(*text, config_file.string());
        if (!doc) return Unexpected(doc.error());
        if (doc->is_object()) config = std::move(*doc);
      }
    }
    auto it = config->find(key);
    return it == config->end() ? nullptr : &*it;
  };

  if (artifact_root_override) {
    paths.artifact_root = *artifact_root_override;
  } else if (auto dir = env_value("HOMEBOY_ARTIFACT_ROOT")) {
    paths.artifact_root = *dir;
  } else {
    paths.artifact_root = paths.data_root / "artifacts";
    auto root = config_value("artifact_root");
    if (!root) return Unexpected(root.error());
    if (*root) {
      if (!(*root)->is_string() || (*root)->get<std::string>().empty()) {
        return make_error("config.invalid",
                          config_file.string()
                            + ": artifact_root must be a non-empty string (a directory path)");
      }
      paths.artifact_root = (*root)->get<std::string>();
    }
  }

  std::string store;
  if (auto url = env_value("HOMEBOY_STORE")) {
    store = *url;
  } else {
    auto section = config_value("store");
    if (!section) return Unexpected(section.error());
    if (*section) {
      const Json& s = **section;
      if (!s.is_object() || (s.contains("url") && !s["url"].is_string())) {
        return make_error("config.invalid",
                          config_file.string()
                            + ": store must be an object whose url is a string, e.g. "
                              "{\"store\": {\"url\": \"postgres://homeboy@db.example:5432/homeboy\"}}");
      }
      store = s.value("url", "");
    }
  }
  // Stored artifact paths must stay valid from any working directory, so a
  // relative HOMEBOY_DATA_DIR or HOMEBOY_ARTIFACT_ROOT is resolved now.
  std::error_code ec;
  for (auto* dir : {&paths.data_root, &paths.artifact_root}) {
    if (dir->is_relative()) {
      *dir = std::filesystem::absolute(*dir, ec).lexically_normal();
    }
  }
  paths.store_path = paths.data_root / "homeboy.sqlite";
  if (!store.empty() && !name_store(paths, store)) {
    return make_error("config.invalid",
                      fmt::format("the store `{}` is neither postgres://user@host:port/database "
                                  "nor sqlite:PATH (from {}); unset HOMEBOY_STORE to use the "
                                  "local SQLite file",
                                  store, env_value("HOMEBOY_STORE") ? "HOMEBOY_STORE"
                                                                    : config_file.string()));
  }
  return paths;
}

} // namespace hb

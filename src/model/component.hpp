#pragma once
// Components (what gets benchmarked) and extensions (who knows how), as
// compat.md "Paths" lays them out on disk.

#include "model/paths.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hb {

struct Component
{
  std::string id;
  std::filesystem::path local_path;
  /// Linked extension ids, registry entries first, in declaration order.
  std::vector<std::string> extension_ids;
  /// scripts.bench: shell commands run in order in local_path.
  std::vector<std::string> bench_scripts;
  /// bench.commands: name -> command line that homeboy times itself (no
  /// runner script), in declaration order.
  std::vector<std::pair<std::string, std::string>> bench_commands;
  /// bench.prepare: shell commands `bench --against` runs in each tree
  /// (cwd = that tree) before timing, e.g. a build; a string is one command.
  std::vector<std::string> bench_prepare;
  std::vector<std::pair<std::string, std::string>> env;
  /// Settings object text: homeboy.json `settings`, overlaid by the registry's
  /// `settings`, overlaid by the linked extension's `settings`.
  std::string settings_json = "{}";
  std::filesystem::path registry_file; // empty when not registered
  bool registered = false;
};

struct Extension
{
  std::string id;
  std::filesystem::path dir;
  std::filesystem::path manifest_path;
  std::optional<std::filesystem::path> bench_script; // absolute
  /// The manifest's `ci` object (CI profiles and jobs) as JSON text; empty
  /// when it declares none (bench/ci_profile.hpp reads it).
  std::string ci_json;
};

/// A registered component by id, or the component whose homeboy.json in
/// `cwd` (or above) carries that id. `component.not_found` lists the known
/// ids.
/// `local_path_override` (--path) replaces the registered local_path.
Result<Component> load_component(const Paths& paths, const std::string& id,
                                 const std::filesystem::path& cwd,
                                 const std::optional<std::filesystem::path>& local_path_override = {});

/// The component for `cwd`: the deepest of the nearest homeboy.json with an
/// `id` and the registered component whose local_path contains `cwd`.
Result<Component> detect_component(const Paths& paths, const std::filesystem::path& cwd,
                                   const std::optional<std::filesystem::path>& local_path_override = {});

Result<std::vector<Component>> list_components(const Paths& paths);

struct CreateComponentOptions
{
  std::filesystem::path local_path;
  std::optional<std::string> id; // default: homeboy.json id, else the directory name
  std::vector<std::string> extension_ids;
};
Result<Component> create_component(const Paths& paths, const CreateComponentOptions& options);

/// `<config>/extensions/<id>/<id>.json`; a missing or malformed manifest is an
/// error naming the file.
Result<Extension> load_extension(const Paths& paths, const std::string& id);

/// One component file (a registry entry or a homeboy.json) read from
/// `text`, without touching the disk: id (else `file`'s stem), local_path,
/// extensions, scripts, bench commands, env and settings, checked as
/// load_component checks them. `config.invalid` errors name `file`.
Result<Component> parse_component_config(std::string_view text, const std::filesystem::path& file);

/// Lower-case letters, digits, '-', '_' and '.', not starting with '.'.
bool valid_component_id(const std::string& id);

} // namespace hb

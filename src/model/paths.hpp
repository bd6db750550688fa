#pragma once
// Where homeboy keeps things (compat.md, "Paths").

#include "util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hb {

struct Paths
{
  std::filesystem::path config_root;   // ~/.config/homeboy
  std::filesystem::path data_root;     // $HOMEBOY_DATA_DIR | $XDG_DATA_HOME/homeboy | ~/.local/share/homeboy
  std::filesystem::path store_path;    // <data root>/homeboy.sqlite | HOMEBOY_STORE=sqlite:PATH
  /// The shared PostgreSQL store (HOMEBOY_STORE | config store.url, a
  /// postgres:// URL); empty: the SQLite file at store_path.
  std::string store_url;
  std::filesystem::path artifact_root; // --artifact-root | $HOMEBOY_ARTIFACT_ROOT | config | <data root>/artifacts

  std::filesystem::path components_dir() const { return config_root / "components"; }
  std::filesystem::path extensions_dir() const { return config_root / "extensions"; }
  std::filesystem::path runtime_dir() const { return config_root / "runtime"; }
  /// <artifact root>/<run id>/: the run's own files (the id percent-encoded
  /// into one segment, so no two ids share it). `runs cleanup` deletes it
  /// with the run.
  std::filesystem::path run_dir(std::string_view run_id) const;
};

/// Resolves every root from the environment and the global config file.
/// Fails with `config.no_home` when neither HOME nor an override says where.
Result<Paths> resolve_paths(const std::optional<std::filesystem::path>& artifact_root_override);

} // namespace hb

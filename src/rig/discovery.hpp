#pragma once
// Internal to src/rig: where rig specs live (compat.md: `<config>/rigs/<id>.json`;
// installed packages under `<config>/rig-packages/`, with the original's
// `rig-sources/<id>.json` records naming a package root).

#include "model/paths.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::rig::detail {

struct Found
{
  std::string id;
  std::filesystem::path file;
  std::optional<std::filesystem::path> package_root;
  std::filesystem::path source_root; // `extends` paths must stay inside it
};

/// `$HOMEBOY_RIG_REGISTRY_ROOT` when set (as the original), else the config root.
std::filesystem::path registry_root(const Paths& paths);

/// Every rig spec file, sorted by id; a flat `rigs/<id>.json` wins over a
/// package rig with the same id.
std::vector<Found> discover(const Paths& paths);

} // namespace hb::rig::detail

// Why: rigs come from two places (flat spec files and installed packages);
// one walk finds both so `rig list`, `rig show` and `extends` by id agree.

#include "rig/discovery.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace hb::rig::detail {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path>
sorted_entries(const fs::path& dir)
{
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

/// The package root of a `.../rigs/<id>/rig.json` or `<dir>/rig.json` file.
std::optional<fs::path>
package_root_of(const fs::path& canonical)
{
  if (canonical.filename() != "rig.json") return std::nullopt;
  fs::path rig_dir = canonical.parent_path();
  if (rig_dir.parent_path().filename() == "rigs") return rig_dir.parent_path().parent_path();
  return rig_dir;
}

/// The original's default bound for `extends`: the package root for a
/// package spec, else the spec's own directory.
fs::path
source_root_of(const fs::path& canonical)
{
  if (auto root = package_root_of(canonical)) return *root;
  return canonical.parent_path();
}

std::string
declared_id(const fs::path& file, const std::string& fallback)
{
  auto text = hb::fs::read_file(file);
  if (!text) return fallback;
  Json value = parse_json_or_discard(*text);
  std::string id = json_member_or(value, "id", "");
  return id.empty() ? fallback : id;
}

std::optional<fs::path>
recorded_package_root(const fs::path& root, const std::string& id)
{
  auto text = hb::fs::read_file(root / "rig-sources" / (id + ".json"));
  if (!text) return std::nullopt;
  std::string package_path = json_member_or(parse_json_or_discard(*text), "package_path", "");
  if (package_path.empty()) return std::nullopt;
  return fs::path(package_path);
}

} // namespace

fs::path
registry_root(const Paths& paths)
{
  const char* env = std::getenv("HOMEBOY_RIG_REGISTRY_ROOT");
  if (env != nullptr && *env != '\0') {
    std::string value = env;
    const char* home = std::getenv("HOME");
    if ((value == "~" || value.starts_with("~/")) && home != nullptr) value = home + value.substr(1);
    return value;
  }
  return paths.config_root;
}

std::vector<Found>
discover(const Paths& paths)
{
  fs::path root = registry_root(paths);
  std::map<std::string, Found> found;
  std::error_code ec;
  for (const auto& entry : sorted_entries(root / "rig-packages")) {
    if (!fs::is_directory(entry, ec)) continue;
    std::vector<std::pair<fs::path, std::string>> specs;
    if (fs::is_regular_file(entry / "rig.json", ec)) specs.emplace_back(entry / "rig.json", entry.filename().string());
    for (const auto& rig_dir : sorted_entries(entry / "rigs")) {
      if (fs::is_regular_file(rig_dir / "rig.json", ec)) specs.emplace_back(rig_dir / "rig.json", rig_dir.filename().string());
    }
    for (const auto& [file, fallback] : specs) {
      std::string id = declared_id(file, fallback);
      if (found.count(id) != 0) continue;
      fs::path package = fs::weakly_canonical(entry, ec);
      found[id] = Found{id, file, package, package};
    }
  }
  for (const auto& file : sorted_entries(root / "rigs")) {
    if (file.extension() != ".json" || !fs::is_regular_file(file, ec)) continue;
    std::string id = file.stem().string();
    fs::path canonical = fs::weakly_canonical(file, ec);
    auto package_root = recorded_package_root(root, id);
    if (!package_root) package_root = package_root_of(canonical);
    found[id] = Found{id, file, package_root, source_root_of(canonical)};
  }
  std::vector<Found> out;
  for (auto& [id, f] : found) out.push_back(std::move(f));
  return out;
}

} // namespace hb::rig::detail

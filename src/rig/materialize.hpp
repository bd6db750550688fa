#pragma once
// Internal to src/rig: reading a spec file and resolving its `extends`
// chain into one JSON document (deep merge, `$append`, `$merge_by`), and the
// `${...}` expansion every path and command of a spec goes through. Kept out
// of rig.hpp so callers never see nlohmann's headers through it.

#include "util/error.hpp"
#include "util/json.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::rig::detail {

/// Deep-merges `overlay` into `target` as the original's extends does:
/// objects merge key by key, arrays and scalars replace, and an object with
/// `$append` or `{"$merge_by": key, "entries": [...]}` edits an inherited
/// array. `field` is the JSON path of `target` (for messages), `file` the
/// file `overlay` came from. Errors: `rig.invalid_spec` naming both.
Result<void> merge_json(Json& target, Json overlay, const std::filesystem::path& file,
                        const std::string& field);

/// Resolves a parent named in `extends` (a rig id) to its spec file; nullopt when unknown.
using RigFileLookup = std::function<std::optional<std::filesystem::path>(std::string_view id)>;

/// Reads `file` and its `extends` parents (relative .json paths inside
/// `source_root`, or rig ids through `lookup`) into one document without
/// `extends`. Errors: `rig.invalid_spec` (unreadable, bad JSON, bad
/// `extends`), `rig.extends_cycle` naming the chain.
Result<Json> materialize(const std::filesystem::path& file, const std::filesystem::path& source_root,
                         const RigFileLookup& lookup);

/// The values `${...}` tokens expand to.
struct ExpandContext
{
  std::filesystem::path file;                        // for messages
  std::optional<std::filesystem::path> package_root; // ${package.root}
  /// component id -> expanded path; null while component paths themselves expand.
  const std::vector<std::pair<std::string, std::string>>* components = nullptr;
};

/// Expands a leading `~`, `${env.NAME}`, `${package.root}` and
/// `${components.<id>.path}` in `input` (other `${...}` stay as written).
/// `key` is the JSON path of the value, named by every error
/// (`rig.expansion_failed`): an unset variable, an unknown component, a
/// package root outside a package.
Result<std::string> expand(std::string_view input, const ExpandContext& ctx, const std::string& key);

/// `rig.invalid_spec` naming the file and the key.
Unexpected<Error> spec_error(const std::filesystem::path& file, const std::string& key,
                             const std::string& problem);

} // namespace hb::rig::detail

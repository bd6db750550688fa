#pragma once
// What `runs export` and `runs import` share about the v1 bundle format:
// file names, the original tool's status words, key order, labels.

#include "model/run.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hb::app::bundle {

inline constexpr const char* k_format = "homeboy-observations";
inline constexpr int k_version = 1;
inline constexpr const char* k_extras_file = "homeboy_extras.json";
inline constexpr const char* k_extras_format = "homeboy-extras";
inline constexpr int k_extras_version = 1;
inline constexpr const char* k_bytes_dir = "artifact-bytes";
inline constexpr std::string_view k_bundle_scheme = "bundle://";
inline constexpr std::string_view k_metadata_only_prefix = "metadata-only:";

/// Every file and directory a bundle may hold.
bool is_bundle_entry(std::string_view name);

/// The original tool's observation status for a run: running, pass, fail,
/// error, stale, skipped or handed_off.
std::string portable_status(RunStatus status, const std::string& terminal_reason);

struct StatusFromBundle
{
  RunStatus status;
  std::string terminal_reason;
};
/// The reverse: `error` is failed with terminal_reason `error`, `skipped`
/// cancelled with terminal_reason `skipped`, and so on; our own status words
/// are accepted as they are.
std::optional<StatusFromBundle> status_from_portable(std::string_view status);

/// The last non-empty segment of an artifact path (`/` or `\` separated),
/// or `fallback`.
std::string portable_label(std::string_view path, std::string_view fallback);

/// A copy with every object's keys in byte order, at every depth: how the
/// original tool writes JSON values.
Json sorted(const Json& value);

/// Parses stored JSON text (run, artifact, finding metadata); null when it
/// is not JSON.
Json parse_stored(const std::string& text);

/// A bundle file's text (manifest.json, runs.json, ...) parsed as `runs
/// import` reads it: errors are `import.invalid_bundle`, name the file and
/// say that nothing was imported. Touches no disk, so it can be fuzzed.
Result<Json> parse_bundle_file(std::string_view text, const std::string& name);

/// Test failures are findings of tool `test` whose metadata marks them as a
/// recorded failure; they are listed in findings.json and test_failures.json.
bool is_test_failure(const Finding& finding);

} // namespace hb::app::bundle

#pragma once
// The metadata patch of a heartbeat's --preview (registry::heartbeat applies
// it). Pure, so it can be fuzzed without the store.

#include "util/error.hpp"

#include <string>
#include <string_view>

namespace hb::registry {

/// The metadata patch a heartbeat's --preview text makes:
/// {"preview": {...}} with secret-named keys redacted, or "" for no preview.
/// The text must be a JSON object (`validation.invalid_preview` otherwise).
Result<std::string> preview_patch(std::string_view preview_json);

} // namespace hb::registry

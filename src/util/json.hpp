#pragma once
// JSON helpers. Heavy: include only from .cpp files.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace hb {

/// Parses `text`; the error message names the byte offset and what was
/// expected there. `what` names the document in the message ("results file
/// /tmp/x.json").
Result<Json> parse_json(std::string_view text, std::string_view what);

/// Serialises compactly (indent < 0) or pretty; invalid UTF-8 is replaced,
/// never thrown.
std::string dump_json(const Json& value, int indent = -1);

/// "object", "array", "string", "number", "boolean" or "null".
const char* json_type_name(const Json& value);

/// Parses a details object produced by Error::details ("{}" when empty).
Json details_json(const Error& error);

} // namespace hb

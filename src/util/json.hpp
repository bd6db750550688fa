#pragma once
// JSON helpers. Heavy: include only from .cpp files.
//
// Every JSON document homeboy reads goes through parse_json (or
// parse_json_or_discard for its own stored metadata), and every document it
// writes through dump_json: the first bounds nesting before nlohmann's
// recursive code sees it (a results file of 100,000 nested arrays must be an
// error, not a stack overflow), the second never throws on invalid UTF-8
// that a runner, a setting or a log put into a string.

#include "util/error.hpp"
#include "util/json_fwd.hpp"
#include "util/text.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace hb {

/// Deepest nesting of arrays and objects any input may have. Real documents
/// (results, bundles, metadata) stay below 20.
inline constexpr std::size_t k_json_max_depth = 256;

/// Parses `text`; the error message names the byte offset and what was
/// expected there, or, for input nested deeper than k_json_max_depth, the
/// key path where the limit was passed and the limit. `what` names the
/// document in the message ("results file /tmp/x.json").
Result<Json> parse_json(std::string_view text, std::string_view what);

/// For documents homeboy wrote itself (stored metadata): the value, or a
/// discarded value (`is_discarded()`) when the text is not JSON or is nested
/// too deeply. Never throws.
Json parse_json_or_discard(std::string_view text);

/// Serialises compactly (indent < 0) or pretty; invalid UTF-8 is replaced
/// by U+FFFD, never thrown.
std::string dump_json(const Json& value, int indent = -1);

/// "object", "array", "string", "number", "boolean" or "null".
const char* json_type_name(const Json& value);

/// Parses a details object produced by Error::details ("{}" when empty).
Json details_json(const Error& error);

} // namespace hb

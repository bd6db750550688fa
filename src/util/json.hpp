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
#include <cstdint>
#include <type_traits>
#include <utility>
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

/// The member `key` of `object` when `object` is an object whose `key`
/// holds a T (integers must be integers in T's range, a string a string);
/// otherwise `fallback`. Never throws: for stored, imported or runner-written
/// documents whose shape nothing guarantees (Json::value throws on a type
/// mismatch and on a non-object).
template <class T>
T
json_member_or(const Json& object, std::string_view key, T fallback)
{
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  const Json& v = *it;
  if constexpr (std::is_same_v<T, Json>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean() ? v.get<bool>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_number_unsigned()) {
      auto u = v.get<std::uint64_t>();
      return std::in_range<T>(u) ? static_cast<T>(u) : fallback;
    }
    if (v.is_number_integer()) {
      auto i = v.get<std::int64_t>();
      return std::in_range<T>(i) ? static_cast<T>(i) : fallback;
    }
    return fallback;
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number() ? v.get<T>() : fallback;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string() ? v.get<std::string>() : fallback;
  } else {
    static_assert(sizeof(T) == 0, "json_member_or: unsupported type");
  }
}

inline std::string
json_member_or(const Json& object, std::string_view key, const char* fallback)
{
  return json_member_or<std::string>(object, key, std::string(fallback));
}

/// "object", "array", "string", "number", "boolean" or "null".
const char* json_type_name(const Json& value);

/// Parses a details object produced by Error::details ("{}" when empty).
Json details_json(const Error& error);

} // namespace hb

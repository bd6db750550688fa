#pragma once
// Small text and environment helpers for messages and settings: input
// echoed back in an error is cut to a readable length, and a numeric
// environment variable is read with a range check instead of atoi's silent 0.

#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hb {

/// `text` cut to at most `max_bytes` (on a UTF-8 boundary) with "…" and the
/// original length appended when cut: for echoing input back in a message.
std::string truncate_for_message(std::string_view text, std::size_t max_bytes = 80);

/// `text` percent-encoded (RFC 3986: all but letters, digits, -._~), for a
/// URL's path segment or query value.
std::string percent_encode(std::string_view text);

/// `value` as a quoted string for a curl config file (`-K`): in double
/// quotes, with backslashes and double quotes escaped.
std::string quote_for_curl_config(const std::string& value);

/// The environment variable `name` as a whole number in [min, max]; nullopt
/// when unset or empty. Anything else (letters, a sign, a fraction, out of
/// range) is an error naming the variable, its value and the range.
Result<std::optional<std::uint64_t>> env_uint(const char* name, std::uint64_t min,
                                              std::uint64_t max);

} // namespace hb

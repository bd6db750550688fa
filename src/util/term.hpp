#pragma once
// Terminal awareness: colour only on a TTY, never with NO_COLOR.

#include <cstdio>
#include <string>
#include <string_view>

namespace hb::term {

/// True when `stream` is a terminal and NO_COLOR is unset or empty.
bool colour_enabled(std::FILE* stream);

enum class Colour { red, green, yellow, dim, bold };

/// Wraps `text` in the colour's escape sequence when `enabled`.
std::string paint(std::string_view text, Colour colour, bool enabled);

} // namespace hb::term

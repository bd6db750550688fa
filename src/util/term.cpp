#include "util/term.hpp"

#include <cstdlib>
#include <unistd.h>

namespace hb::term {

bool
colour_enabled(std::FILE* stream)
{
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) {
    return false;
  }
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") {
    return false;
  }
  return ::isatty(fileno(stream)) == 1;
}

std::string
paint(std::string_view text, Colour colour, bool enabled)
{
  if (!enabled) {
    return std::string(text);
  }
  const char* code = "";
  switch (colour) {
  case Colour::red: code = "\x1b[31m"; break;
  case Colour::green: code = "\x1b[32m"; break;
  case Colour::yellow: code = "\x1b[33m"; break;
  case Colour::dim: code = "\x1b[2m"; break;
  case Colour::bold: code = "\x1b[1m"; break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

} // namespace hb::term

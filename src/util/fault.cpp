#include "util/fault.hpp"

#include <csignal>
#include <cstdlib>

namespace hb {

void
kill_here_if_asked(std::string_view point)
{
  const char* wanted = std::getenv("HOMEBOY_TEST_KILL_AT");
  if (wanted && point == wanted) {
    ::raise(SIGKILL);
  }
}

} // namespace hb

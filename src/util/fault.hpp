#pragma once
// A test seam for crash consistency: HOMEBOY_TEST_KILL_AT=<point> makes the
// process SIGKILL itself when it reaches that named point, so an integration
// test can stop homeboy between two writes deterministically instead of
// hoping a random kill lands there. Unset (always, outside tests): nothing.

#include <string_view>

namespace hb {

/// SIGKILLs this process if HOMEBOY_TEST_KILL_AT names `point`.
void kill_here_if_asked(std::string_view point);

} // namespace hb

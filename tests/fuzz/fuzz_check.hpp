#pragma once
// What every fuzz target asserts about a parser's answer: a value, or an
// error whose message says something. A trap (not an exception or abort
// message) so libFuzzer and the replay test both record it as a crash.

#include <string>

namespace hb::fuzz {

[[noreturn]] inline void
fail()
{
  __builtin_trap();
}

inline void
require(bool condition)
{
  if (!condition) {
    fail();
  }
}

/// A rejected input must be told why.
template <typename R>
void
require_explained(const R& result)
{
  if (!result) {
    require(!result.error().message.empty());
    require(!result.error().code.empty());
  }
}

} // namespace hb::fuzz

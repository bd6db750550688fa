#pragma once
// The one error type that crosses module boundaries. Codes are dotted
// "<area>.<what>" strings (validation.invalid_argument, store.busy,
// runner.failed, ...); they appear verbatim in the CLI's JSON error envelope.

#include "util/expected.hpp"

#include <string>
#include <utility>

namespace hb {

struct Error
{
  std::string code;
  std::string message;
  /// A JSON object as text ("{}" when there is nothing to add).
  std::string details = "{}";
};

template <class T>
using Result = Expected<T, Error>;

inline Unexpected<Error>
make_error(std::string code, std::string message, std::string details = "{}")
{
  return Unexpected<Error>(Error{std::move(code), std::move(message), std::move(details)});
}

} // namespace hb

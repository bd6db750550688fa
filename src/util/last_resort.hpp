#pragma once
// What happens when homeboy itself fails: an exception that escaped every
// handler, or std::terminate from any thread. Instead of "terminate called
// after throwing ...", the actions registered here run once (a bench settles
// its run as failed, so the record never stays `running`), a message says
// what went wrong and how to report it, and the process exits with 70
// (EX_SOFTWARE).
//
// Thread safety: register/unregister from any thread; the actions run on the
// failing thread, at most once per process.

#include <functional>
#include <string>
#include <string_view>

namespace hb {

/// Exit code of an internal error.
inline constexpr int k_internal_error_exit = 70;

/// Keeps `action` registered for its lifetime; it receives a one-line
/// description of the failure.
class LastResortAction
{
public:
  explicit LastResortAction(std::function<void(const std::string&)> action);
  ~LastResortAction();
  LastResortAction(const LastResortAction&) = delete;
  LastResortAction& operator=(const LastResortAction&) = delete;

private:
  int m_slot;
};

/// Makes std::terminate run handle_internal_error and exit.
void install_last_resort_handler();

/// Runs the registered actions (once), prints the message on stderr and
/// returns k_internal_error_exit.
int handle_internal_error(std::string_view what);

} // namespace hb

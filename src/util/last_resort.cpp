#include "util/last_resort.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <unistd.h>

namespace hb {

namespace {

std::mutex g_mutex;
std::map<int, std::function<void(const std::string&)>>&
actions()
{
  static auto* registered = new std::map<int, std::function<void(const std::string&)>>();
  return *registered;
}
int g_next_slot = 0;
std::atomic<bool> g_handled{false};

std::string
describe_current_exception()
{
  auto current = std::current_exception();
  if (!current) {
    return "std::terminate was called";
  }
  try {
    std::rethrow_exception(current);
  } catch (const std::exception& e) {
    return std::string("uncaught exception: ") + e.what();
  } catch (...) {
    return "uncaught exception of an unknown type";
  }
}

[[noreturn]] void
on_terminate()
{
  int code = handle_internal_error(describe_current_exception());
  std::_Exit(code);
}

} // namespace

LastResortAction::LastResortAction(std::function<void(const std::string&)> action)
{
  std::lock_guard lock(g_mutex);
  m_slot = g_next_slot++;
  actions().emplace(m_slot, std::move(action));
}

LastResortAction::~LastResortAction()
{
  std::lock_guard lock(g_mutex);
  actions().erase(m_slot);
}

void
install_last_resort_handler()
{
  std::set_terminate(on_terminate);
}

int
handle_internal_error(std::string_view what)
{
  if (g_handled.exchange(true)) {
    return k_internal_error_exit; // a second failure while handling the first
  }
  std::string message(what);
  // Messages may carry bytes from input; keep the line printable.
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::map<int, std::function<void(const std::string&)>> pending;
  {
    std::lock_guard lock(g_mutex);
    pending.swap(actions());
  }
  for (auto& [slot, action] : pending) {
    try {
      action(message);
    } catch (...) {
      // The record is reconciled later (`homeboy runs reconcile`).
    }
  }
  std::fprintf(stderr,
               "error: homeboy hit an internal error (%s).\n"
               "This is a bug in homeboy; the run, if one was active, is recorded as failed.\n"
               "Please report it with the command line and the input that caused it.\n",
               message.c_str());
  std::fflush(stderr);
  return k_internal_error_exit;
}

} // namespace hb

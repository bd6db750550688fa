// The daemon's scheduler loop: a lease in the store elects one ticker among
// the daemons sharing it; the slot records make a slot fire once even when
// a lease changes hands mid-tick.

#include "schedule/schedules.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace hb::schedule {

namespace {

constexpr const char* k_lease = "scheduler";
constexpr std::int64_t k_lease_ttl_ms = 15'000;
/// The holder renews this often (a write); in between, ticks only read
/// unless a slot is due.
constexpr std::int64_t k_renew_ms = 5'000;
constexpr int k_tick_ms = 1000;

} // namespace

void
run_scheduler(const Paths& paths, const std::string& holder, const std::function<bool()>& stop,
              const std::function<void(bool, const std::string&)>& log)
{
  auto store = open_store(paths);
  if (!store) {
    log(true, fmt::format("scheduler: {}", store.error().message));
    return;
  }
  bool leading = false;
  TimeMs renewed_at = 0;
  std::string last_error;
  while (!stop()) {
    TimeMs now = now_ms();
    Result<bool> held = true;
    if (!leading || now - renewed_at >= k_renew_ms) {
      held = (*store)->acquire_lease(k_lease, holder, now, k_lease_ttl_ms);
      if (held && *held) renewed_at = now;
    }
    bool now_leading = held && *held;
    if (now_leading != leading) {
      log(false, now_leading ? "scheduler: this daemon fires the schedules"
                             : "scheduler: another daemon fires the schedules");
      leading = now_leading;
    }
    if (!held && held.error().message != last_error) {
      last_error = held.error().message;
      log(true, fmt::format("scheduler: {}", last_error));
    }
    if (now_leading) {
      TickReport report = tick(**store, paths, now);
      for (const auto& slot : report.recorded) {
        log(false, fmt::format("scheduler: schedule {} slot {} {}{}{}", slot.schedule_id,
                               format_rfc3339(slot.slot_at), slot.outcome,
                               slot.run_id.empty() ? "" : " run " + slot.run_id,
                               slot.reason.empty() ? "" : " (" + slot.reason + ")"));
      }
      for (const auto& error : report.errors) {
        if (error != last_error) log(true, fmt::format("scheduler: {}", error));
        last_error = error;
      }
    }
    for (int waited = 0; waited < k_tick_ms && !stop(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (leading) (void)(*store)->release_lease(k_lease, holder);
}

} // namespace hb::schedule

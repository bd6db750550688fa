#pragma once
// Scheduled runs (docs/schedules.md): adding, reading, pausing and removing
// schedules, and the scheduler's tick that fires their slots. Both front
// ends (the `schedule` commands and the daemon's API) call these; the
// daemon runs the tick.
//
// Threads: a Store is used by one thread, so each caller passes its own.

#include "model/paths.hpp"
#include "model/schedule.hpp"
#include "registry/recipe.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hb::schedule {

struct AddRequest
{
  std::string name;
  std::string cron;
  std::string timezone; // empty: the machine's zone
  std::string catch_up = "skip";
  bool paused = false;
  /// The run each slot queues: `bench ...` runs this homeboy's bench; any
  /// other argv is a command, as `runs submit` takes it.
  registry::RecipeOptions options;
  std::vector<std::string> argv;
};

/// Validates and stores a new schedule; its first slot is the first after
/// `now`. Errors name the option that was wrong.
Result<Schedule> add(Store& store, const AddRequest& request, TimeMs now);

/// The schedule with this id, name or id prefix; `schedule.not_found`
/// saying how to list them.
Result<Schedule> find(Store& store, const std::string& id_or_name);

/// Pauses (`pause`) or resumes a schedule; returns it as it is after.
Result<Schedule> set_paused(Store& store, const std::string& id_or_name, bool pause, TimeMs now);

/// Removes a schedule and its slot records (the runs it queued stay).
Result<Schedule> remove(Store& store, const std::string& id_or_name);

/// The next `count` firings after `after` (fewer when the expression fires
/// less often within its horizon).
Result<std::vector<TimeMs>> next_firings(const std::string& cron, const std::string& timezone,
                                         TimeMs after, std::size_t count);

/// The JSON of a schedule: its fields, recipe, next firings and, when
/// given, recent slots.
Json schedule_json(const Schedule& schedule, const std::vector<TimeMs>& next,
                   const std::vector<ScheduleSlot>& slots);

/// schedule_json with the next five firings after `now` and the `slots`
/// most recent slot records (the payload of `schedule show` and the API).
Result<Json> view_json(Store& store, const Schedule& schedule, std::size_t slots, TimeMs now);

/// Every schedule as view_json with its latest slot: {"schedules", "count"}.
Result<Json> list_json(Store& store, TimeMs now);

/// What one tick did.
struct TickReport
{
  std::vector<ScheduleSlot> recorded; // fired or skipped, in order
  std::vector<std::string> errors;    // one per schedule that could not be handled
};

/// How late a slot may fire and still count as on time.
inline constexpr std::int64_t k_on_time_ms = 120'000;

/// Fires (queues the run of) every schedule's due slot at `now`: a slot at
/// most k_on_time_ms old fires; older ones were missed while no scheduler
/// ran and are recorded skipped, or with catch_up "once" the latest of them
/// fires late. Each slot is recorded once, whoever else ticks the store.
TickReport tick(Store& store, const Paths& paths, TimeMs now);

/// The daemon's scheduler: about once a second, while `holder` holds the
/// store's `scheduler` lease (so one daemon fires at a time), ticks; until
/// `stop()` is true, then gives the lease up. `log(error, line)` reports
/// what each tick recorded.
void run_scheduler(const Paths& paths, const std::string& holder,
                   const std::function<bool()>& stop,
                   const std::function<void(bool, const std::string&)>& log);

} // namespace hb::schedule

#pragma once
// Scheduled runs (docs/schedules.md): a cron expression in a time zone and
// the recipe of the run each slot queues. A slot is an instant the cron
// names; the store records each one fired or skipped exactly once.

#include "util/time.hpp"

#include <string>

namespace hb {

struct Schedule
{
  std::string id;       // a UUID
  std::string name;     // unique; how people name it
  std::string cron;     // as given ("0 3 * * *", "@daily")
  std::string timezone; // IANA name the cron is read in
  /// A slot missed while no daemon ran: "skip" records it skipped; "once"
  /// fires the latest missed slot once (the rest recorded skipped).
  std::string catch_up = "skip";
  bool paused = false;
  std::string recipe_json = "{}"; // registry recipe of the runs it queues
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  /// Every slot at or before this instant is settled (fired, skipped, or
  /// passed while paused); the scheduler looks for the next one after it.
  TimeMs cursor_at = 0;
};

/// One slot of a schedule, as recorded.
struct ScheduleSlot
{
  std::string schedule_id;
  TimeMs slot_at = 0;
  std::string outcome; // fired | skipped
  std::string run_id;  // fired: the run it queued
  std::string reason;  // skipped: why; fired late: why
  TimeMs recorded_at = 0;
};

} // namespace hb

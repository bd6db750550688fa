// Schedules, their slots and named leases in the SQLite store. A slot's
// primary key (schedule, instant) is the exactly-once guarantee: the slot
// row, the run it queues and the cursor move commit together or not at all.

#include "store/sql/rows.hpp"
#include "store/sql/sql_store.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

namespace hb::sql {

namespace {

constexpr const char* k_schedule_columns =
  "id, name, cron, timezone, catch_up, paused, recipe, created_at, updated_at, cursor_at";

Schedule
read_schedule(const Stmt& s)
{
  Schedule out;
  out.id = s.text(0);
  out.name = s.text(1);
  out.cron = s.text(2);
  out.timezone = s.text(3);
  out.catch_up = s.text(4);
  out.paused = s.int64(5) != 0;
  out.recipe_json = s.text(6);
  out.created_at = s.int64(7);
  out.updated_at = s.int64(8);
  out.cursor_at = s.int64(9);
  return out;
}

} // namespace

Result<void>
SqlStore::insert_schedule(const Schedule& schedule)
{
  return m_db.write_transaction([&]() -> Result<void> {
    auto done = execute(
      m_db, fmt::format("INSERT INTO schedules ({}) VALUES ({})", k_schedule_columns, placeholders(10)),
      [&](Stmt& s) {
        s.bind(1, schedule.id)
          .bind(2, schedule.name)
          .bind(3, schedule.cron)
          .bind(4, schedule.timezone)
          .bind(5, schedule.catch_up)
          .bind(6, static_cast<std::int64_t>(schedule.paused))
          .bind(7, schedule.recipe_json)
          .bind(8, static_cast<std::int64_t>(schedule.created_at))
          .bind(9, static_cast<std::int64_t>(schedule.updated_at))
          .bind(10, static_cast<std::int64_t>(schedule.cursor_at));
      });
    if (!done && done.error().code == "store.unique") {
      return make_error("store.conflict",
                        fmt::format("a schedule named \"{}\" already exists; pick another --name "
                                    "or remove it first (`homeboy schedule remove {}`)",
                                    schedule.name, schedule.name));
    }
    if (!done) return Unexpected(done.error());
    return {};
  });
}

Result<std::vector<Schedule>>
SqlStore::list_schedules()
{
  std::vector<Schedule> out;
  auto ok = each_row(
    m_db, fmt::format("SELECT {} FROM schedules ORDER BY name", k_schedule_columns),
    [](Stmt&) {}, [&](const Stmt& s) { out.push_back(read_schedule(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::optional<Schedule>>
SqlStore::find_schedule(const std::string& id_or_name)
{
  auto by = [&](const char* column, const std::string& value) {
    return first_row<Schedule>(
      m_db, fmt::format("SELECT {} FROM schedules WHERE {} = ?", k_schedule_columns, column),
      [&](Stmt& s) { s.bind(1, value); }, read_schedule);
  };
  for (const char* column : {"id", "name"}) {
    auto found = by(column, id_or_name);
    if (!found || *found) return found;
  }
  auto id = resolve_prefix(m_db, "schedules", "schedule", id_or_name);
  if (!id) return Unexpected(id.error());
  if (!*id) return std::optional<Schedule>();
  return by("id", **id);
}

Result<bool>
SqlStore::set_schedule_paused(const std::string& schedule_id, bool paused, TimeMs now)
{
  bool changed = false;
  auto ok = m_db.write_transaction([&]() -> Result<void> {
    auto done = execute(m_db,
                        "UPDATE schedules SET paused = ?, updated_at = ?, "
                        "cursor_at = CASE WHEN ? = 1 OR cursor_at >= ? THEN cursor_at ELSE ? END "
                        "WHERE id = ? AND paused != ?",
                        [&](Stmt& s) {
                          s.bind(1, static_cast<std::int64_t>(paused))
                            .bind(2, static_cast<std::int64_t>(now))
                            .bind(3, static_cast<std::int64_t>(paused))
                            .bind(4, static_cast<std::int64_t>(now))
                            .bind(5, static_cast<std::int64_t>(now))
                            .bind(6, schedule_id)
                            .bind(7, static_cast<std::int64_t>(paused));
                        });
    if (!done) return Unexpected(done.error());
    changed = *done == 1;
    return {};
  });
  if (!ok) return Unexpected(ok.error());
  return changed;
}

Result<bool>
SqlStore::delete_schedule(const std::string& schedule_id)
{
  bool deleted = false;
  auto ok = m_db.write_transaction([&]() -> Result<void> {
    auto done = execute(m_db, "DELETE FROM schedules WHERE id = ?",
                        [&](Stmt& s) { s.bind(1, schedule_id); });
    if (!done) return Unexpected(done.error());
    deleted = *done == 1;
    return {};
  });
  if (!ok) return Unexpected(ok.error());
  return deleted;
}

Result<bool>
SqlStore::record_slot(const ScheduleSlot& slot, const std::optional<Run>& run)
{
  bool recorded = false;
  auto ok = m_db.write_transaction([&]() -> Result<void> {
    recorded = false;
    auto inserted = execute(
      m_db,
      "INSERT INTO schedule_slots (schedule_id, slot_at, outcome, run_id, reason, "
      "recorded_at) SELECT id, ?, ?, ?, ?, ? FROM schedules WHERE id = ? ON CONFLICT DO NOTHING",
      [&](Stmt& s) {
        s.bind(1, static_cast<std::int64_t>(slot.slot_at))
          .bind(2, slot.outcome)
          .bind_text_or_null(3, run ? run->id : std::string())
          .bind_text_or_null(4, slot.reason)
          .bind(5, static_cast<std::int64_t>(slot.recorded_at))
          .bind(6, slot.schedule_id);
      });
    if (!inserted) return Unexpected(inserted.error());
    if (*inserted != 1) return {}; // recorded by someone else, or no such schedule
    auto cursor = execute(m_db, "UPDATE schedules SET cursor_at = ?1 WHERE id = ?2 AND cursor_at < ?1",
                          [&](Stmt& s) {
                            s.bind(1, static_cast<std::int64_t>(slot.slot_at)).bind(2, slot.schedule_id);
                          });
    if (!cursor) return Unexpected(cursor.error());
    if (run) {
      auto stmt = m_db.prepare(insert_run_sql());
      if (!stmt) return Unexpected(stmt.error());
      bind_run(*stmt, *run);
      if (auto done = stmt->run(); !done) return done;
      Json data = {{"status", to_string(run->status)},
                   {"schedule_id", slot.schedule_id},
                   {"slot", format_rfc3339(slot.slot_at)}};
      if (auto done = insert_event(run->id, "submitted", dump_json(data), run->created_at); !done) {
        return done;
      }
    }
    recorded = true;
    return {};
  });
  if (!ok) return Unexpected(ok.error());
  return recorded;
}

Result<std::vector<ScheduleSlot>>
SqlStore::schedule_slots(const std::string& schedule_id, std::size_t limit)
{
  std::vector<ScheduleSlot> out;
  auto ok = each_row(
    m_db,
    "SELECT schedule_id, slot_at, outcome, run_id, reason, recorded_at FROM schedule_slots "
    "WHERE schedule_id = ? ORDER BY slot_at DESC LIMIT ?",
    [&](Stmt& s) { s.bind(1, schedule_id).bind(2, static_cast<std::int64_t>(limit)); },
    [&](const Stmt& s) {
      ScheduleSlot slot;
      slot.schedule_id = s.text(0);
      slot.slot_at = s.int64(1);
      slot.outcome = s.text(2);
      slot.run_id = s.is_null(3) ? "" : s.text(3);
      slot.reason = s.is_null(4) ? "" : s.text(4);
      slot.recorded_at = s.int64(5);
      out.push_back(std::move(slot));
    });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<bool>
SqlStore::acquire_lease(const std::string& name, const std::string& holder, TimeMs now,
                           std::int64_t ttl_ms)
{
  bool held = false;
  auto ok = m_db.write_transaction([&]() -> Result<void> {
    auto done = execute(
      m_db,
      "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
      "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
      [&](Stmt& s) {
        s.bind(1, name)
          .bind(2, holder)
          .bind(3, static_cast<std::int64_t>(now + ttl_ms))
          .bind(4, static_cast<std::int64_t>(now));
      });
    if (!done) return Unexpected(done.error());
    held = *done == 1;
    return {};
  });
  if (!ok) return Unexpected(ok.error());
  return held;
}

Result<void>
SqlStore::release_lease(const std::string& name, const std::string& holder)
{
  return m_db.write_transaction([&]() -> Result<void> {
    auto done = execute(m_db, "DELETE FROM leases WHERE name = ? AND holder = ?",
                        [&](Stmt& s) { s.bind(1, name).bind(2, holder); });
    if (!done) return Unexpected(done.error());
    return {};
  });
}

} // namespace hb::sql

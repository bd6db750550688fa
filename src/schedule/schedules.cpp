// Schedules: validation, the JSON both front ends print, and the tick. The
// tick decides each slot's fate from the schedule's cursor (every slot at or
// before it is settled) and records it with Store::record_slot, whose
// primary key lets a slot through once however many schedulers tick.

#include "schedule/schedules.hpp"
#include "registry/registry.hpp"
#include "util/cron.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/secret_mask.hpp"

#include <fmt/format.h>

namespace hb::schedule {

namespace {

Result<CronExpr>
checked_cron(const std::string& cron, const TimeZone& zone, TimeMs now)
{
  auto expr = parse_cron(cron);
  if (!expr) return Unexpected(expr.error());
  if (!next_slot(*expr, zone, now / 1000)) {
    return make_error("cron.never",
                      fmt::format("cron expression \"{}\" never fires in the next eight years "
                                  "(a day that does not exist, such as February 30?); check the "
                                  "day and month fields",
                                  cron));
  }
  return expr;
}

/// The schedule's zone and expression (both were checked when it was added).
struct Clock
{
  TimeZone zone;
  CronExpr expr;
};

Result<Clock>
clock_of(const Schedule& s)
{
  auto zone = TimeZone::load(s.timezone);
  if (!zone) return Unexpected(zone.error());
  auto expr = parse_cron(s.cron);
  if (!expr) return Unexpected(expr.error());
  return Clock{*zone, *expr};
}

std::optional<TimeMs>
slot_after(const Clock& clock, TimeMs after)
{
  // Slots are whole minutes; the cursor may sit anywhere inside one.
  auto next = next_slot(clock.expr, clock.zone, (after >= 0 ? after / 1000 : (after - 999) / 1000));
  if (!next) return std::nullopt;
  return *next * 1000;
}

/// The run a slot queues: the schedule's recipe, kind `schedule`, linked to
/// the schedule and the slot.
Result<Run>
slot_run(const Schedule& s, TimeMs slot_at, TimeMs now, const std::string& late_reason)
{
  auto node = parse_json(s.recipe_json, "schedule recipe");
  if (!node) return Unexpected(node.error());
  auto recipe = registry::recipe_from_json(*node, fmt::format("schedule {}", s.name));
  if (!recipe) return Unexpected(recipe.error());
  recipe->labels["schedule"] = s.name;
  std::vector<std::string> secrets;
  for (const auto& name : recipe->secret_env) {
    if (const char* value = std::getenv(name.c_str())) secrets.emplace_back(value);
  }
  Run run = registry::make_queued_run(*recipe, SecretMasker(secrets), now);
  Json metadata = Json::parse(run.metadata_json, nullptr, false);
  Json link = {{"id", s.id}, {"name", s.name}, {"slot", format_rfc3339(slot_at)}};
  if (!late_reason.empty()) link["late"] = late_reason;
  metadata["schedule"] = link;
  run.metadata_json = dump_json(metadata);
  return run;
}

} // namespace

Result<Schedule>
add(Store& store, const AddRequest& request, TimeMs now)
{
  if (request.name.empty()) {
    return make_error("validation.missing_name", "--name is required: a name to manage the schedule by");
  }
  if (request.name.size() > 200) {
    return make_error("validation.invalid_name", "--name is longer than 200 characters");
  }
  if (request.catch_up != "skip" && request.catch_up != "once") {
    return make_error("validation.invalid_catch_up",
                      fmt::format("--catch-up {}: expected skip (a slot missed while no daemon "
                                  "ran is recorded skipped) or once (the latest missed slot fires "
                                  "once when a daemon starts)",
                                  request.catch_up));
  }
  if (request.argv.empty()) {
    return make_error("validation.missing_command",
                      "give the command after `--`: `homeboy schedule add --name N --cron \"0 3 * * *\" "
                      "-- <command | bench COMPONENT ...>`");
  }
  std::string zone_name = request.timezone.empty() ? local_zone_name() : request.timezone;
  auto zone = TimeZone::load(zone_name);
  if (!zone) {
    return make_error("validation.invalid_timezone",
                      fmt::format("--timezone: {}", zone.error().message));
  }
  auto expr = checked_cron(request.cron, *zone, now);
  if (!expr) {
    return make_error("validation.invalid_cron", fmt::format("--cron: {}", expr.error().message));
  }
  std::vector<std::string> argv = request.argv;
  if (argv.front() == "bench") {
    auto program = registry::homeboy_program();
    if (!program) return Unexpected(program.error());
    argv.insert(argv.begin(), *program);
  }
  registry::RecipeOptions options = request.options;
  options.kind = "schedule";
  auto recipe = registry::make_recipe(options, argv);
  if (!recipe) return Unexpected(recipe.error());
  if (auto ok = registry::validate(*recipe); !ok) return Unexpected(ok.error());

  Schedule s;
  s.id = new_uuid_v4();
  s.name = request.name;
  s.cron = expr->text;
  s.timezone = zone->name();
  s.catch_up = request.catch_up;
  s.paused = request.paused;
  s.recipe_json = dump_json(registry::recipe_to_json(*recipe));
  s.created_at = s.updated_at = s.cursor_at = now;
  if (auto ok = store.insert_schedule(s); !ok) return Unexpected(ok.error());
  return s;
}

Result<Schedule>
find(Store& store, const std::string& id_or_name)
{
  auto found = store.find_schedule(id_or_name);
  if (!found) return Unexpected(found.error());
  if (!*found) {
    return make_error("schedule.not_found",
                      fmt::format("no schedule named or with id \"{}\"; `homeboy schedule list` "
                                  "lists them",
                                  id_or_name));
  }
  return **found;
}

Result<Schedule>
set_paused(Store& store, const std::string& id_or_name, bool pause, TimeMs now)
{
  auto s = find(store, id_or_name);
  if (!s) return s;
  if (auto ok = store.set_schedule_paused(s->id, pause, now); !ok) return Unexpected(ok.error());
  return find(store, s->id);
}

Result<Schedule>
remove(Store& store, const std::string& id_or_name)
{
  auto s = find(store, id_or_name);
  if (!s) return s;
  if (auto ok = store.delete_schedule(s->id); !ok) return Unexpected(ok.error());
  return s;
}

Result<std::vector<TimeMs>>
next_firings(const std::string& cron, const std::string& timezone, TimeMs after, std::size_t count)
{
  auto zone = TimeZone::load(timezone);
  if (!zone) return Unexpected(zone.error());
  auto expr = parse_cron(cron);
  if (!expr) return Unexpected(expr.error());
  Clock clock{*zone, *expr};
  std::vector<TimeMs> out;
  TimeMs at = after;
  while (out.size() < count) {
    auto next = slot_after(clock, at);
    if (!next) break;
    out.push_back(*next);
    at = *next;
  }
  return out;
}

Json
schedule_json(const Schedule& s, const std::vector<TimeMs>& next,
              const std::vector<ScheduleSlot>& slots)
{
  Json recipe = Json::parse(s.recipe_json, nullptr, false);
  Json out = {{"id", s.id},
              {"name", s.name},
              {"cron", s.cron},
              {"timezone", s.timezone},
              {"catch_up", s.catch_up},
              {"paused", s.paused},
              {"command", recipe.is_object() ? recipe.value("argv", Json::array()) : Json::array()},
              {"recipe", recipe},
              {"created_at", format_rfc3339(s.created_at)},
              {"updated_at", format_rfc3339(s.updated_at)},
              {"settled_through", format_rfc3339(s.cursor_at)}};
  Json firings = Json::array();
  for (TimeMs t : next) firings.push_back(format_rfc3339(t));
  out["next_firings"] = s.paused ? Json::array() : firings;
  Json recent = Json::array();
  for (const auto& slot : slots) {
    Json row = {{"slot", format_rfc3339(slot.slot_at)},
                {"outcome", slot.outcome},
                {"recorded_at", format_rfc3339(slot.recorded_at)}};
    if (!slot.run_id.empty()) row["run_id"] = slot.run_id;
    if (!slot.reason.empty()) row["reason"] = slot.reason;
    recent.push_back(std::move(row));
  }
  out["slots"] = recent;
  return out;
}

Result<Json>
view_json(Store& store, const Schedule& schedule, std::size_t slots, TimeMs now)
{
  constexpr std::size_t k_shown_firings = 5;
  auto next = next_firings(schedule.cron, schedule.timezone, now, k_shown_firings);
  if (!next) return Unexpected(next.error());
  std::vector<ScheduleSlot> recent;
  if (slots > 0) {
    auto read = store.schedule_slots(schedule.id, slots);
    if (!read) return Unexpected(read.error());
    recent = std::move(*read);
  }
  return schedule_json(schedule, *next, recent);
}

Result<Json>
list_json(Store& store, TimeMs now)
{
  auto schedules = store.list_schedules();
  if (!schedules) return Unexpected(schedules.error());
  Json items = Json::array();
  for (const auto& s : *schedules) {
    auto item = view_json(store, s, 1, now);
    if (!item) return Unexpected(item.error());
    items.push_back(std::move(*item));
  }
  return Json{{"schedules", items}, {"count", items.size()}};
}

TickReport
tick(Store& store, const Paths& paths, TimeMs now)
{
  TickReport report;
  auto schedules = store.list_schedules();
  if (!schedules) {
    report.errors.push_back(schedules.error().message);
    return report;
  }
  bool queued = false;
  for (const auto& s : *schedules) {
    if (s.paused) continue;
    auto clock = clock_of(s);
    if (!clock) {
      report.errors.push_back(fmt::format("schedule {}: {}", s.name, clock.error().message));
      continue;
    }
    auto first = slot_after(*clock, s.cursor_at);
    if (!first || *first > now) continue;
    // Every due slot: the first after the cursor up to the latest <= now.
    TimeMs latest = *first;
    std::size_t due = 1;
    for (auto next = slot_after(*clock, latest); next && *next <= now; next = slot_after(*clock, latest)) {
      latest = *next;
      ++due;
    }
    bool on_time = now - latest <= k_on_time_ms;
    auto record = [&](TimeMs slot_at, const std::string& outcome, const std::string& reason) -> bool {
      ScheduleSlot slot{s.id, slot_at, outcome, "", reason, now};
      std::optional<Run> run;
      if (outcome == "fired") {
        auto made = slot_run(s, slot_at, now, reason);
        if (!made) {
          report.errors.push_back(fmt::format("schedule {}: {}", s.name, made.error().message));
          return false;
        }
        run = *made;
        slot.run_id = made->id;
      }
      auto ok = store.record_slot(slot, run);
      if (!ok) {
        report.errors.push_back(fmt::format("schedule {}: {}", s.name, ok.error().message));
        return false;
      }
      if (*ok) {
        report.recorded.push_back(slot);
        queued = queued || run.has_value();
      }
      return *ok;
    };
    std::size_t missed = on_time ? due - 1 : due;
    if (missed > 0) {
      // The missed slots are recorded as one: the last of them, with the span.
      TimeMs last_missed = latest;
      if (on_time) {
        auto before = next_firings(s.cron, s.timezone, *first - 1, due - 1);
        last_missed = before && !before->empty() ? before->back() : *first;
      }
      bool fire_late = !on_time && s.catch_up == "once";
      std::string span = missed == 1
                           ? fmt::format("the slot at {} passed while no scheduler ran",
                                         format_rfc3339(*first))
                           : fmt::format("{} slots from {} to {} passed while no scheduler ran",
                                         missed, format_rfc3339(*first), format_rfc3339(last_missed));
      if (fire_late) {
        if (missed > 1) {
          auto before = next_firings(s.cron, s.timezone, *first - 1, missed - 1);
          TimeMs prior = before && !before->empty() ? before->back() : *first;
          if (!record(prior, "skipped",
                      fmt::format("{} slot(s) from {} to {} passed while no scheduler ran; "
                                  "--catch-up once fires only the latest",
                                  missed - 1, format_rfc3339(*first), format_rfc3339(prior)))) {
            continue;
          }
        }
        record(latest, "fired", fmt::format("late: {}; fired once (--catch-up once)", span));
        continue;
      }
      if (!record(last_missed, "skipped",
                  fmt::format("{}; skipped (--catch-up skip)", span))) {
        continue;
      }
    }
    if (on_time) record(latest, "fired", "");
  }
  if (queued) registry::wake(paths);
  return report;
}

} // namespace hb::schedule

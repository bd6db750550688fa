// `homeboy schedule add | list | show | pause | resume | remove | next`:
// scheduled runs (docs/schedules.md). The daemon fires them; these commands
// only manage what is stored.

#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "registry/recipe.hpp"
#include "schedule/schedules.hpp"
#include "util/json.hpp"
#include "util/table.hpp"
#include "util/time.hpp"
#include "util/tz.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <unistd.h>

namespace hb::cli {

namespace {

/// Whether `program` would be found to run: a path (relative to `cwd`), or
/// a name on PATH.
bool
runnable(const std::string& program, const std::string& cwd)
{
  if (program.find('/') != std::string::npos) {
    std::filesystem::path path = program;
    if (path.is_relative() && !cwd.empty()) path = std::filesystem::path(cwd) / path;
    return ::access(path.c_str(), X_OK) == 0;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string
command_of(const Json& schedule)
{
  std::string command;
  for (const auto& arg : schedule["command"]) {
    command += (command.empty() ? "" : " ") + arg.get<std::string>();
  }
  return command;
}

std::string
render_schedule(const Json& s)
{
  std::string out = fmt::format("schedule {}  {}\n", s["name"].get<std::string>(),
                                s["id"].get<std::string>());
  out += fmt::format("  cron      {} ({})\n", s["cron"].get<std::string>(), s["timezone"].get<std::string>());
  out += fmt::format("  state     {}\n", s["paused"].get<bool>() ? "paused" : "active");
  out += fmt::format("  catch-up  {}\n", s["catch_up"].get<std::string>());
  out += fmt::format("  command   {}\n", command_of(s));
  if (!s["next_firings"].empty()) {
    // Each firing in UTC and, beside it, on the schedule's own clock.
    auto zone = TimeZone::load(s["timezone"].get<std::string>());
    out += "  next      ";
    bool first = true;
    for (const auto& t : s["next_firings"]) {
      std::string local;
      auto at = parse_rfc3339(t.get<std::string>());
      if (zone && at && zone->name() != "UTC") {
        std::string wall = format_rfc3339((*at / 1000 + zone->offset_at(*at / 1000)) * 1000);
        local = fmt::format("  ({} {} {})", wall.substr(0, 10), wall.substr(11, 5), zone->name());
      }
      out += (first ? "" : "\n            ") + t.get<std::string>() + local;
      first = false;
    }
    out += "\n";
  }
  if (!s["slots"].empty()) {
    TextTable table({"SLOT", "OUTCOME", "RUN", "REASON"});
    for (const auto& slot : s["slots"]) {
      table.add_row({slot["slot"].get<std::string>(), slot["outcome"].get<std::string>(),
                     slot.contains("run_id") ? short_id(slot["run_id"]) : "",
                     slot.value("reason", std::string())});
    }
    out += "\n" + table.render();
  }
  return out;
}

/// Runs `fn(store)` on the opened store and prints the schedule it returns
/// with its `slots` most recent slots as the payload `variant`.
template <class Fn>
void
with_schedule(OutputOptions& output, int& exit_code, const std::string& variant, std::size_t slots,
              Fn&& fn)
{
  with_store(output, exit_code, [&](app::OpenStore& s) {
    Result<Schedule> got = fn(*s.store);
    Result<Json> payload =
      got ? schedule::view_json(*s.store, *got, slots, now_ms()) : Result<Json>(Unexpected(got.error()));
    if (!payload) {
      exit_code = emit_error(output, payload.error(), exit_code_for(payload.error()));
      return;
    }
    exit_code = emit(output, variant, *payload, render_schedule(*payload));
  });
}

} // namespace

void
add_schedule_commands(CLI::App& app, Invocation& inv)
{
  auto* group = app.add_subcommand("schedule", "Scheduled runs: a command or bench queued on a "
                                               "cron schedule by the daemon");
  group->require_subcommand(1);

  struct AddArgs
  {
    registry::RecipeOptions recipe;
    std::string cron, timezone, catch_up = "skip";
    bool paused = false;
    OutputOptions output;
  };
  auto add_args = std::make_shared<AddArgs>();
  auto* add = group->add_subcommand(
    "add", "Add a schedule: `--name N --cron \"0 3 * * *\" -- <command | bench COMPONENT ...>`");
  add_recipe_options(add, add_args->recipe, false);
  add->get_option("--name")->description("The schedule's name (also each run's name)")->required();
  add->add_option("--cron", add_args->cron,
                  "When: five cron fields (minute hour day-of-month month day-of-week) or "
                  "@hourly, @daily, @weekly, @monthly, @yearly")
    ->required();
  add->add_option("--timezone", add_args->timezone,
                  "The IANA zone the cron is read in (default: this machine's, recorded)");
  add->add_option("--catch-up", add_args->catch_up,
                  "A slot missed while no daemon ran: skip (recorded skipped, the default) or "
                  "once (the latest missed slot fires once when a daemon starts)");
  add->add_flag("--paused", add_args->paused, "Add it paused (`schedule resume` starts it)");
  add_output_options(add, add_args->output);
  add->callback([add_args, &inv] {
    schedule::AddRequest request;
    request.name = add_args->recipe.name;
    request.cron = add_args->cron;
    request.timezone = add_args->timezone;
    request.catch_up = add_args->catch_up;
    request.paused = add_args->paused;
    request.options = add_args->recipe;
    request.argv = inv.passthrough;
    with_schedule(add_args->output, inv.exit_code, "schedule.add", 0, [&](Store& store) {
      auto added = schedule::add(store, request, now_ms());
      if (added && !request.argv.empty() && request.argv.front() != "bench"
          && !runnable(request.argv.front(), request.options.cwd)) {
        fmt::print(stderr,
                   "warning: `{}` is not found {}now; the schedule's runs will fail "
                   "(spawn_failed) until it is\n",
                   request.argv.front(),
                   request.argv.front().find('/') == std::string::npos ? "on PATH " : "or not executable ");
      }
      if (added && !add_args->output.json && ::isatty(STDERR_FILENO)) {
        fmt::print(stderr, "Added. A running daemon fires it (`homeboy daemon start`).\n");
      }
      return added;
    });
  });

  struct ListArgs { OutputOptions output; };
  auto list_args = std::make_shared<ListArgs>();
  auto* list = group->add_subcommand("list", "List the schedules with their next firing");
  add_output_options(list, list_args->output);
  list->callback([list_args, &inv] {
    with_store(list_args->output, inv.exit_code, [&](app::OpenStore& s) {
      auto payload = schedule::list_json(*s.store, now_ms());
      if (!payload) {
        inv.exit_code = emit_error(list_args->output, payload.error());
        return;
      }
      TextTable table({"NAME", "CRON", "TIMEZONE", "STATE", "NEXT", "LAST SLOT", "COMMAND"});
      for (const auto& item : (*payload)["schedules"]) {
        const Json& next = item["next_firings"];
        const Json& slots = item["slots"];
        table.add_row({item["name"].get<std::string>(), item["cron"].get<std::string>(),
                       item["timezone"].get<std::string>(),
                       item["paused"].get<bool>() ? "paused" : "active",
                       next.empty() ? "" : next[0].get<std::string>(),
                       slots.empty() ? "" : fmt::format("{} {}", slots[0]["slot"].get<std::string>(),
                                                        slots[0]["outcome"].get<std::string>()),
                       command_of(item)});
      }
      std::string human = table.empty() ? "No schedules. Add one with `homeboy schedule add --name N "
                                          "--cron \"0 3 * * *\" -- COMMAND`.\n"
                                        : table.render();
      inv.exit_code = emit(list_args->output, "schedule.list", *payload, human);
    });
  });

  struct OneArgs { std::string id; std::size_t slots = 20; OutputOptions output; };
  auto show_args = std::make_shared<OneArgs>();
  auto* show = group->add_subcommand("show", "Show a schedule, its next firings and its recent slots");
  show->add_option("schedule", show_args->id, "Name, id or id prefix")->required();
  show->add_option("--slots", show_args->slots, "How many recent slots to show (default 20)")
    ->check(CLI::Range(std::size_t{0}, std::size_t{10000}));
  add_output_options(show, show_args->output);
  show->callback([show_args, &inv] {
    with_schedule(show_args->output, inv.exit_code, "schedule.show", show_args->slots,
                  [&](Store& store) { return schedule::find(store, show_args->id); });
  });

  for (const char* verb : {"pause", "resume", "remove"}) {
    auto args = std::make_shared<OneArgs>();
    std::string what = verb == std::string("pause")    ? "Pause a schedule: its slots pass without firing"
                       : verb == std::string("resume") ? "Resume a paused schedule from now on (the "
                                                         "slots it missed while paused never fire)"
                                                       : "Remove a schedule (the runs it queued stay)";
    auto* cmd = group->add_subcommand(verb, what);
    cmd->add_option("schedule", args->id, "Name, id or id prefix")->required();
    add_output_options(cmd, args->output);
    std::string name = verb;
    cmd->callback([args, name, &inv] {
      with_schedule(args->output, inv.exit_code, "schedule." + name, 0, [&](Store& store) {
        if (name == "remove") return schedule::remove(store, args->id);
        return schedule::set_paused(store, args->id, name == "pause", now_ms());
      });
    });
  }

  struct NextArgs { std::string cron, timezone; std::size_t count = 5; OutputOptions output; };
  auto next_args = std::make_shared<NextArgs>();
  auto* next = group->add_subcommand("next", "The next firings of a cron expression (a cron helper)");
  next->add_option("--cron", next_args->cron, "The cron expression")->required();
  next->add_option("--timezone", next_args->timezone, "IANA zone (default: this machine's)");
  next->add_option("--count", next_args->count, "How many (default 5)")
    ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  add_output_options(next, next_args->output);
  next->callback([next_args, &inv] {
    std::string zone = next_args->timezone.empty() ? local_zone_name() : next_args->timezone;
    auto firings = schedule::next_firings(next_args->cron, zone, now_ms(), next_args->count);
    if (firings && firings->empty()) {
      firings = make_error("cron.never", fmt::format("cron expression \"{}\" never fires in the next "
                                                     "eight years; check the day and month fields",
                                                     next_args->cron));
    }
    if (!firings) {
      inv.exit_code = emit_error(next_args->output, firings.error(), 2);
      return;
    }
    Json items = Json::array();
    std::string human;
    for (TimeMs t : *firings) {
      items.push_back(format_rfc3339(t));
      human += format_rfc3339(t) + "\n";
    }
    inv.exit_code = emit(next_args->output, "schedule.next",
                         Json{{"cron", next_args->cron}, {"timezone", zone}, {"next_firings", items}},
                         human);
  });
}

} // namespace hb::cli

// The run registry's commands: runs submit | start | status | cancel | logs |
// heartbeat | events | replay | resume | progress, and the hidden runs
// supervise that a worker or `runs start` launches for each run.

#include "app/run_json.hpp"
#include "app/run_views.hpp"
#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "registry/attempts.hpp"
#include "registry/registry.hpp"
#include "remote/runners.hpp"
#include "registry/supervisor.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/process.hpp"
#include "util/term.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <unistd.h>

namespace hb::cli {

namespace {

struct RecipeArgs : registry::RecipeOptions
{
  std::string batch;
};


/// runs.logs of a run on remote runner `runner_id` (its latest attempt).
Result<Json>
remote_logs(const std::string& runner_id, const std::string& run_id, const std::string& stream,
            std::size_t tail)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return Unexpected(paths.error());
  auto runner = remote::find_runner(*paths, runner_id);
  if (!runner) return Unexpected(runner.error());
  std::string path = fmt::format("/api/v1/runs/{}/logs?stream={}", percent_encode(run_id), stream);
  if (tail > 0) path += fmt::format("&tail={}", tail);
  auto payload = remote::get_json(*runner, path);
  if (!payload) return payload;
  if (!payload->is_object()) {
    return make_error("runner.bad_response", fmt::format("runner {} answered without the logs", runner_id));
  }
  (*payload)["runner"] = runner_id;
  return payload;
}

// --batch FILE (- for stdin); registry::parse_batch reads its lines.
Result<std::vector<registry::Recipe>>
read_batch(const std::string& path)
{
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto read = fs::read_file(path);
    if (!read) return Unexpected(read.error());
    text = std::move(*read);
  }
  return registry::parse_batch(text, path);
}

std::string
status_human(const Run& run, bool colour)
{
  Json metadata = app::object_or_empty(run.metadata_json);
  std::string out = fmt::format("run        {}\n", run.id);
  if (metadata.contains("name")) out += fmt::format("name       {}\n", json_text(metadata["name"]));
  out += fmt::format("kind       {}\n", run.kind);
  out += fmt::format("status     {}{}\n", status_text(run.status, colour),
                     run.terminal_reason.empty() ? "" : " (" + run.terminal_reason + ")");
  if (run.attempt > 1) out += fmt::format("attempt    {}\n", run.attempt);
  if (run.retry_at && run.status == RunStatus::queued) {
    out += fmt::format("retry      not before {} (automatic retry)\n", format_rfc3339(*run.retry_at));
  }
  if (!run.command.empty()) out += fmt::format("command    {}\n", run.command);
  out += fmt::format("created    {}\n", format_rfc3339(run.created_at));
  if (run.status == RunStatus::queued) {
    // created_at is the first attempt's: a later one has waited since its
    // predecessor ended.
    out += fmt::format("waiting    {}for a worker (is `homeboy worker` running?)\n",
                       run.attempt > 1 ? std::string()
                                       : format_duration_ms(std::max<std::int64_t>(
                                           0, now_ms() - run.created_at)) + " ");
  }
  if (run.started_at) out += fmt::format("started    {}\n", format_rfc3339(*run.started_at));
  if (run.finished_at) {
    out += fmt::format("finished   {} ({})\n", format_rfc3339(*run.finished_at), duration_text(run));
  }
  if (run.heartbeat_at && !is_terminal(run.status)) {
    out += fmt::format("heartbeat  {} ago\n", format_duration_ms(now_ms() - *run.heartbeat_at));
  }
  if (run.exit_code) out += fmt::format("exit code  {}\n", *run.exit_code);
  if (run.cancel_requested_at) {
    out += fmt::format("cancel     requested {}{}\n", format_rfc3339(*run.cancel_requested_at),
                       metadata.contains("cancel_reason")
                         ? ": " + json_text(metadata["cancel_reason"]) : "");
  }
  if (metadata.contains("error")) out += fmt::format("error      {}\n", json_text(metadata["error"]));
  if (metadata.contains("replay_of")) out += fmt::format("replay of  {}\n", json_text(metadata["replay_of"]));
  if (run.status != RunStatus::queued && metadata.contains("recipe")) {
    out += fmt::format("logs       homeboy runs logs {}\n", run.id);
  }
  return out;
}

int
wait_exit_code(const Run& run)
{
  if (!is_terminal(run.status)) return 124; // --timeout passed first, like timeout(1)
  return run.status == RunStatus::succeeded ? 0 : 1;
}

std::string
event_line(const RunEvent& e)
{
  return fmt::format("{:>4}  {}  {:<16} {}\n", e.seq, format_rfc3339(e.at), e.type, e.data_json);
}

// Opens the store and finds the run the user named (an id or a unique
// prefix), reporting what failed; then `fn(store, run)`.
template <class Fn>
void
with_run(OutputOptions& out, int& exit_code, const std::string& id, Fn&& fn)
{
  with_store(out, exit_code, [&](app::OpenStore& s) {
    auto run = app::find_run(*s.store, id);
    if (!run) {
      exit_code = emit_error(out, run.error());
      return;
    }
    fn(s, *run);
  });
}

} // namespace

void
add_runs_registry_commands(CLI::App* runs, Invocation& inv)
{
  // runs submit / runs start
  for (bool starting : {false, true}) {
    struct SubmitArgs { RecipeArgs recipe; OutputOptions output; };
    auto args = std::make_shared<SubmitArgs>();
    auto* cmd = runs->add_subcommand(
      starting ? "start" : "submit",
      starting ? "Record a run of `-- COMMAND [ARGS...]` and start it now under a detached "
                 "supervisor; prints its run id"
               : "Queue a run of `-- COMMAND [ARGS...]` for a worker (homeboy worker); prints "
                 "its run id");
    add_recipe_options(cmd, args->recipe, true);
    if (!starting) {
      cmd->add_option("--batch", args->recipe.batch,
                      "Queue every run of this JSON-lines file (- for stdin) in one transaction; "
                      "keys as the options, \"argv\" for the command");
    }
    add_output_options(cmd, args->output);
    cmd->callback([args, starting, &inv] {
      Result<std::vector<registry::Recipe>> recipes =
        !args->recipe.batch.empty() ? read_batch(args->recipe.batch)
                                    : [&]() -> Result<std::vector<registry::Recipe>> {
        auto r = registry::make_recipe(args->recipe, inv.passthrough);
        if (!r) return Unexpected(r.error());
        return std::vector<registry::Recipe>{*r};
      }();
      if (recipes && !args->recipe.batch.empty() && !inv.passthrough.empty()) {
        recipes = make_error("validation.invalid_option",
                             "give either --batch or a command after `--`, not both");
      }
      if (!recipes) {
        inv.exit_code = emit_error(args->output, recipes.error(), 2);
        return;
      }
      with_store(args->output, inv.exit_code, [&](app::OpenStore& s) {
        auto submitted = [&]() -> Result<std::vector<Run>> {
          if (!starting) return registry::submit(*s.store, s.paths, *recipes);
          auto started = registry::start(*s.store, s.paths, recipes->front());
          if (!started) return Unexpected(started.error());
          return std::vector<Run>{*started};
        }();
        if (!submitted) {
          inv.exit_code = emit_error(args->output, submitted.error(), exit_code_for(submitted.error()));
          return;
        }
        const std::vector<Run>& runs = *submitted;
        Json items = Json::array();
        std::string human;
        for (const auto& run : runs) {
          items.push_back(Json{{"run_id", run.id}, {"status", to_string(run.status)},
                               {"ref", run_ref(run.id)}, {"kind", run.kind},
                               {"command", run.command}});
          human += run.id + "\n";
        }
        Json payload = runs.size() == 1 ? items.front() : Json{{"runs", items}, {"count", runs.size()}};
        if (!args->output.json && ::isatty(STDERR_FILENO)) {
          fmt::print(stderr, "{} {} run(s). Follow with `homeboy runs status {} --wait`{}.\n",
                     starting ? "Started" : "Queued", runs.size(), runs.front().id,
                     starting ? "" : " (a `homeboy worker` executes queued runs)");
        }
        inv.exit_code = emit(args->output, starting ? "runs.start" : "runs.submit", payload, human);
      });
    });
  }

  // runs status
  struct StatusArgs { std::string id, timeout; bool wait = false; OutputOptions output; };
  auto status_args = std::make_shared<StatusArgs>();
  auto* status = runs->add_subcommand("status", "Show a run's status; --wait until it settles");
  status->add_option("run-id", status_args->id, "Run id (or a unique prefix)")->required();
  status->add_flag("--wait", status_args->wait,
                   "Wait until the run settles; exit 0 if it succeeded, 1 if not, 124 if "
                   "--timeout passed first");
  status->add_option("--timeout", status_args->timeout, "With --wait: give up after this long");
  add_output_options(status, status_args->output);
  status->callback([status_args, &inv] {
    auto timeout = registry::duration_option("--timeout", status_args->timeout);
    if (!timeout || (timeout->has_value() && !status_args->wait)) {
      Error e = timeout ? Error{"validation.invalid_option", "--timeout needs --wait"}
                        : timeout.error();
      inv.exit_code = emit_error(status_args->output, e, 2);
      return;
    }
    with_run(status_args->output, inv.exit_code, status_args->id,
             [&](app::OpenStore& s, const Run& found) {
      Result<Run> run = found;
      if (status_args->wait) {
        install_interrupt_handlers();
        run = registry::wait_until_settled(*s.store, s.paths, run->id, *timeout);
      }
      if (!run) {
        inv.exit_code = emit_error(status_args->output, run.error());
        return;
      }
      int code = status_args->wait ? wait_exit_code(*run) : 0;
      std::string human = status_human(*run, term::colour_enabled(stdout));
      if (code == 124) human += "still active: --timeout passed before it settled\n";
      inv.exit_code = emit(status_args->output, "runs.status", app::run_detail_json(*run), human, code);
    });
  });

  // runs cancel
  struct CancelArgs { std::string id, reason; bool wait = false; OutputOptions output; };
  auto cancel_args = std::make_shared<CancelArgs>();
  auto* cancel = runs->add_subcommand(
    "cancel", "Cancel a run: a queued one never starts; a running one is stopped (SIGTERM to its "
              "process group, SIGKILL after a grace period)");
  cancel->add_option("run-id", cancel_args->id, "Run id (or a unique prefix)")->required();
  cancel->add_option("--reason", cancel_args->reason, "Why (kept with the run)");
  cancel->add_flag("--wait", cancel_args->wait, "Wait until the run has settled");
  add_output_options(cancel, cancel_args->output);
  cancel->callback([cancel_args, &inv] {
    with_run(cancel_args->output, inv.exit_code, cancel_args->id,
             [&](app::OpenStore& s, const Run& run) {
      auto result = registry::cancel(*s.store, s.paths, run.id, cancel_args->reason);
      if (!result) {
        inv.exit_code = emit_error(cancel_args->output, result.error());
        return;
      }
      if (cancel_args->wait && !is_terminal(result->run.status)) {
        install_interrupt_handlers();
        auto settled = registry::wait_until_settled(*s.store, s.paths, run.id, std::nullopt);
        if (settled) result->run = *settled;
      }
      const Run& r = result->run;
      std::string human;
      if (result->action == "already_finished") {
        human = fmt::format("Run {} had already finished ({}{}); nothing changed.\n", r.id,
                            to_string(r.status),
                            r.terminal_reason.empty() ? "" : ", " + r.terminal_reason);
      } else if (result->action == "cancelled") {
        human = fmt::format("Cancelled run {}; it was queued and never started.\n", r.id);
      } else if (is_terminal(r.status)) {
        human = fmt::format("Run {} is {} ({}).\n", r.id, to_string(r.status), r.terminal_reason);
      } else {
        human = fmt::format(
          "Cancel {} for run {} ({}); {}. It settles `cancelled` once the command has stopped; "
          "see `homeboy runs status {} --wait`.\n",
          result->action == "already_requested" ? "was already requested" : "requested", r.id,
          to_string(r.status),
          result->signalled ? "its supervisor was told at once"
                            : "its supervisor sees it at its next heartbeat",
          r.id);
      }
      Json payload = {{"action", result->action}, {"signalled", result->signalled},
                      {"run", app::run_detail_json(r)}};
      inv.exit_code = emit(cancel_args->output, "runs.cancel", payload, human);
    });
  });

  // runs logs
  struct LogsArgs { std::string id, stream = "both", runner; std::size_t tail = 0; int attempt = 0; bool follow = false; OutputOptions output; };
  auto logs_args = std::make_shared<LogsArgs>();
  auto* logs = runs->add_subcommand("logs", "Print a run's captured output (stdout to stdout, "
                                            "stderr to stderr)");
  logs->add_option("run-id", logs_args->id, "Run id (or a unique prefix)")->required();
  logs->add_option("--stream", logs_args->stream, "stdout, stderr or both (default)")
    ->check(CLI::IsMember({"stdout", "stderr", "both"}));
  logs->add_option("--tail", logs_args->tail, "Only the last N lines of each stream");
  logs->add_option("--attempt", logs_args->attempt,
                   "The output of this attempt (default: the latest; see `runs show`)");
  logs->add_flag("-f,--follow", logs_args->follow, "Keep printing new output until the run settles");
  logs->add_flag("--json", logs_args->output.json,
                 "Print the runs.logs envelope ({stdout, stderr}); with --follow, one JSON "
                 "object a line ({stream, data}, then {settled, status})");
  logs->add_option("--runner", logs_args->runner,
                   "Read the run's output from this remote runner's daemon (`homeboy runner add`)");
  logs->callback([logs_args, &inv] {
    OutputOptions& out = logs_args->output;
    if (!logs_args->runner.empty()) {
      if (logs_args->follow || logs_args->attempt != 0) {
        inv.exit_code = emit_error(out, Error{"validation.invalid_option",
                                              "--follow and --attempt read the local store; with "
                                              "--runner, drop them (the runner's latest attempt is shown)"},
                                   2);
        return;
      }
      auto payload = remote_logs(logs_args->runner, logs_args->id, logs_args->stream, logs_args->tail);
      if (!payload) {
        inv.exit_code = emit_error(out, payload.error(), exit_code_for(payload.error()));
        return;
      }
      if (!out.json) {
        for (auto [key, to] : {std::pair{"stdout", stdout}, std::pair{"stderr", stderr}}) {
          if (payload->contains(key) && (*payload)[key].is_string()) {
            std::string data = (*payload)[key].get<std::string>();
            std::fwrite(data.data(), 1, data.size(), to);
          }
        }
        return;
      }
      inv.exit_code = emit(out, "runs.logs", *payload, "");
      return;
    }
    with_run(out, inv.exit_code, logs_args->id,
             [&](app::OpenStore& s, const Run& run) {
      const int attempt = logs_args->attempt == 0 ? run.attempt : logs_args->attempt;
      if (attempt < 1 || attempt > run.attempt) {
        Error e{"validation.invalid_option",
                fmt::format("--attempt {}: run {} has {} attempt{} (1{})", logs_args->attempt, run.id,
                            run.attempt, run.attempt == 1 ? "" : "s",
                            run.attempt == 1 ? "" : fmt::format("..{}", run.attempt))};
        inv.exit_code = emit_error(out, e, 2);
        return;
      }
      struct Stream { bool is_stderr; std::FILE* to; std::uint64_t offset = 0; std::string text; };
      std::vector<Stream> streams;
      if (logs_args->stream != "stderr") streams.push_back({false, stdout});
      if (logs_args->stream != "stdout") streams.push_back({true, stderr});
      auto path = [&](const Stream& st) {
        return registry::log_path(s.paths, run.id, st.is_stderr, attempt);
      };
      auto name = [](const Stream& st) { return st.is_stderr ? "stderr" : "stdout"; };
      std::error_code ec;
      bool any = false;
      for (auto& st : streams) {
        any |= std::filesystem::exists(path(st), ec);
        if (logs_args->tail > 0) st.offset = app::log_tail_offset(path(st), logs_args->tail);
      }
      if (!any && !logs_args->follow) {
        Error e{"run.no_logs",
                run.status == RunStatus::queued
                  ? fmt::format("run {} is queued and has no output yet; add --follow to wait for it", run.id)
                  : fmt::format("run {} has no captured output (it was not run by the registry, "
                                "or its files were cleaned up)", run.id)};
        inv.exit_code = emit_error(out, e);
        return;
      }
      // Human: each stream to its own descriptor. --json: one envelope, or
      // with --follow one JSON line per chunk on stdout.
      auto pass_on = [&](Stream& st) {
        std::string data = app::read_log_from(path(st), st.offset);
        if (data.empty()) return;
        if (!out.json) {
          std::fwrite(data.data(), 1, data.size(), st.to);
          std::fflush(st.to);
        } else if (logs_args->follow) {
          fmt::print("{}\n", dump_json(Json{{"stream", name(st)}, {"data", data}}));
          std::fflush(stdout);
        } else {
          st.text += data;
        }
      };
      install_interrupt_handlers();
      std::optional<Run> last;
      while (true) {
        auto current = s.store->get_run(run.id);
        if (current && *current) last = **current;
        // A later attempt (a retry) ends this one's output too.
        bool settled = !current || !*current || is_terminal((*current)->status)
                       || (*current)->attempt != attempt;
        for (auto& st : streams) pass_on(st);
        // Read once more after the run settled: its last output came first.
        if (!logs_args->follow || settled || interrupt_signal() != 0) {
          if (settled && logs_args->follow) {
            for (auto& st : streams) pass_on(st);
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!out.json) return;
      const std::string status = to_string((last ? *last : run).status);
      if (logs_args->follow) {
        fmt::print("{}\n", dump_json(Json{{"run_id", run.id}, {"settled", is_terminal((last ? *last : run).status)},
                                          {"status", status}}));
        std::fflush(stdout);
        return;
      }
      Json payload = {{"command", "runs.logs"}, {"run_id", run.id}, {"status", status},
                      {"attempt", attempt}};
      for (const auto& st : streams) payload[name(st)] = st.text;
      inv.exit_code = emit(out, "runs.logs", payload, "");
    });
  });

  // runs events
  struct EventsArgs { std::string id; bool follow = false; OutputOptions output; };
  auto events_args = std::make_shared<EventsArgs>();
  auto* events = runs->add_subcommand("events", "Print a run's event log (status changes, cancel "
                                                "requests, producer messages)");
  events->add_option("run-id", events_args->id, "Run id (or a unique prefix)")->required();
  events->add_flag("-f,--follow", events_args->follow,
                   "Keep printing events until the run settles (with --json: one JSON object per "
                   "line)");
  add_output_options(events, events_args->output);
  events->callback([events_args, &inv] {
    with_run(events_args->output, inv.exit_code, events_args->id,
             [&](app::OpenStore& s, const Run& run) {
      if (!events_args->follow) {
        auto list = s.store->run_events(run.id, 0, 1'000'000);
        if (!list) {
          inv.exit_code = emit_error(events_args->output, list.error());
          return;
        }
        Json items = Json::array();
        std::string human;
        for (const auto& e : *list) {
          items.push_back(app::run_event_json(e));
          human += event_line(e);
        }
        inv.exit_code = emit(events_args->output, "runs.events",
                             Json{{"run_id", run.id}, {"events", items}}, human);
        return;
      }
      install_interrupt_handlers();
      registry::WakeWatcher watcher(s.paths);
      std::int64_t after = 0;
      while (true) {
        auto current = s.store->get_run(run.id);
        bool settled = !current || !*current || is_terminal((*current)->status);
        auto list = s.store->run_events(run.id, after, 1000);
        if (!list) {
          inv.exit_code = emit_error(events_args->output, list.error());
          return;
        }
        for (const auto& e : *list) {
          std::string line = events_args->output.json ? dump_json(app::run_event_json(e)) + "\n" : event_line(e);
          std::fputs(line.c_str(), stdout);
          after = e.seq;
        }
        std::fflush(stdout);
        if ((settled && list->empty()) || interrupt_signal() != 0) return;
        if (list->size() < 1000) watcher.wait(200);
      }
    });
  });

  // runs heartbeat
  struct BeatArgs { std::string id, preview, message; OutputOptions output; };
  auto beat_args = std::make_shared<BeatArgs>();
  auto* beat = runs->add_subcommand(
    "heartbeat", "Record a heartbeat for a run whose producer runs its own process (and, "
                 "optionally, its preview info or a message)");
  beat->add_option("run-id", beat_args->id, "Run id (or a unique prefix)")->required();
  beat->add_option("--preview", beat_args->preview,
                   "A JSON object of preview info (e.g. a URL), kept in metadata.preview");
  beat->add_option("--message", beat_args->message, "A progress message for the event log");
  add_output_options(beat, beat_args->output);
  beat->callback([beat_args, &inv] {
    with_run(beat_args->output, inv.exit_code, beat_args->id,
             [&](app::OpenStore& s, const Run& found) {
      auto run = registry::heartbeat(*s.store, found.id, beat_args->preview, beat_args->message);
      if (!run) {
        inv.exit_code = emit_error(beat_args->output, run.error(), exit_code_for(run.error()));
        return;
      }
      inv.exit_code = emit(beat_args->output, "runs.heartbeat", app::run_detail_json(*run),
                           fmt::format("Heartbeat recorded for run {} ({}).\n", run->id,
                                       to_string(run->status)));
    });
  });

  // runs replay
  struct ReplayArgs { std::string id; bool start = false; OutputOptions output; };
  auto replay_args = std::make_shared<ReplayArgs>();
  auto* replay = runs->add_subcommand(
    "replay", "Submit a new run from a run's stored recipe (command, cwd, env, options), linked "
              "to it; prints the new run id");
  replay->add_option("run-id", replay_args->id, "Run id (or a unique prefix)")->required();
  replay->add_flag("--start", replay_args->start, "Start it now instead of queueing it");
  add_output_options(replay, replay_args->output);
  replay->callback([replay_args, &inv] {
    with_run(replay_args->output, inv.exit_code, replay_args->id,
             [&](app::OpenStore& s, const Run& original) {
      auto run = registry::replay(*s.store, s.paths, original.id, replay_args->start);
      if (!run) {
        inv.exit_code = emit_error(replay_args->output, run.error());
        return;
      }
      Json payload = {{"run_id", run->id}, {"replay_of", original.id},
                      {"status", to_string(run->status)}, {"ref", run_ref(run->id)}};
      inv.exit_code = emit(replay_args->output, "runs.replay", payload, run->id + "\n");
    });
  });

  // runs resume
  struct ResumeArgs { std::string id; bool force = false, start = false; OutputOptions output; };
  auto resume_args = std::make_shared<ResumeArgs>();
  auto* resume = runs->add_subcommand(
    "resume", "Start the next attempt of a failed, timed-out or cancelled run: same run id, "
              "recipe and state directory (HOMEBOY_RUN_STATE_DIR), HOMEBOY_RESUME_FROM from its "
              "ledger");
  resume->add_option("run-id", resume_args->id, "Run id (or a unique prefix)")->required();
  resume->add_flag("--force", resume_args->force, "Also resume a run that succeeded");
  resume->add_flag("--start", resume_args->start,
                   "Start the attempt now under a detached supervisor instead of queueing it for "
                   "a worker");
  add_output_options(resume, resume_args->output);
  resume->callback([resume_args, &inv] {
    with_run(resume_args->output, inv.exit_code, resume_args->id,
             [&](app::OpenStore& s, const Run& found) {
      registry::ResumeOptions options;
      options.force = resume_args->force;
      options.start_now = resume_args->start;
      auto run = registry::resume(*s.store, s.paths, found.id, options);
      if (!run) {
        inv.exit_code = emit_error(resume_args->output, run.error(), exit_code_for(run.error()));
        return;
      }
      Json payload = {{"run_id", run->id}, {"attempt", run->attempt},
                      {"status", to_string(run->status)}, {"ref", run_ref(run->id)}};
      if (!resume_args->output.json && ::isatty(STDERR_FILENO)) {
        fmt::print(stderr, "{} attempt {} of run {}. Follow with `homeboy runs status {} --wait`{}.\n",
                   resume_args->start ? "Started" : "Queued", run->attempt, run->id, run->id,
                   resume_args->start ? "" : " (a `homeboy worker` executes queued runs)");
      }
      inv.exit_code = emit(resume_args->output, "runs.resume", payload,
                           fmt::format("{} attempt {}\n", run->id, run->attempt));
    });
  });

  // runs progress
  struct ProgressArgs { std::vector<std::string> steps; std::string status = "completed", state_dir; bool check = false, plan = false; OutputOptions output; };
  auto progress_args = std::make_shared<ProgressArgs>();
  auto* progress = runs->add_subcommand(
    "progress", "Record a step of the running command in its validation_progress ledger (in "
                "HOMEBOY_RUN_STATE_DIR), or --check whether it was completed by an earlier attempt");
  progress->add_option("step", progress_args->steps,
                       "The step's name (with --plan: every step's, in order)")->required();
  progress->add_flag("--plan", progress_args->plan,
                     "Declare the command's steps, in order, as pending (steps already recorded "
                     "keep their state), so a later attempt knows what is left");
  progress->add_option("--status", progress_args->status,
                       "completed (default), active, failed, skipped or pending");
  progress->add_flag("--check", progress_args->check,
                     "Record nothing; exit 0 if the step is completed (or skipped), 1 if not");
  progress->add_option("--state-dir", progress_args->state_dir,
                       "The state directory (default: $HOMEBOY_RUN_STATE_DIR)");
  add_output_options(progress, progress_args->output);
  progress->callback([progress_args, &inv] {
    OutputOptions& out = progress_args->output;
    std::string dir = progress_args->state_dir;
    if (dir.empty()) {
      const char* env = std::getenv("HOMEBOY_RUN_STATE_DIR");
      dir = env ? env : "";
    }
    if (dir.empty()) {
      inv.exit_code = emit_error(out, Error{"validation.no_state_dir",
                                            "HOMEBOY_RUN_STATE_DIR is not set: `runs progress` "
                                            "runs inside a registry run's command (or give "
                                            "--state-dir DIR)"}, 2);
      return;
    }
    const auto& steps = progress_args->steps;
    if (progress_args->plan) {
      if (progress_args->check) {
        inv.exit_code = emit_error(out, Error{"validation.invalid_option",
                                              "give either --plan or --check, not both"}, 2);
        return;
      }
      auto planned = registry::plan_steps(dir, steps);
      if (!planned) {
        inv.exit_code = emit_error(out, planned.error(), exit_code_for(planned.error()));
        return;
      }
      inv.exit_code = emit(out, "runs.progress", Json{{"planned", steps}}, "");
      return;
    }
    if (steps.size() != 1) {
      inv.exit_code = emit_error(out, Error{"validation.invalid_option",
                                            fmt::format("give one step ({} given); --plan "
                                                        "declares several",
                                                        steps.size())}, 2);
      return;
    }
    if (progress_args->check) {
      auto done = registry::step_done(dir, steps.front());
      if (!done) {
        inv.exit_code = emit_error(out, done.error());
        return;
      }
      inv.exit_code = emit(out, "runs.progress",
                           Json{{"step", steps.front()}, {"completed", *done}},
                           *done ? "completed\n" : "not completed\n", *done ? 0 : 1);
      return;
    }
    auto recorded = registry::record_step(dir, steps.front(), progress_args->status);
    if (!recorded) {
      inv.exit_code = emit_error(out, recorded.error(), exit_code_for(recorded.error()));
      return;
    }
    inv.exit_code = emit(out, "runs.progress",
                         Json{{"step", steps.front()}, {"status", progress_args->status}}, "");
  });

  // runs supervise (internal: launched by a worker or `runs start`)
  struct SuperviseArgs { std::string id; std::int64_t epoch = 0; };
  auto supervise_args = std::make_shared<SuperviseArgs>();
  auto* supervise = runs->add_subcommand("supervise", "");
  supervise->group(""); // hidden: not for users
  supervise->add_option("run-id", supervise_args->id)->required();
  supervise->add_option("--epoch", supervise_args->epoch)->required();
  supervise->callback([supervise_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      fmt::print(stderr, "error: {}\n", paths.error().message);
      inv.exit_code = 1;
      return;
    }
    inv.exit_code = registry::supervise(*paths, supervise_args->id, supervise_args->epoch);
  });
}

} // namespace hb::cli

#include "registry/supervisor.hpp"

#include "model/host_id.hpp"
#include "app/reconcile.hpp"
#include "registry/attempts.hpp"
#include "registry/collect.hpp"
#include "registry/recipe.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"
#include "util/fs.hpp"
#include "util/host.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "util/secret_mask.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace hb::registry {

namespace {

/// Beats from its own thread and store connection, so a long collection or
/// a busy store on the main thread never delays a beat. Notes cancel
/// requests and a lost lease for the main thread.
class Beater
{
public:
  Beater(const Paths& paths, std::string run_id, std::int64_t epoch, std::int64_t timeout_ms)
    : m_paths(paths), m_run_id(std::move(run_id)), m_epoch(epoch), m_timeout_ms(timeout_ms)
  {
    m_thread = std::thread([this] { loop(); });
  }
  ~Beater() { stop(); }
  void stop()
  {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }
  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> lease_lost{false};

private:
  void loop()
  {
    auto store = open_store(m_paths);
    TimeMs last_ok = now_ms();
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
      m_wake.wait_for(lock, std::chrono::milliseconds(beat_interval_ms(m_timeout_ms)));
      if (m_stop || !store) {
        continue;
      }
      auto beaten = (*store)->beat(m_run_id, m_epoch, now_ms(), "");
      if (beaten) {
        last_ok = now_ms();
        cancel_requested = cancel_requested || beaten->cancel_requested_at.has_value();
      } else if (beaten.error().code == "store.conflict" || now_ms() - last_ok > m_timeout_ms) {
        // Settled by the reaper, or beats that could not be written for a
        // whole timeout: the reaper may act on this run now, so stop.
        lease_lost = true;
      }
    }
  }

  const Paths& m_paths;
  std::string m_run_id;
  std::int64_t m_epoch;
  std::int64_t m_timeout_ms;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

/// A captured stream: masked, written through to its log file at once so
/// `runs logs --follow` sees it.
class LogSink
{
public:
  LogSink(const std::filesystem::path& path, const SecretMasker& masker)
    : m_file(std::fopen(path.c_str(), "wb")), m_stream(masker)
  {
  }
  ~LogSink() { close(); }
  bool opened() const { return m_file != nullptr; }
  void write(std::string_view chunk) { put(m_stream.feed(chunk)); }
  /// Flushes what the masker held back; false if any write failed.
  bool close()
  {
    if (m_file) {
      put(m_stream.finish());
      m_failed |= std::fclose(m_file) != 0;
      m_file = nullptr;
    }
    return !m_failed;
  }

private:
  void put(const std::string& text)
  {
    if (m_file && !text.empty()) {
      m_failed |= std::fwrite(text.data(), 1, text.size(), m_file) != text.size();
      m_failed |= std::fflush(m_file) != 0;
    }
  }
  std::FILE* m_file;
  SecretMasker::Stream m_stream;
  bool m_failed = false;
};

void
say(const std::string& run_id, const std::string& message)
{
  fmt::print(stderr, "{} homeboy supervise {}: {}\n", format_rfc3339(now_ms()), run_id, message);
}

} // namespace

std::int64_t
beat_interval_ms(std::int64_t heartbeat_timeout_ms)
{
  return std::clamp<std::int64_t>(heartbeat_timeout_ms / 4, 100, 5000);
}

int
supervise(const Paths& paths, const std::string& run_id, std::int64_t epoch)
{
  // A full disk must fail a write, not kill us (RLIMIT_FSIZE sends SIGXFSZ).
  std::signal(SIGXFSZ, SIG_IGN);
  install_interrupt_handlers();
  auto opened = open_store(paths);
  if (!opened) {
    say(run_id, opened.error().message);
    return 1;
  }
  Store& store = **opened;
  auto found = store.get_run(run_id);
  if (!found || !*found) {
    say(run_id, found ? "no such run" : found.error().message);
    return 1;
  }
  Run run = **found;
  if (run.status != RunStatus::booting || run.lease_epoch != epoch) {
    say(run_id, fmt::format("the run is {} with lease epoch {}, not booting with epoch {}; "
                            "someone else has it",
                            to_string(run.status), run.lease_epoch, epoch));
    return 1;
  }
  TimeMs claimed_at = run.heartbeat_at.value_or(now_ms());
  RunStatus current = RunStatus::booting;
  // Take the lease over from whoever claimed the run, so the reaper can
  // find (and, past the start timeout, kill) this process.
  int self = static_cast<int>(::getpid());
  RunUpdate adopt;
  adopt.owner_pid = self;
  adopt.owner_start_time = process_start_time(self);
  adopt.lease_owner = app::owner_label(self);
  adopt.heartbeat_at = now_ms();
  auto adopted = store.update_run(run_id, RunStatus::booting, epoch, adopt, now_ms());
  if (!adopted) {
    say(run_id, adopted.error().message);
    return 1;
  }

  RunOutcome outcome;
  outcome.merge_metadata = true;
  std::string error;
  Json runtime = {{"host", host_id()}, {"supervisor_pid", self}};
  const int attempt = run.attempt;
  Json timings = Json::object();
  if (attempt == 1) timings["queued_ms"] = claimed_at - run.created_at;

  auto recipe = recipe_from_run(run);
  std::vector<std::string> secrets, missing;
  if (recipe) {
    for (const auto& name : recipe->secret_env) {
      const char* value = std::getenv(name.c_str());
      if (value) {
        secrets.emplace_back(value);
      } else {
        missing.push_back(name);
      }
    }
  }
  SecretMasker masker(secrets);
  const auto run_dir = attempt_dir(paths, run_id, attempt);
  (void)fs::create_directories(run_dir);
  LogSink out_log(log_path(paths, run_id, false, attempt), masker);
  LogSink err_log(log_path(paths, run_id, true, attempt), masker);
  // The state directory outlives the attempt; what the earlier ones left in
  // it says where this one picks up.
  const auto state = state_dir(paths, run_id);
  AttemptState prepared = prepare_state(state, attempt);
  for (const auto& warning : prepared.warnings) {
    err_log.write("homeboy: warning: " + warning + "\n");
    (void)store.append_event(run_id, "warning", dump_json(Json{{"message", warning}}), now_ms());
  }

  Beater beater(paths, run_id, epoch, run.heartbeat_timeout_ms.value_or(k_default_heartbeat_timeout_ms));
  std::optional<ProcessResult> result;
  if (!recipe) {
    error = recipe.error().message;
    outcome.terminal_reason = "invalid_recipe";
  } else if (!out_log.opened() || !err_log.opened()) {
    error = fmt::format("cannot create the log files in {}: {}", run_dir.string(),
                        std::strerror(errno));
    outcome.terminal_reason = "artifact_collection_failed";
  } else if (!missing.empty()) {
    error = fmt::format("--secret-env {} is not set in the environment of the process that "
                        "started this run (the worker, or the caller of `runs start`); secrets "
                        "are never stored, so export it there",
                        missing.front());
    outcome.terminal_reason = "secret_env_missing";
  } else if (adopted->cancel_requested_at) {
    outcome.terminal_reason = "cancelled_by_user";
  } else {
    SpawnSpec spec;
    spec.argv = recipe->argv;
    spec.cwd = recipe->cwd;
    for (const auto& [name, value] : recipe->env) spec.env.set(name, value);
    spec.env.set("HOMEBOY_RUN_ID", run_id);
    spec.env.set("HOMEBOY_RUN_ATTEMPT", std::to_string(attempt));
    spec.env.set("HOMEBOY_RUN_STATE_DIR", state.string());
    if (prepared.resume_from) spec.env.set("HOMEBOY_RESUME_FROM", *prepared.resume_from);
    spec.timeout_ms = recipe->timeout_ms.value_or(0);
    spec.on_output = [&](OutputStream stream, std::string_view chunk) {
      (stream == OutputStream::stdout_stream ? out_log : err_log).write(chunk);
    };
    spec.should_cancel = [&] {
      return beater.cancel_requested || beater.lease_lost || interrupt_signal() != 0;
    };
    spec.on_spawn = [&](int pid, int pgid) {
      TimeMs now = now_ms();
      runtime["pid"] = pid;
      // The group is led by its guard (util/group_guard), whose start time
      // tells the reaper that a pgid it finds is still this group.
      runtime["pgid"] = pgid;
      if (auto started = process_start_time(pgid)) runtime["start_time"] = *started;
      timings["boot_ms"] = now - claimed_at;
      RunUpdate update;
      update.status = RunStatus::running;
      update.started_at = now;
      update.heartbeat_at = now;
      update.set_deadline = true;
      if (recipe->timeout_ms) update.deadline_at = now + *recipe->timeout_ms;
      update.metadata_patch = dump_json(Json{{"runtime", runtime}});
      auto moved = store.update_run(run_id, RunStatus::booting, epoch, update, now);
      if (moved) {
        current = RunStatus::running;
        wake(paths); // a status change: event streams and waiters read it now
        beater.cancel_requested = beater.cancel_requested || moved->cancel_requested_at.has_value();
      } else if (moved.error().code == "store.conflict") {
        beater.lease_lost = true;
      } else {
        say(run_id, moved.error().message);
      }
    };
    auto ran = run_process(spec);
    if (!ran) {
      error = ran.error().message;
      outcome.terminal_reason = "spawn_failed";
    } else {
      result = *ran;
    }
  }
  bool logs_ok = out_log.close();
  logs_ok = err_log.close() && logs_ok;
  if (beater.lease_lost) {
    say(run_id, "the lease was lost (the run was settled or taken over elsewhere); the command "
                "was stopped and nothing more is written");
    return 0;
  }

  if (result) {
    runtime["exit_code"] = result->exit_code ? Json(*result->exit_code) : Json(nullptr);
    runtime["signal"] = result->signal ? Json(*result->signal) : Json(nullptr);
    runtime["rusage"] = {{"user_seconds", result->user_seconds},
                         {"system_seconds", result->system_seconds},
                         {"max_rss_bytes", result->max_rss_bytes}};
    timings["run_ms"] = result->wall_ms;
    outcome.exit_code = result->exit_code;
    if (result->cancelled) {
      auto reread = store.get_run(run_id);
      bool requested = beater.cancel_requested
                       || (reread && *reread && (*reread)->cancel_requested_at.has_value());
      outcome.status = requested ? RunStatus::cancelled : RunStatus::failed;
      outcome.terminal_reason = requested ? "cancelled_by_user" : "interrupted";
      if (!requested) {
        error = fmt::format("the supervisor was stopped by signal {}", interrupt_signal());
      }
    } else if (result->timed_out) {
      outcome.status = RunStatus::timed_out;
      outcome.terminal_reason = "deadline";
    } else if (result->exit_code == 0) {
      outcome.status = RunStatus::succeeded;
      outcome.terminal_reason = "completed";
    } else {
      outcome.status = RunStatus::failed;
      outcome.terminal_reason = result->exit_code ? "exit_code" : "signal";
      error = result->describe();
    }
  } else {
    outcome.status = outcome.terminal_reason == "cancelled_by_user" ? RunStatus::cancelled
                                                                     : RunStatus::failed;
  }
  if (!error.empty() && outcome.terminal_reason != "exit_code" && outcome.terminal_reason != "signal") {
    // Say it where a user looks first: the run's stderr log.
    if (std::FILE* f = std::fopen(log_path(paths, run_id, true, attempt).c_str(), "ab")) {
      std::string line = masker.mask("homeboy: " + error + "\n");
      std::fwrite(line.data(), 1, line.size(), f);
      std::fclose(f);
    }
  }

  TimeMs collect_start = now_ms();
  if (recipe && !recipe->artifacts.empty() && current == RunStatus::running) {
    RunUpdate update;
    update.status = RunStatus::collecting_artifacts;
    auto moved = store.update_run(run_id, current, epoch, update, collect_start);
    if (!moved && moved.error().code == "store.conflict") {
      say(run_id, "the lease was lost before collecting artifacts; nothing more is written");
      return 0;
    }
    if (moved) {
      current = RunStatus::collecting_artifacts;
      wake(paths);
    }
  }
  auto logs = collect_logs(paths, run_id, collect_start, attempt);
  Result<Collection> files =
    logs ? collect_files(paths, run_id, recipe ? recipe->cwd : run.cwd,
                         recipe ? recipe->artifacts : std::vector<std::string>{}, *logs, collect_start,
                         attempt)
         : Result<Collection>(Unexpected(logs.error()));
  Json metadata;
  if (!logs_ok || !files) {
    std::string failure = !logs_ok ? "cannot write the captured output (is the disk full?)"
                                   : files.error().message;
    if (outcome.status == RunStatus::succeeded) {
      outcome.status = RunStatus::failed;
      outcome.terminal_reason = "artifact_collection_failed";
      error = failure;
    } else {
      metadata["collection_error"] = failure; // the command's own failure stays the reason
    }
  } else {
    Json refs;
    for (const auto& a : files->artifacts) {
      if (a.kind == "bundle_manifest") refs["artifact_bundle"] = artifact_ref(run_id, a.id);
    }
    for (const auto& a : *logs) refs[a.label + "_log"] = artifact_ref(run_id, a.id);
    metadata["refs"] = refs;
    if (!files->warnings.empty()) metadata["artifact_warnings"] = files->warnings;
    outcome.artifacts = *logs;
    outcome.artifacts.insert(outcome.artifacts.end(), files->artifacts.begin(), files->artifacts.end());
  }
  if (logs && outcome.artifacts.empty()) {
    outcome.artifacts = *logs; // whole logs are evidence even when the files are not
  }
  timings["collect_ms"] = now_ms() - collect_start;
  std::vector<std::string> env_names;
  if (recipe) {
    for (const auto& [name, value] : recipe->env) env_names.push_back(name);
    env_names.insert(env_names.end(), recipe->secret_env.begin(), recipe->secret_env.end());
  }
  runtime["env_names"] = env_names;
  metadata["runtime"] = runtime;
  metadata["timings"] = timings;
  if (!error.empty()) metadata["error"] = error;
  if (!prepared.warnings.empty()) metadata["attempt_warnings"] = prepared.warnings;
  // The ledger as the command left it, for `runs resume-plan`.
  if (std::string ledger = read_ledger(state); !ledger.empty()) {
    metadata["validation_progress"] = parse_json_or_discard(ledger);
  }
  outcome.metadata_json = dump_json(redact_secrets(metadata, masker));
  outcome.finished_at = now_ms();
  if (recipe && recipe->retain_for_ms) {
    outcome.eligible_at = outcome.finished_at + *recipe->retain_for_ms;
  }
  if (recipe) {
    outcome.retry_at = retry_time(*recipe, attempt, outcome.status, outcome.terminal_reason,
                                  outcome.finished_at, jitter_sample());
  }
  beater.stop();
  auto settled = store.settle_run(run_id, current, epoch, outcome);
  // A store that cannot write (its disk is full, the file is locked for too
  // long) gets a few more tries, the last with a minimal outcome: a run
  // recorded failed without its artifacts beats one left `running`. If none
  // lands, the reaper settles the run (heartbeat_lost) once the store can
  // write again; supervisor.log says why.
  for (int tries = 1; !settled && settled.error().code != "store.conflict" && tries <= 4;
       ++tries) {
    say(run_id, fmt::format("could not settle the run ({}); retrying", settled.error().message));
    std::this_thread::sleep_for(std::chrono::seconds(tries));
    if (tries == 4) {
      RunOutcome minimal;
      minimal.status = RunStatus::failed;
      minimal.terminal_reason = "artifact_collection_failed";
      minimal.exit_code = outcome.exit_code;
      minimal.finished_at = now_ms();
      minimal.metadata_json = dump_json(
        Json{{"error", "the store could not record the run's outcome: "
                         + settled.error().message}});
      settled = store.settle_run(run_id, current, epoch, minimal);
    } else {
      settled = store.settle_run(run_id, current, epoch, outcome);
    }
  }
  if (!settled) {
    say(run_id, settled.error().code == "store.conflict"
                  ? "the lease was lost before the run could be settled; nothing was written"
                  : settled.error().message);
  }
  wake(paths);
  return 0;
}

} // namespace hb::registry

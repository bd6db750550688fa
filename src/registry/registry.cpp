#include "registry/registry.hpp"

#include "registry/attempts.hpp"
#include "registry/preview.hpp"

#include "app/reconcile.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/process.hpp"
#include "util/secret_mask.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <cstdio>

#include <climits>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb::registry {

namespace {

constexpr const char* k_wake_file = "registry.wake";

SecretMasker
masker_for(const std::vector<Recipe>& recipes)
{
  std::vector<std::string> values;
  for (const auto& recipe : recipes) {
    for (const auto& name : recipe.secret_env) {
      if (const char* value = std::getenv(name.c_str())) {
        values.emplace_back(value);
      }
    }
  }
  return SecretMasker(values);
}

bool
owned_here(const Run& run)
{
  return run.owner_pid && run.lease_owner == app::owner_label(*run.owner_pid);
}

} // namespace

std::filesystem::path
log_path(const Paths& paths, const std::string& run_id, bool stderr_stream, int attempt)
{
  return attempt_dir(paths, run_id, attempt) / (stderr_stream ? "stderr.log" : "stdout.log");
}

namespace {

// Validated runs for `recipes`, queued, with the values of their secret
// variables (as this process sees them) masked out.
Result<std::vector<Run>>
make_runs(const std::vector<Recipe>& recipes, const std::string& replay_of)
{
  for (const auto& recipe : recipes) {
    if (auto ok = validate(recipe); !ok) {
      return Unexpected(ok.error());
    }
  }
  SecretMasker masker = masker_for(recipes);
  TimeMs now = now_ms();
  std::vector<Run> runs;
  runs.reserve(recipes.size());
  for (const auto& recipe : recipes) {
    runs.push_back(make_queued_run(recipe, masker, now, replay_of));
  }
  return runs;
}

} // namespace

Result<std::vector<Run>>
submit(Store& store, const Paths& paths, const std::vector<Recipe>& recipes,
       const std::string& replay_of)
{
  auto runs = make_runs(recipes, replay_of);
  if (!runs) {
    return Unexpected(runs.error());
  }
  if (auto ok = store.insert_runs(*runs); !ok) {
    return Unexpected(ok.error());
  }
  wake(paths);
  return runs;
}

namespace {

std::string&
supervisor_executable()
{
  static std::string path;
  return path;
}

} // namespace

void
set_supervisor_executable(const std::string& path)
{
  supervisor_executable() = path;
}

Result<std::string>
homeboy_program()
{
  if (!supervisor_executable().empty()) return supervisor_executable();
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    return make_error("process.spawn_failed",
                      fmt::format("cannot find the homeboy executable: {}", std::strerror(errno)));
  }
  return std::string(exe, static_cast<std::size_t>(n));
}

namespace {

Result<int>
launch_supervisor(const Paths& paths, const std::string& run_id, std::int64_t epoch)
{
  auto exe = homeboy_program();
  if (!exe) return Unexpected(exe.error());
  auto dir = paths.run_dir(run_id);
  if (auto made = fs::create_directories(dir); !made) {
    return make_error("process.spawn_failed",
                      fmt::format("cannot create the run directory: {}", made.error().message));
  }
  // Whoever launched us, the supervisor must find the same store and root.
  Environment env = Environment::current();
  env.set("HOMEBOY_DATA_DIR", paths.data_root.string());
  env.set("HOMEBOY_ARTIFACT_ROOT", paths.artifact_root.string());
  if (!paths.store_url.empty()) env.set("HOMEBOY_STORE", paths.store_url);
  auto pid = spawn_detached(*exe, {"homeboy", "runs", "supervise", run_id, "--epoch", std::to_string(epoch)},
                            env, dir / "supervisor.log");
  if (!pid) {
    return make_error("process.spawn_failed",
                      fmt::format("cannot launch the supervisor: {}", pid.error().message));
  }
  return *pid;
}

} // namespace

Result<Run>
start(Store& store, const Paths& paths, const Recipe& recipe, const std::string& replay_of)
{
  auto runs = make_runs({recipe}, replay_of);
  if (!runs) {
    return Unexpected(runs.error());
  }
  // Inserted already claimed by this process (as claim_run would), so no
  // worker ever sees it queued and races us for it.
  Run run = runs->front();
  run.status = RunStatus::booting;
  run.lease_epoch = 1;
  run.lease_owner = app::owner_label(static_cast<int>(::getpid()));
  run.heartbeat_at = run.created_at;
  run.deadline_at = run.created_at + *run.start_timeout_ms;
  if (auto ok = store.insert_runs({run}); !ok) {
    return Unexpected(ok.error());
  }
  if (auto launched = launch_claimed(store, paths, run); !launched) {
    return Unexpected(launched.error());
  }
  return run;
}

Result<int>
launch_claimed(Store& store, const Paths& paths, const Run& claimed)
{
  auto launched = launch_supervisor(paths, claimed.id, claimed.lease_epoch);
  if (!launched) {
    RunOutcome outcome;
    outcome.status = RunStatus::failed;
    outcome.terminal_reason = "spawn_failed";
    outcome.finished_at = now_ms();
    outcome.merge_metadata = true;
    outcome.metadata_json = dump_json(Json{{"error", launched.error().message}});
    (void)store.settle_run(claimed.id, RunStatus::booting, claimed.lease_epoch, outcome);
  }
  // The claim (queued -> booting) or the failure is a status change: event
  // streams and waiters read it now rather than at their next poll.
  wake(paths);
  return launched;
}

void
wake(const Paths& paths)
{
  int fd = ::open((paths.data_root / k_wake_file).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::futimens(fd, nullptr); // IN_ATTRIB for the watchers
    ::close(fd);
  }
}

WakeWatcher::WakeWatcher(const Paths& paths) : m_shared(!paths.store_url.empty())
{
  if (m_shared) {
    // Unreachable now: the caller's timeout stands in until it is back.
    if (auto listener = listen_store(paths); listener) m_listener = std::move(*listener);
    return;
  }
  m_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m_fd >= 0 && ::inotify_add_watch(m_fd, paths.data_root.c_str(), IN_ATTRIB | IN_CLOSE_WRITE) < 0) {
    ::close(m_fd);
    m_fd = -1;
  }
}

WakeWatcher::~WakeWatcher()
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

bool
WakeWatcher::drain()
{
  if (m_listener) return m_listener->drain();
  bool woken = false;
  alignas(struct inotify_event) char buffer[4096];
  while (m_fd >= 0) {
    ssize_t n = ::read(m_fd, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    for (ssize_t at = 0; at < n;) {
      auto* event = reinterpret_cast<const struct inotify_event*>(buffer + at);
      woken |= event->len > 0 && std::strcmp(event->name, k_wake_file) == 0;
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
    }
  }
  return woken;
}

bool
WakeWatcher::wait(int timeout_ms)
{
  const int fd = this->fd();
  if (fd < 0) {
    ::usleep(static_cast<useconds_t>(std::min(timeout_ms, blind_poll_ms())) * 1000);
    // A listener whose connection is down reconnects here.
    return m_listener && m_listener->drain();
  }
  struct pollfd pfd = {fd, POLLIN, 0};
  return ::poll(&pfd, 1, timeout_ms) > 0 && drain();
}

Result<Run>
wait_until_settled(Store& store, const Paths& paths, const std::string& run_id,
                   std::optional<std::int64_t> timeout_ms)
{
  WakeWatcher watcher(paths);
  TimeMs until = timeout_ms ? now_ms() + *timeout_ms : 0;
  while (true) {
    auto run = store.get_run(run_id);
    if (!run) {
      return Unexpected(run.error());
    }
    if (!*run) {
      return make_error("run.not_found", fmt::format("run {} is gone (cleaned up?)", truncate_for_message(run_id, 60)));
    }
    if (is_terminal((*run)->status) || interrupt_signal() != 0) {
      return **run;
    }
    TimeMs now = now_ms();
    if (timeout_ms && now >= until) {
      return **run;
    }
    // Runs settled on another machine send no wake: look again each second.
    std::int64_t wait = timeout_ms ? std::min<std::int64_t>(until - now, 1000) : 1000;
    watcher.wait(static_cast<int>(wait));
  }
}

Result<CancelResult>
cancel(Store& store, const Paths& paths, const std::string& run_id, const std::string& reason)
{
  auto before = store.get_run(run_id);
  if (!before) {
    return Unexpected(before.error());
  }
  if (!*before) {
    return make_error("run.not_found", fmt::format("no run with id {}", truncate_for_message(run_id, 60)));
  }
  CancelResult result;
  if (is_terminal((*before)->status)) {
    result.run = **before;
    result.action = "already_finished";
    return result;
  }
  auto after = store.request_cancel(run_id, reason, now_ms());
  if (!after) {
    return Unexpected(after.error());
  }
  result.run = *after;
  if (is_terminal(after->status)) {
    result.action = (*before)->status == RunStatus::queued ? "cancelled" : "already_finished";
    wake(paths);
    return result;
  }
  result.action = (*before)->cancel_requested_at ? "already_requested" : "requested";
  if (owned_here(*after) && process_alive(*after->owner_pid, after->owner_start_time)) {
    result.signalled = ::kill(*after->owner_pid, SIGTERM) == 0;
  }
  return result;
}

Result<Run>
heartbeat(Store& store, const std::string& run_id, const std::string& preview_json,
          const std::string& message)
{
  auto patched = preview_patch(preview_json);
  if (!patched) {
    return Unexpected(patched.error());
  }
  const std::string patch = std::move(*patched);
  // A beat races with status changes that leave the epoch alone: read again
  // once when the run moved under us.
  for (int attempt = 0;; ++attempt) {
    auto run = store.get_run(run_id);
    if (!run) {
      return Unexpected(run.error());
    }
    if (!*run) {
      return make_error("run.not_found", fmt::format("no run with id {}", truncate_for_message(run_id, 60)));
    }
    if (!is_terminal((*run)->status) && (*run)->status != RunStatus::queued) {
      auto beaten = store.beat(run_id, (*run)->lease_epoch, now_ms(), patch);
      if (beaten && !message.empty()) {
        Json data = {{"message", message}};
        if (auto ok = store.append_event(run_id, "message", dump_json(data), now_ms()); !ok) {
          return Unexpected(ok.error());
        }
      }
      if (beaten || beaten.error().code != "store.conflict" || attempt > 0) {
        return beaten;
      }
      continue;
    }
    return make_error("registry.not_active",
                      fmt::format("run {} is {}: only a booting or running run takes heartbeats",
                                  run_id, to_string((*run)->status)));
  }
}

Result<Recipe>
rerunnable_recipe(const Run& run)
{
  auto recipe = recipe_from_run(run);
  if (!recipe) {
    return Unexpected(recipe.error());
  }
  auto masked = [](const std::string& text) { return text.find(k_secret_mask) != std::string::npos; };
  bool has_mask = masked(recipe->cwd);
  for (const auto& arg : recipe->argv) has_mask |= masked(arg);
  for (const auto& [name, value] : recipe->env) has_mask |= masked(value);
  if (has_mask) {
    return make_error("registry.masked_recipe",
                      fmt::format("run {}'s command or environment held a secret, stored masked "
                                  "as ***, so it cannot be replayed as recorded (nor resumed); submit it again "
                                  "and pass the secret with --secret-env",
                                  run.id));
  }
  return recipe;
}

Result<Run>
replay(Store& store, const Paths& paths, const std::string& run_id, bool start_now)
{
  auto original = store.get_run(run_id);
  if (!original) {
    return Unexpected(original.error());
  }
  if (!*original) {
    return make_error("run.not_found", fmt::format("no run with id {}", truncate_for_message(run_id, 60)));
  }
  auto recipe = rerunnable_recipe(**original);
  if (!recipe) {
    return Unexpected(recipe.error());
  }
  if (start_now) {
    return start(store, paths, *recipe, run_id);
  }
  auto runs = submit(store, paths, {*recipe}, run_id);
  if (!runs) {
    return Unexpected(runs.error());
  }
  return runs->front();
}

} // namespace hb::registry

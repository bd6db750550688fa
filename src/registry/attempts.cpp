// Attempts of a registry run: the state directory and its ledger, the retry
// policy, and `runs resume` (see attempts.hpp).

#include "registry/attempts.hpp"

#include "analysis/resume_plan.hpp"
#include "app/reconcile.hpp"
#include "registry/registry.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <random>
#include <unistd.h>

namespace hb::registry {

namespace stdfs = std::filesystem;

std::filesystem::path
attempt_dir(const Paths& paths, const std::string& run_id, int attempt)
{
  auto dir = paths.run_dir(run_id);
  return attempt <= 1 ? dir : dir / "attempts" / std::to_string(attempt);
}

std::filesystem::path
state_dir(const Paths& paths, const std::string& run_id)
{
  return paths.run_dir(run_id) / "state";
}

namespace {

// The ledger of `dir` and its plan; an error says what is wrong with it.
struct Ledger
{
  Json json;
  analysis::ResumePlan plan;
};

Result<std::optional<Ledger>>
load_ledger(const stdfs::path& dir)
{
  auto path = dir / k_ledger_file;
  std::error_code ec;
  if (!stdfs::exists(path, ec)) return std::optional<Ledger>();
  auto text = fs::read_file(path);
  if (!text) return Unexpected(text.error());
  auto json = parse_json(*text, path.string());
  if (!json) return Unexpected(json.error());
  auto plan = analysis::plan_resume(Json{{"validation_progress", *json}});
  if (!plan) return Unexpected(plan.error());
  return std::optional<Ledger>(Ledger{std::move(*json), std::move(*plan)});
}

std::string
step_name(const analysis::ResumeStep& step)
{
  return step.label.empty() ? step.command : step.label;
}

} // namespace

AttemptState
prepare_state(const std::filesystem::path& dir, int attempt)
{
  AttemptState out;
  std::error_code ec;
  if (attempt > 1 && !stdfs::is_directory(dir, ec)) {
    out.warnings.push_back(fmt::format(
      "the state directory {} of the earlier attempts is gone (removed by hand?); attempt {} "
      "starts fresh",
      dir.string(), attempt));
  }
  if (auto made = fs::create_directories(dir); !made) {
    out.warnings.push_back(made.error().message);
    return out;
  }
  auto ledger = load_ledger(dir);
  if (!ledger) {
    auto aside = dir / (std::string(k_ledger_file) + ".corrupt");
    stdfs::rename(dir / k_ledger_file, aside, ec);
    out.warnings.push_back(fmt::format(
      "the validation_progress ledger is corrupt ({}); it was moved to {} and attempt {} starts "
      "from the beginning",
      truncate_for_message(ledger.error().message, 300), aside.filename().string(), attempt));
    return out;
  }
  if (!*ledger) return out;
  out.ledger_json = dump_json((*ledger)->json);
  const auto& plan = (*ledger)->plan;
  out.complete = plan.complete;
  if (plan.resume_from) out.resume_from = step_name(plan.steps[*plan.resume_from]);
  return out;
}

std::string
read_ledger(const std::filesystem::path& dir)
{
  auto ledger = load_ledger(dir);
  return ledger && *ledger ? dump_json((*ledger)->json) : std::string();
}

namespace {

// Locks the ledger of `dir`, lets `change` edit its steps (the `commands`
// or `steps` array; a new ledger gets `commands`) and writes it atomically.
Result<void>
update_ledger(const std::filesystem::path& dir,
              const std::function<void(Json& steps, const analysis::ResumePlan* plan)>& change)
{
  if (auto made = fs::create_directories(dir); !made) return made;
  auto lock = fs::FileLock::acquire(dir / ".validation_progress.lock");
  if (!lock) return Unexpected(lock.error());
  auto ledger = load_ledger(dir);
  if (!ledger) {
    return make_error("registry.corrupt_ledger",
                      fmt::format("{}; fix or remove {} (the next attempt moves a corrupt ledger "
                                  "aside and starts from the beginning)",
                                  ledger.error().message, (dir / k_ledger_file).string()));
  }
  Json json = *ledger ? (*ledger)->json : Json{{"commands", Json::array()}};
  Json& steps = json.contains("commands") ? json["commands"] : json["steps"];
  change(steps, *ledger ? &(*ledger)->plan : nullptr);
  return fs::write_file_atomic(dir / k_ledger_file, dump_json(json, 2) + "\n");
}

// The ledger entry of `step` (an object entry whose id, else command, is
// `step`), or null.
Json*
find_step(Json& steps, const analysis::ResumePlan* plan, const std::string& step)
{
  if (!plan) return nullptr;
  for (const auto& s : plan->steps) {
    if (step_name(s) == step && steps[s.index].is_object()) return &steps[s.index];
  }
  return nullptr;
}

} // namespace

Result<void>
record_step(const std::filesystem::path& dir, const std::string& step, const std::string& status)
{
  static const char* const k_statuses[] = {"completed", "active", "failed", "skipped", "pending"};
  if (std::find(std::begin(k_statuses), std::end(k_statuses), status) == std::end(k_statuses)) {
    return make_error("validation.invalid_option",
                      fmt::format("--status {}: give completed, active, failed, skipped or pending",
                                  status));
  }
  if (step.empty()) {
    return make_error("validation.invalid_option", "the step name must not be empty");
  }
  return update_ledger(dir, [&](Json& steps, const analysis::ResumePlan* plan) {
    Json* entry = find_step(steps, plan, step);
    if (!entry) {
      steps.push_back(Json{{"id", step}, {"command", step}});
      entry = &steps.back();
    }
    (*entry)["status"] = status;
    (*entry)["updated_at"] = format_rfc3339(now_ms());
  });
}

Result<void>
plan_steps(const std::filesystem::path& dir, const std::vector<std::string>& steps)
{
  if (steps.empty() || std::find(steps.begin(), steps.end(), "") != steps.end()) {
    return make_error("validation.invalid_option",
                      "--plan needs the names of the command's steps, in order, none empty");
  }
  return update_ledger(dir, [&](Json& entries, const analysis::ResumePlan* plan) {
    for (const auto& step : steps) {
      if (!find_step(entries, plan, step)) {
        entries.push_back(Json{{"id", step}, {"command", step}, {"status", "pending"}});
      }
    }
  });
}

Result<bool>
step_done(const std::filesystem::path& dir, const std::string& step)
{
  auto ledger = load_ledger(dir);
  if (!ledger) return Unexpected(ledger.error());
  if (!*ledger) return false;
  for (const auto& s : (*ledger)->plan.steps) {
    if (step_name(s) == step) {
      return s.state == analysis::StepState::completed || s.state == analysis::StepState::skipped;
    }
  }
  return false;
}

std::int64_t
retry_backoff_ms(const Recipe& recipe, int attempt, double jitter)
{
  const std::int64_t max = recipe.retry_backoff_max_ms;
  std::int64_t base = recipe.retry_backoff_min_ms;
  for (int i = 1; i < attempt && base < max; ++i) base *= 2;
  base = std::min(base, max);
  auto extra = static_cast<std::int64_t>(static_cast<double>(base) / 2 * std::clamp(jitter, 0.0, 1.0));
  return std::min(base + extra, max);
}

std::optional<TimeMs>
retry_time(const Recipe& recipe, int attempt, RunStatus status, const std::string& reason,
           TimeMs ended_at, double jitter)
{
  if (attempt > recipe.retries || status == RunStatus::succeeded || status == RunStatus::cancelled
      || reason == "cancelled_by_user") {
    return std::nullopt;
  }
  auto listed = [&](const std::string& r) {
    return std::find(recipe.retry_on.begin(), recipe.retry_on.end(), r) != recipe.retry_on.end();
  };
  if (!listed(reason) && !(status == RunStatus::timed_out && listed("timed_out"))) {
    return std::nullopt;
  }
  return ended_at + retry_backoff_ms(recipe, attempt, jitter);
}

double
jitter_sample()
{
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

Result<Run>
resume(Store& store, const Paths& paths, const std::string& run_id, const ResumeOptions& options)
{
  auto found = store.get_run(run_id);
  if (!found) return Unexpected(found.error());
  if (!*found) {
    return make_error("run.not_found",
                      fmt::format("no run with id {}", truncate_for_message(run_id, 60)));
  }
  const Run& run = **found;
  if (!is_terminal(run.status)) {
    return make_error(
      "registry.active",
      fmt::format("run {} is {} (attempt {}); only a finished run can be resumed: wait for it "
                  "(`homeboy runs status {} --wait`) or cancel it first",
                  run.id, to_string(run.status), run.attempt, run.id));
  }
  if (run.status == RunStatus::succeeded && !options.force) {
    return make_error("registry.succeeded",
                      fmt::format("run {} succeeded (attempt {}); nothing to resume. Pass --force "
                                  "to run it again anyway (same run id and state directory)",
                                  run.id, run.attempt));
  }
  auto recipe = rerunnable_recipe(run);
  if (!recipe) return Unexpected(recipe.error());
  NewAttempt next;
  next.cause = "resume";
  if (options.start_now) {
    next.status = RunStatus::booting;
    next.owner = app::owner_label(static_cast<int>(::getpid()));
  }
  auto begun = store.begin_attempt(run.id, run.status, run.lease_epoch, next, now_ms());
  if (!begun) {
    if (begun.error().code == "store.conflict") {
      return make_error("registry.conflict",
                        fmt::format("run {} changed while it was being resumed (resumed by "
                                    "someone else?); see `homeboy runs status {}`",
                                    run.id, run.id));
    }
    return Unexpected(begun.error());
  }
  if (options.start_now) {
    if (auto launched = launch_claimed(store, paths, *begun); !launched) {
      return Unexpected(launched.error());
    }
  } else {
    wake(paths);
  }
  return *begun;
}

} // namespace hb::registry

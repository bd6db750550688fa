#pragma once
// Attempts of a registry run (issue 19, docs/registry.md "Attempts and
// resuming"): the state directory a run keeps across attempts, the
// validation_progress ledger in it that tells the next attempt where to
// pick up, the automatic retry policy (exponential backoff with jitter),
// and `runs resume`. The store keeps the attempts themselves
// (Store::begin_attempt, RunAttempt).

#include "model/paths.hpp"
#include "model/run.hpp"
#include "registry/recipe.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::registry {

/// The ledger's file name in the state directory.
inline constexpr const char* k_ledger_file = "validation_progress.json";

/// Where attempt `attempt` keeps its logs, files and manifest: the run
/// directory itself for attempt 1 (as before attempts existed), else
/// `<run dir>/attempts/<n>/`.
std::filesystem::path attempt_dir(const Paths& paths, const std::string& run_id, int attempt);

/// `<run dir>/state/`: HOMEBOY_RUN_STATE_DIR, kept across attempts and
/// removed with the run by `runs cleanup`.
std::filesystem::path state_dir(const Paths& paths, const std::string& run_id);

/// What an attempt finds in its state directory before its command starts.
struct AttemptState
{
  /// The ledger's text when it is a usable ledger (empty otherwise).
  std::string ledger_json;
  /// HOMEBOY_RESUME_FROM: the id (else command) of the step to resume
  /// from; nullopt when there is no usable ledger or every step is done.
  std::optional<std::string> resume_from;
  bool complete = false; // the ledger says every step is done
  /// Said to the user (stderr log, events, metadata attempt_warnings): a
  /// state directory removed by hand, a corrupt ledger moved aside.
  std::vector<std::string> warnings;
};

/// Prepares the state directory for attempt `attempt` (creates it; from
/// attempt 2 on, a missing one is a warning: the attempt starts fresh) and
/// reads its ledger. A ledger that cannot be read or has not the
/// resume-plan shape is renamed to `validation_progress.json.corrupt` with
/// a warning, so the command starts from the beginning. Never fails.
AttemptState prepare_state(const std::filesystem::path& dir, int attempt);

/// The ledger's text if the state directory holds a usable one, else "".
std::string read_ledger(const std::filesystem::path& dir);

/// `runs progress STEP --status S`: records step `step` with `status`
/// (completed, active, failed, skipped, pending) in the ledger of `dir`,
/// appending it when new; under an flock, written atomically.
Result<void> record_step(const std::filesystem::path& dir, const std::string& step,
                         const std::string& status);

/// `runs progress --plan STEP...`: declares the command's steps, in order,
/// as pending (those the ledger already has keep their state), so that the
/// next attempt knows the steps no attempt reached yet.
Result<void> plan_steps(const std::filesystem::path& dir, const std::vector<std::string>& steps);

/// `runs progress STEP --check`: whether the ledger of `dir` has `step`
/// completed (or skipped).
Result<bool> step_done(const std::filesystem::path& dir, const std::string& step);

/// The wait before attempt `attempt` + 1 after attempt `attempt` failed:
/// min * 2^(attempt-1), plus up to half of it again by `jitter` (0..1),
/// never above max. Pure.
std::int64_t retry_backoff_ms(const Recipe& recipe, int attempt, double jitter);

/// When the worker may start the next attempt of a run that just ended as
/// `status` for `reason` in attempt `attempt`, or nullopt when it is not
/// retried (no retries left, a reason not in --retry-on, a success, a
/// user's cancel). Pure.
std::optional<TimeMs> retry_time(const Recipe& recipe, int attempt, RunStatus status,
                                 const std::string& reason, TimeMs ended_at, double jitter);

/// A uniform number in [0, 1) for retry_time's jitter.
double jitter_sample();

struct ResumeOptions
{
  bool force = false;     // also a succeeded run
  bool start_now = false; // claim and start it here instead of queueing it
};

/// `runs resume`: the next attempt of a finished registry run, with the
/// same run id, recipe and state directory. Refuses (nothing changed) an
/// unknown run, an active or queued one, a succeeded one without `force`,
/// one without a recipe, and one whose recipe was stored masked.
Result<Run> resume(Store& store, const Paths& paths, const std::string& run_id,
                   const ResumeOptions& options);

} // namespace hb::registry

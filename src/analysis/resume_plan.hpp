#pragma once
// runs resume-plan: where to pick up a validation command set that a run
// recorded in its `validation_progress` metadata. Schema-blind about the
// commands themselves: only their order and status matter.
//
// Accepted shape (metadata.validation_progress):
//   {"commands": [{"command": "npm test", "status": "completed", ...}, ...]}
// `steps` is accepted for `commands`; an entry may be a plain string (then it
// is pending) and may carry id/label/name, exit_code, started_at, finished_at.
// Statuses: completed (also succeeded, passed, pass, done, ok), active (also
// running, in_progress, started), failed (also fail, error, timed_out),
// skipped, pending (also queued, not_started, and anything absent).

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hb::analysis {

enum class StepState { completed, active, pending, failed, skipped };

const char* to_string(StepState state);

struct ResumeStep
{
  std::size_t index = 0;  // 0-based position in the ledger
  std::string command;
  std::string label;      // id, label or name when given
  StepState state = StepState::pending;
  std::string raw_status; // as recorded
  const Json* entry = nullptr; // the ledger entry (inside the metadata)
};

struct ResumePlan
{
  std::vector<ResumeStep> steps;
  std::optional<std::size_t> last_completed; // indexes into steps
  std::optional<std::size_t> active;
  std::optional<std::size_t> failed;         // the first failed step
  std::optional<std::size_t> next_pending;   // the first pending step after the last completed one
  /// Where to resume: the active step (it was interrupted), else the first
  /// failed step, else the next pending one; nullopt when all are done.
  std::optional<std::size_t> resume_from;
  bool complete = false; // every step completed or skipped
};

/// The plan for a run's metadata. Errors: `run.no_validation_progress` when
/// the metadata has no validation_progress, `validation.invalid_progress`
/// when it is not the accepted shape (the message says what was found).
Result<ResumePlan> plan_resume(const Json& metadata);

} // namespace hb::analysis

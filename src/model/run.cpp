#include "model/run.hpp"

#include <array>

namespace hb {

namespace {

struct StatusName
{
  RunStatus status;
  const char* name;
};

constexpr std::array<StatusName, 8> k_status_names = {{
  {RunStatus::queued, "queued"},
  {RunStatus::booting, "booting"},
  {RunStatus::running, "running"},
  {RunStatus::collecting_artifacts, "collecting_artifacts"},
  {RunStatus::succeeded, "succeeded"},
  {RunStatus::failed, "failed"},
  {RunStatus::timed_out, "timed_out"},
  {RunStatus::cancelled, "cancelled"},
}};

} // namespace

const char*
to_string(RunStatus status)
{
  for (const auto& entry : k_status_names) {
    if (entry.status == status) {
      return entry.name;
    }
  }
  return "unknown";
}

std::optional<RunStatus>
parse_run_status(std::string_view text)
{
  for (const auto& entry : k_status_names) {
    if (text == entry.name) {
      return entry.status;
    }
  }
  return std::nullopt;
}

const std::vector<RunStatus>&
all_run_statuses()
{
  static const std::vector<RunStatus> all = [] {
    std::vector<RunStatus> out;
    for (const auto& entry : k_status_names) {
      out.push_back(entry.status);
    }
    return out;
  }();
  return all;
}

bool
is_terminal(RunStatus status)
{
  switch (status) {
  case RunStatus::succeeded:
  case RunStatus::failed:
  case RunStatus::timed_out:
  case RunStatus::cancelled: return true;
  default: return false;
  }
}

bool
transition_allowed(RunStatus from, RunStatus to)
{
  using S = RunStatus;
  if (is_terminal(from)) {
    return false; // terminal is forever
  }
  switch (from) {
  case S::queued:
    // A synchronous producer may skip the queue; a queued run may be
    // cancelled, fail or time out before it ever boots.
    return to == S::booting || to == S::running || to == S::failed || to == S::timed_out
           || to == S::cancelled;
  case S::booting:
    return to == S::running || to == S::failed || to == S::timed_out || to == S::cancelled;
  case S::running:
    return to == S::collecting_artifacts || is_terminal(to);
  case S::collecting_artifacts:
    return is_terminal(to);
  default: return false;
  }
}

std::optional<std::vector<RunStatus>>
parse_status_filter(std::string_view text)
{
  if (auto status = parse_run_status(text)) {
    return std::vector<RunStatus>{*status};
  }
  using S = RunStatus;
  if (text == "pass" || text == "passed" || text == "success") return std::vector{S::succeeded};
  if (text == "fail" || text == "error" || text == "stale") return std::vector{S::failed};
  if (text == "active") return std::vector{S::queued, S::booting, S::running, S::collecting_artifacts};
  if (text == "terminal") return std::vector{S::succeeded, S::failed, S::timed_out, S::cancelled};
  if (text == "timeout") return std::vector{S::timed_out};
  if (text == "canceled" || text == "skipped" || text == "handed_off") return std::vector{S::cancelled};
  return std::nullopt;
}

std::string
run_ref(std::string_view run_id)
{
  return "homeboy://run/" + std::string(run_id);
}

std::string
artifact_ref(std::string_view run_id, std::string_view artifact_id)
{
  return run_ref(run_id) + "/artifact/" + std::string(artifact_id);
}

} // namespace hb

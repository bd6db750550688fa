#include "analysis/resume_plan.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace hb::analysis {

const char*
to_string(StepState state)
{
  switch (state) {
  case StepState::completed: return "completed";
  case StepState::active: return "active";
  case StepState::pending: return "pending";
  case StepState::failed: return "failed";
  case StepState::skipped: return "skipped";
  }
  return "pending";
}

namespace {

StepState
state_of(std::string status)
{
  std::transform(status.begin(), status.end(), status.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* s : {"completed", "complete", "succeeded", "success", "passed", "pass", "done", "ok"}) {
    if (status == s) return StepState::completed;
  }
  for (const char* s : {"active", "running", "in_progress", "in-progress", "started"}) {
    if (status == s) return StepState::active;
  }
  for (const char* s : {"failed", "fail", "error", "errored", "timed_out", "timeout"}) {
    if (status == s) return StepState::failed;
  }
  if (status == "skipped" || status == "skip") return StepState::skipped;
  return StepState::pending;
}

std::string
text_field(const Json& entry, std::initializer_list<const char*> keys)
{
  for (const char* key : keys) {
    auto it = entry.find(key);
    if (it != entry.end() && it->is_string()) return it->get<std::string>();
    if (it != entry.end() && it->is_array()) { // argv
      std::string joined;
      for (const auto& part : *it) {
        if (!part.is_string()) continue;
        joined += (joined.empty() ? "" : " ") + part.get<std::string>();
      }
      if (!joined.empty()) return joined;
    }
  }
  return {};
}

} // namespace

Result<ResumePlan>
plan_resume(const Json& metadata)
{
  auto progress = metadata.is_object() ? metadata.find("validation_progress") : metadata.end();
  if (!metadata.is_object() || progress == metadata.end() || progress->is_null()) {
    return make_error("run.no_validation_progress",
                      "the run has no validation_progress metadata (only runs of Homeboy-managed "
                      "validation command sets record it), so there is nothing to resume");
  }
  const Json* list = nullptr;
  if (progress->is_array()) {
    list = &*progress;
  } else if (progress->is_object()) {
    for (const char* key : {"commands", "steps"}) {
      auto it = progress->find(key);
      if (it != progress->end() && it->is_array()) {
        list = &*it;
        break;
      }
    }
  }
  if (!list) {
    return make_error("validation.invalid_progress",
                      fmt::format("validation_progress is a {} without a `commands` (or `steps`) "
                                  "array; expected {{\"commands\": [{{\"command\": ..., \"status\": "
                                  "...}}, ...]}}",
                                  json_type_name(*progress)));
  }
  ResumePlan plan;
  for (const auto& entry : *list) {
    ResumeStep step;
    step.index = plan.steps.size();
    step.entry = &entry;
    if (entry.is_string()) {
      step.command = entry.get<std::string>();
    } else if (entry.is_object()) {
      step.command = text_field(entry, {"command", "cmd", "argv", "run"});
      step.label = text_field(entry, {"id", "label", "name"});
      step.raw_status = text_field(entry, {"status", "state"});
      step.state = state_of(step.raw_status);
    } else {
      return make_error("validation.invalid_progress",
                        fmt::format("validation_progress entry {} is a {}; expected an object "
                                    "{{\"command\", \"status\"}} or a command string",
                                    step.index, json_type_name(entry)));
    }
    plan.steps.push_back(std::move(step));
  }
  bool all_done = !plan.steps.empty();
  for (const auto& step : plan.steps) {
    switch (step.state) {
    case StepState::completed: plan.last_completed = step.index; break;
    case StepState::active: if (!plan.active) plan.active = step.index; break;
    case StepState::failed: if (!plan.failed) plan.failed = step.index; break;
    default: break;
    }
    if (step.state != StepState::completed && step.state != StepState::skipped) all_done = false;
  }
  std::size_t from = plan.last_completed ? *plan.last_completed + 1 : 0;
  for (std::size_t i = from; i < plan.steps.size(); ++i) {
    if (plan.steps[i].state == StepState::pending) {
      plan.next_pending = i;
      break;
    }
  }
  if (!plan.next_pending) { // a pending step before the last completed one
    for (const auto& step : plan.steps) {
      if (step.state == StepState::pending) {
        plan.next_pending = step.index;
        break;
      }
    }
  }
  plan.complete = all_done;
  plan.resume_from = plan.active ? plan.active : plan.failed ? plan.failed : plan.next_pending;
  return plan;
}

} // namespace hb::analysis

#pragma once
// `homeboy report failure-digest`: the Markdown digest a CI job posts when a
// gate fails, rendered from the JSON envelopes the job saved with
// `homeboy --output <dir>/<command>.json <command>`. It reads files, never
// the store, so it works on a CI runner that has only the job's outputs.
// Knows the bench envelope (budget findings, gate failures, regressions,
// the artifact index); other commands' files are pointed at, not parsed.

#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <filesystem>
#include <string>

namespace hb::report {

struct FailureDigestInput
{
  std::filesystem::path output_dir; // holds <command>.json
  /// {"<command>": "<status>"}: which commands ran and how they ended.
  const Json* results = nullptr;
  std::string run_url; // the CI job's log, linked from each section
};

/// The digest. Errors: `results` not an object of strings (the message says
/// which key), and a <command>.json that exists but is not JSON.
Result<std::string> render_failure_digest(const FailureDigestInput& input);

/// True for the statuses the original treats as needing attention (fail,
/// error, baseline_red, inconclusive, executed_with_findings, ...).
bool is_attention_status(const std::string& status);

} // namespace hb::report

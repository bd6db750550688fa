#pragma once
// How commands speak: a human rendering on stdout by default, or with --json
// the envelope {"success": true, "data": {"variant", "payload"}} (errors:
// {"success": false, "error": {code, message, details}}). Errors always also
// go to stderr in plain words when stdout is not JSON.

#include "util/error.hpp"
#include "util/json.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace hb::cli {

/// While alive, `hook` runs once before the next envelope or report is
/// printed by emit*, so a live progress line on stderr erases itself first.
class BeforeOutput
{
public:
  explicit BeforeOutput(std::function<void()> hook);
  ~BeforeOutput();
  BeforeOutput(const BeforeOutput&) = delete;
  BeforeOutput& operator=(const BeforeOutput&) = delete;
};
/// Runs (and drops) the hook of the live BeforeOutput, if any.
void run_before_output();

struct OutputOptions
{
  bool json = false;
  std::optional<std::filesystem::path> output_file; // --output: always the full JSON
};

/// Prints a success envelope (JSON mode) or `human` (otherwise), and writes
/// the envelope to --output when given. Returns `exit_code`, or 1 when the
/// output file cannot be written.
int emit(const OutputOptions& options, const std::string& variant, const Json& payload,
         const std::string& human, int exit_code = 0);

/// As emit, but --output gets the full envelope (`file_variant`,
/// `file_payload`) whatever stdout shows (a --json-summary on stdout, the
/// whole report in the file).
int emit_with_full_file(const OutputOptions& options, const std::string& variant,
                        const Json& payload, const std::string& human, int exit_code,
                        const std::string& file_variant, const Json& file_payload);

/// Writes a success envelope to `path`; false (with a message on stderr) on
/// failure.
bool write_envelope_file(const std::filesystem::path& path, const std::string& variant,
                         const Json& payload);

/// Reports an error; returns `exit_code`.
int emit_error(const OutputOptions& options, const Error& error, int exit_code = 1);

Json success_envelope(const std::string& variant, const Json& payload);
Json error_envelope(const Error& error);

} // namespace hb::cli

// homeboy report failure-digest: the CI failure digest, rendered from the
// JSON envelopes a job saved (report/failure_digest.hpp).

#include "cli/commands.hpp"
#include "report/failure_digest.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

namespace hb::cli {

namespace {

/// `--results` as the original takes it: JSON text, or @FILE holding it.
Result<Json>
read_results(const std::string& spec)
{
  std::string text = spec;
  std::string what = "--results";
  if (spec.starts_with('@')) {
    auto file = fs::read_file(spec.substr(1));
    if (!file) {
      return make_error("validation.invalid_argument",
                        fmt::format("--results {}: {}", spec, file.error().message));
    }
    text = std::move(*file);
    what = spec.substr(1);
  }
  auto doc = parse_json(text, what);
  if (!doc) {
    return make_error("validation.invalid_argument",
                      fmt::format("--results is not JSON ({}); give an object such as "
                                  "'{{\"bench\":\"fail\"}}' or @FILE",
                                  doc.error().message));
  }
  return doc;
}

} // namespace

void
add_report_commands(CLI::App& app, Invocation& inv)
{
  auto* report = app.add_subcommand("report", "Reports rendered from saved command output");
  report->require_subcommand(1);
  struct DigestArgs
  {
    std::string output_dir, results, run_url, format = "markdown";
    OutputOptions output;
  };
  auto args = std::make_shared<DigestArgs>();
  auto* digest = report->add_subcommand(
    "failure-digest", "Markdown digest of a CI job's failures, from the envelopes it saved with "
                      "`homeboy --output <dir>/<command>.json <command>`");
  digest->add_option("--output-dir", args->output_dir,
                     "Directory holding <command>.json (bench.json, ...)")
    ->required();
  digest->add_option("--results", args->results,
                     "Each command's status as JSON, e.g. '{\"bench\":\"fail\"}' (or @FILE)")
    ->required();
  digest->add_option("--run-url", args->run_url, "The CI job's log, linked from each section");
  digest->add_option("--format", args->format, "markdown (the only format)")
    ->check(CLI::IsMember({"markdown"}));
  add_output_options(digest, args->output);
  digest->callback([args, &inv] {
    auto results = read_results(args->results);
    if (!results) {
      inv.exit_code = emit_error(args->output, results.error(), 2);
      return;
    }
    report::FailureDigestInput input{args->output_dir, &*results, args->run_url};
    auto markdown = report::render_failure_digest(input);
    if (!markdown) {
      inv.exit_code = emit_error(args->output, markdown.error(), 2);
      return;
    }
    inv.exit_code = emit(args->output, "report.failure-digest",
                         Json{{"command", "report.failure-digest"}, {"markdown", *markdown}},
                         *markdown);
  });
}

} // namespace hb::cli

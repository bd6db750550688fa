#include "cli/output.hpp"

#include "util/fs.hpp"

#include <cstdio>
#include <utility>
#include <fmt/core.h>

namespace hb::cli {

Json
success_envelope(const std::string& variant, const Json& payload)
{
  return Json{{"success", true}, {"data", {{"variant", variant}, {"payload", payload}}}};
}

Json
error_envelope(const Error& error)
{
  return Json{{"success", false},
              {"error", {{"code", error.code}, {"message", error.message},
                         {"details", details_json(error)}}}};
}

namespace {

bool
write_json_file(const std::filesystem::path& path, const Json& envelope)
{
  auto written = fs::write_file_atomic(path, dump_json(envelope, 2) + "\n");
  if (!written) {
    fmt::print(stderr, "error: cannot write --output file: {}\n", written.error().message);
    return false;
  }
  return true;
}

bool
write_output_file(const OutputOptions& options, const Json& envelope)
{
  return !options.output_file || write_json_file(*options.output_file, envelope);
}

} // namespace

bool
write_envelope_file(const std::filesystem::path& path, const std::string& variant,
                    const Json& payload)
{
  return write_json_file(path, success_envelope(variant, payload));
}

namespace {
std::function<void()> g_before_output;
} // namespace

BeforeOutput::BeforeOutput(std::function<void()> hook)
{
  g_before_output = std::move(hook);
}

BeforeOutput::~BeforeOutput()
{
  g_before_output = nullptr;
}

void
run_before_output()
{
  auto hook = std::exchange(g_before_output, nullptr);
  if (hook) hook();
}

int
emit(const OutputOptions& options, const std::string& variant, const Json& payload,
     const std::string& human, int exit_code)
{
  run_before_output();
  Json envelope = success_envelope(variant, payload);
  if (options.json) {
    fmt::print("{}\n", dump_json(envelope, 2));
  } else {
    fmt::print("{}", human);
  }
  std::fflush(stdout);
  if (!write_output_file(options, envelope)) {
    return exit_code ? exit_code : 1;
  }
  return exit_code;
}

int
emit_with_full_file(const OutputOptions& options, const std::string& variant, const Json& payload,
                    const std::string& human, int exit_code, const std::string& file_variant,
                    const Json& file_payload)
{
  OutputOptions to_stdout = options;
  to_stdout.output_file.reset();
  int code = emit(to_stdout, variant, payload, human, exit_code);
  if (options.output_file && !write_envelope_file(*options.output_file, file_variant, file_payload)
      && code == 0) {
    code = 1;
  }
  return code;
}

int
emit_error(const OutputOptions& options, const Error& error, int exit_code)
{
  run_before_output();
  Json envelope = error_envelope(error);
  if (options.json) {
    fmt::print("{}\n", dump_json(envelope, 2));
    std::fflush(stdout);
  } else {
    fmt::print(stderr, "error: {}\n", error.message);
  }
  write_output_file(options, envelope);
  return exit_code;
}

} // namespace hb::cli

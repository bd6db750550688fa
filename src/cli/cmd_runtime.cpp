// homeboy runtime helper path <name> [--plain]: where the runner helpers are;
// homeboy runtime count-instructions [--json] -- CMD ARGS...: a command's
// instructions, counted as `bench --measure instructions` counts them, so
// runner scripts measure the same way (bench-helper.sh calls it).

#include "bench/runtime_helpers.hpp"
#include "cli/commands.hpp"
#include "measure/instruction_counter.hpp"
#include "util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::cli {

void
add_runtime_commands(CLI::App& app, Invocation& inv)
{
  auto* runtime = app.add_subcommand("runtime", "Runtime helpers for runner scripts");
  runtime->require_subcommand(1);
  auto* helper = runtime->add_subcommand("helper", "Runtime helper files");
  helper->require_subcommand(1);
  struct Args
  {
    std::string name;
    bool plain = false;
    OutputOptions output;
  };
  auto args = std::make_shared<Args>();
  auto* path = helper->add_subcommand("path", "Print a helper's path (materialising it)");
  path->add_option("name", args->name,
                   "Env var (HOMEBOY_RUNTIME_BENCH_HELPER_SH) or file name (bench-helper.sh)")
    ->required();
  path->add_flag("--plain", args->plain, "Print only the path");
  add_output_options(path, args->output);
  path->callback([args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(args->output, paths.error());
      return;
    }
    auto helpers = bench::materialize_runtime_helpers(*paths);
    if (!helpers) {
      inv.exit_code = emit_error(args->output, helpers.error());
      return;
    }
    for (const auto& h : *helpers) {
      if (h.env_var == args->name || h.path.filename() == args->name) {
        if (args->plain) {
          fmt::print("{}\n", h.path.string());
          return;
        }
        inv.exit_code = emit(args->output, "path",
                             Json{{"command", "runtime.helper.path"}, {"helper", h.env_var},
                                  {"path", h.path.string()}},
                             fmt::format("{}={}\n", h.env_var, h.path.string()));
        return;
      }
    }
    std::vector<std::string> known;
    for (const auto& h : *helpers) known.push_back(h.env_var);
    inv.exit_code = emit_error(args->output,
                               Error{"validation.invalid_argument",
                                     fmt::format("unknown runtime helper `{}` (known: {})", args->name,
                                                 fmt::join(known, ", ")),
                                     "{}"});
  });
  auto count_args = std::make_shared<OutputOptions>();
  auto* count = runtime->add_subcommand(
    "count-instructions",
    "Count the user-space instructions of the command after `--` (hardware counters, else "
    "Valgrind's cachegrind)");
  add_output_options(count, *count_args);
  count->footer("Example: homeboy runtime count-instructions --json -- sha256sum data.bin\n"
                "Exit codes: 0 counted; 1 the command failed or could not be counted; 2 no "
                "command, or no counter on this machine.");
  count->callback([count_args, &inv] {
    if (inv.passthrough.empty()) {
      inv.exit_code = emit_error(
        *count_args,
        Error{"validation.invalid_argument",
              "give the command to count after `--`, e.g. homeboy runtime count-instructions "
              "-- sha256sum data.bin",
              "{}"},
        2);
      return;
    }
    auto counter = measure::select_counter();
    if (!counter) {
      inv.exit_code = emit_error(*count_args, counter.error(), 2);
      return;
    }
    measure::CountRequest request;
    request.argv = inv.passthrough;
    auto counted = measure::count_instructions(request, *counter);
    if (!counted) {
      inv.exit_code = emit_error(*count_args, counted.error());
      return;
    }
    // The command as a shell would take it back, for the messages.
    std::string command;
    for (const auto& arg : inv.passthrough) {
      bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                                                         "NOPQRSTUVWXYZ0123456789-_./=:,+@%")
                                     == std::string::npos;
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      command += (command.empty() ? "" : " ") + (plain ? arg : quoted + "'");
    }
    if (!counted->succeeded()) {
      inv.exit_code = emit_error(*count_args, measure::command_failed_error(*counted, command));
      return;
    }
    Json payload = {{"command", "runtime.count-instructions"},
                    {"argv", inv.passthrough},
                    {"instructions", counted->instructions},
                    {"cache_misses", counted->cache_misses ? Json(*counted->cache_misses)
                                                           : Json(nullptr)},
                    {"counter", measure::counter_name(counted->counter)},
                    {"exit_code", 0}};
    std::string human = fmt::format("{} instructions{} ({})\n", counted->instructions,
                                    counted->cache_misses
                                      ? fmt::format(", {} cache misses", *counted->cache_misses)
                                      : "",
                                    measure::counter_name(counted->counter));
    inv.exit_code = emit(*count_args, "count", payload, human);
  });
}

} // namespace hb::cli

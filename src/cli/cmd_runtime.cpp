// homeboy runtime helper path <name> [--plain]: where the runner helpers are.

#include "bench/runtime_helpers.hpp"
#include "cli/commands.hpp"

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
}

} // namespace hb::cli

// The original's global options and its documented-but-unbuilt flags (see
// global_options.hpp). CLI11 has no options that a subcommand inherits, so
// a global option is rewritten into the leaf command's own option before the
// parse.

#include "cli/global_options.hpp"

#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

namespace hb::cli {

namespace {

constexpr const char* k_output_help =
  "Write the full JSON envelope to this file (`--output json`: print it instead, like --json)";

/// The subcommand of `app` named `name`, or null.
const CLI::App*
find_subcommand(const CLI::App& app, const std::string& name)
{
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

} // namespace

void
add_output_options(CLI::App* command, OutputOptions& options)
{
  command->add_flag("--json", options.json, "Print the JSON envelope instead of the human report");
  // The original's `--output` is global and `--output json` means JSON on
  // stdout; any other value is the file the envelope is written to (a file
  // named json: ./json).
  command->add_option_function<std::string>(
    "--output",
    [&options](const std::string& value) {
      if (value == "json") {
        options.json = true;
      } else {
        options.output_file = value;
      }
    },
    k_output_help);
}

Result<GlobalOptions>
take_global_options(std::vector<std::string>& args)
{
  GlobalOptions globals;
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    std::optional<std::string> value;
    if (arg == "--output") {
      if (i + 1 >= args.size()) {
        return make_error("validation.invalid_argument",
                          "--output needs a value: `json` (print the JSON envelope) or a file "
                          "to write it to, e.g. `homeboy --output json runs list`");
      }
      value = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
    } else if (arg.starts_with("--output=")) {
      value = arg.substr(9);
      args.erase(args.begin() + i);
    } else if (arg == "--force-hot") {
      // Only `bench` reads it (no warm/hot warning); other commands accept
      // it as the original does.
      globals.force_hot = true;
      args.erase(args.begin() + i);
      continue;
    } else {
      break; // the command, or an option CLI11 knows (--help, --version)
    }
    if (value->empty()) {
      return make_error("validation.invalid_argument",
                        "--output is empty: give `json` or a file path");
    }
    if (*value == "json") {
      globals.json = true;
    } else {
      globals.output_file = *value;
    }
  }
  return globals;
}

Result<void>
apply_global_options(const CLI::App& app, const GlobalOptions& globals,
                     std::vector<std::string>& args)
{
  if (!globals.json && !globals.output_file) return {};
  const CLI::App* leaf = &app;
  std::size_t pos = 0;
  std::string path = "homeboy";
  while (pos < args.size()) {
    const CLI::App* next = find_subcommand(*leaf, args[pos]);
    if (!next) break;
    leaf = next;
    path += " " + args[pos];
    ++pos;
  }
  if (leaf == &app) return {}; // no command: CLI11 says so
  std::vector<std::string> inserted;
  if (globals.json) {
    if (leaf->get_option_no_throw("--json")) {
      inserted.push_back("--json");
    } else if (leaf->get_option_no_throw("--format")) {
      inserted.insert(inserted.end(), {"--format", "json"});
    } else if (leaf->get_subcommands([](const CLI::App*) { return true; }).empty()) {
      return make_error("validation.invalid_argument",
                        fmt::format("`{}` has no JSON output, so `--output json` cannot apply; "
                                    "run it without --output",
                                    path));
    }
  }
  if (globals.output_file) {
    const CLI::Option* own = leaf->get_option_no_throw("--output");
    if (!own || own->get_description() != k_output_help) {
      return make_error(
        "validation.invalid_argument",
        own ? fmt::format("`{}` uses --output for its own destination, so the global "
                          "`--output {}` is ambiguous; put --output after the command",
                          path, *globals.output_file)
            : fmt::format("`{}` has no JSON output to write to `{}`", path,
                          *globals.output_file));
    }
    inserted.insert(inserted.end(), {"--output", *globals.output_file});
  }
  args.insert(args.begin() + static_cast<std::ptrdiff_t>(pos), inserted.begin(), inserted.end());
  return {};
}

} // namespace hb::cli

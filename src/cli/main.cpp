// homeboy: performance evidence. Parses the command line and hands each
// command to its group (cmd_*.cpp).

#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace {

std::string
shell_quote(const std::string& arg)
{
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,@%+") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

} // namespace

int
main(int argc, char** argv)
{
  hb::cli::Invocation invocation;
  std::vector<std::string> args;
  bool passthrough = false;
  for (int i = 1; i < argc; ++i) {
    if (!passthrough && std::strcmp(argv[i], "--") == 0) {
      passthrough = true;
      continue;
    }
    (passthrough ? invocation.passthrough : args).push_back(argv[i]);
  }
  invocation.command_line = "homeboy";
  for (int i = 1; i < argc; ++i) {
    invocation.command_line += " " + shell_quote(argv[i]);
  }

  CLI::App app{"homeboy: benchmarks with sound verdicts, and every run recorded"};
  app.name("homeboy");
  app.set_version_flag("--version", std::string("homeboy ") + HOMEBOY_VERSION);
  app.require_subcommand(1);
  app.footer("Docs: README.md and docs/ in the homeboy repository.");
  hb::cli::add_bench_commands(app, invocation);
  hb::cli::add_component_commands(app, invocation);
  hb::cli::add_runs_commands(app, invocation);
  hb::cli::add_runtime_commands(app, invocation);

  if (args.empty() && invocation.passthrough.empty()) {
    std::fputs(app.help().c_str(), stdout); // a bare `homeboy` asks what it can do
    return 0;
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    fmt::print(stderr, "Run `homeboy --help`, or `homeboy <command> --help`, for usage.\n");
    return 2;
  }
  return invocation.exit_code;
}

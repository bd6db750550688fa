// homeboy: performance evidence. Parses the command line and hands each
// command to its group (cmd_*.cpp).

#include "cli/commands.hpp"
#include "cli/global_options.hpp"
#include "util/last_resort.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>

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
  // No exception or std::terminate ends homeboy with "terminate called ...":
  // the active run is settled and the user told (util/last_resort).
  hb::install_last_resort_handler();
  if (argc >= 2 && std::strcmp(argv[1], "daemon") == 0) {
    return hb::cli::exec_daemon(argc, argv);
  }
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

  auto globals = hb::cli::take_global_options(args);
  if (!globals) {
    fmt::print(stderr, "error: {}\n", globals.error().message);
    return 2;
  }
  invocation.force_hot = globals->force_hot;

  CLI::App app{"homeboy: benchmarks with sound verdicts, and every run recorded"};
  app.name("homeboy");
  app.set_version_flag("--version", std::string("homeboy ") + HOMEBOY_VERSION);
  app.require_subcommand(1);
  app.footer("Docs: README.md and docs/ in the homeboy repository.");
  // Building CLI11's options is most of a short command's start-up, so a
  // command names its group first and only that group is built; anything else
  // (help, a misspelt command) gets them all.
  struct Group
  {
    const char* name;
    void (*add)(CLI::App&, hb::cli::Invocation&);
  };
  static constexpr Group k_groups[] = {{"bench", hb::cli::add_bench_commands},
                                       {"daemon", hb::cli::add_daemon_commands},
                                       {"component", hb::cli::add_component_commands},
                                       {"doctor", hb::cli::add_doctor_commands},
                                       {"report", hb::cli::add_report_commands},
                                       {"rig", hb::cli::add_rig_commands},
                                       {"runner", hb::cli::add_runner_commands},
                                       {"runs", hb::cli::add_runs_commands},
                                       {"runtime", hb::cli::add_runtime_commands},
                                       {"schedule", hb::cli::add_schedule_commands},
                                       {"store", hb::cli::add_store_commands},
                                       {"worker", hb::cli::add_worker_commands}};
  const auto named = std::find_if(std::begin(k_groups), std::end(k_groups), [&](const Group& g) {
    return !args.empty() && args.front() == g.name;
  });
  if (named == std::end(k_groups) && !args.empty() && !args.front().starts_with('-')) {
    fmt::print(stderr, "error: unknown command `{}`; the commands are bench, component, daemon, doctor, "
                       "report, rig, runner, runs, runtime, schedule, store and worker.\nRun `homeboy --help` for usage.\n",
               args.front());
    return 2;
  }
  for (const Group& group : k_groups) {
    if (named == std::end(k_groups) || &group == named) {
      group.add(app, invocation);
    }
  }

  if (args.empty() && invocation.passthrough.empty()) {
    std::fputs(app.help().c_str(), stdout); // a bare `homeboy` asks what it can do
    return 0;
  }
  if (auto applied = hb::cli::apply_global_options(app, *globals, args); !applied) {
    fmt::print(stderr, "error: {}\n", applied.error().message);
    return 2;
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
  } catch (const std::exception& e) {
    return hb::handle_internal_error(std::string("uncaught exception: ") + e.what());
  } catch (...) {
    return hb::handle_internal_error("uncaught exception of an unknown type");
  }
  return invocation.exit_code;
}

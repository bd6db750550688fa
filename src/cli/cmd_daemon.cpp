// homeboy daemon: hands the command to the homeboy-daemon program beside this
// one (src/server/main/daemon_main.cpp), which links the HTTP library that
// homeboy itself stays free of (docs/daemon.md).

#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <vector>

namespace hb::cli {

int
exec_daemon(int argc, char** argv)
{
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fmt::print(stderr, "error: cannot find the homeboy executable: {}\n", ec.message());
    return 1;
  }
  std::string program = (self.parent_path() / "homeboy-daemon").string();
  std::vector<char*> args;
  std::string name = "homeboy-daemon";
  args.push_back(name.data());
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  ::execv(program.c_str(), args.data());
  fmt::print(stderr,
             "error: cannot run {}: {}; `homeboy daemon` needs the homeboy-daemon program "
             "installed beside homeboy\n",
             program, std::strerror(errno));
  return 1;
}

void
add_daemon_commands(CLI::App& app, Invocation&)
{
  // Only for `homeboy --help`: main() hands `homeboy daemon ...` to
  // exec_daemon before parsing.
  app.add_subcommand("daemon", "Serve the JSON API and execute queued runs: daemon serve | start "
                               "| stop | status (docs/daemon.md)");
}

} // namespace hb::cli

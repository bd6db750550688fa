// A stand-in for `homeboy bench --exec` until the CLI is wired: times
// NAME=COMMAND pairs with bench::time_commands and prints the results file
// (bench::timing_results_json) to stdout. Used by bench/exec_vs_hyperfine.py.
//
//   time_commands [--iterations N] [--warmup W] [--seed S] [--shell]
//                 [--prepare CMD] NAME=COMMAND...

#include "bench/command_timing.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

int
usage(const char* message)
{
  std::fprintf(stderr,
               "time_commands: %s\nusage: time_commands [--iterations N] [--warmup W] "
               "[--seed S] [--shell] [--prepare CMD] NAME=COMMAND...\n",
               message);
  return 2;
}

bool
parse_count(const char* text, std::uint64_t& out)
{
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') {
    return false;
  }
  out = value;
  return true;
}

} // namespace

int
main(int argc, char** argv)
{
  hb::bench::TimingOptions options;
  std::vector<hb::bench::TimedCommand> commands;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--iterations" || arg == "--warmup" || arg == "--seed") {
      const char* text = value();
      std::uint64_t& target = arg == "--iterations" ? options.iterations
                              : arg == "--warmup"   ? options.warmup
                                                    : options.seed;
      if (!text || !parse_count(text, target)) {
        return usage("expected a count after --iterations/--warmup/--seed");
      }
    } else if (arg == "--shell") {
      options.force_shell = true;
    } else if (arg == "--prepare") {
      const char* text = value();
      if (!text) {
        return usage("expected a command after --prepare");
      }
      options.prepare = text;
    } else {
      auto eq = arg.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return usage("commands are written NAME=COMMAND");
      }
      commands.push_back({std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))});
    }
  }
  auto run = hb::bench::time_commands(commands, options);
  if (!run) {
    std::fprintf(stderr, "time_commands: %s (%s)\n", run.error().message.c_str(),
                 run.error().code.c_str());
    return 1;
  }
  std::string json = hb::bench::timing_results_json(*run, options);
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

// homeboy worker: executes queued registry runs and reaps dead ones.

#include "cli/commands.hpp"
#include "registry/worker.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

namespace hb::cli {

void
add_worker_commands(CLI::App& app, Invocation& inv)
{
  struct WorkerArgs { int concurrency = 1; bool once = false; bool quiet = false; bool json = false; };
  auto args = std::make_shared<WorkerArgs>();
  auto* worker = app.add_subcommand(
    "worker", "Execute queued runs (homeboy runs submit) and settle runs whose heartbeats stopped; "
              "any number of workers may share a store");
  worker->add_option("--concurrency", args->concurrency,
                     "Runs executed at once by this worker (default 1, so benchmarks do not "
                     "disturb each other)")
    ->check(CLI::Range(1, 1024));
  worker->add_flag("--once", args->once,
                   "Exit when the queue is empty and this worker's runs have settled");
  worker->add_flag("-q,--quiet", args->quiet, "Print only errors");
  worker->add_flag("--json", args->json,
                   "One JSON object a line ({time, level, message}) instead of text lines");
  worker->callback([args, &inv] {
    const bool json = args->json;
    // Errors as the other commands print them: text on stderr, or with
    // --json a line of the same shape as the worker's log on stdout.
    auto say = [json](bool error, const std::string& line) {
      if (json) {
        fmt::print("{}\n", dump_json(Json{{"time", format_rfc3339(now_ms())},
                                          {"level", error ? "error" : "info"},
                                          {"message", line}}));
        std::fflush(stdout);
        return;
      }
      std::FILE* to = error ? stderr : stdout;
      fmt::print(to, "{} {}{}\n", format_rfc3339(now_ms()), error ? "error: " : "", line);
      std::fflush(to);
    };
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      say(true, paths.error().message);
      inv.exit_code = 1;
      return;
    }
    registry::WorkerOptions options{args->concurrency, args->once};
    auto done = registry::run_worker(*paths, options, !args->quiet, say);
    if (!done) {
      say(true, done.error().message);
      inv.exit_code = 1;
    }
  });
}

} // namespace hb::cli

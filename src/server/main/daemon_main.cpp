// homeboy-daemon: the program behind `homeboy daemon ...`. It is separate
// from `homeboy` because cpp-httplib (a shared library linked with OpenSSL,
// zlib and brotli) would add milliseconds to every short homeboy command's
// start-up; `homeboy daemon` execs this program from its own directory, and
// the worker here launches that `homeboy` as each run's supervisor.

#include "server/daemon.hpp"
#include "util/last_resort.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>

namespace {

std::filesystem::path
self_path()
{
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("homeboy-daemon") : self;
}

} // namespace

int
main(int argc, char** argv)
{
  hb::install_last_resort_handler();
  CLI::App app{"homeboy daemon: the run registry's worker and the JSON API over HTTP (docs/daemon.md)"};
  app.name("homeboy daemon");
  app.set_version_flag("--version", std::string("homeboy ") + HOMEBOY_VERSION);
  app.require_subcommand(1);

  hb::server::ServeOptions options;
  auto add_serve_options = [&](CLI::App* cmd) {
    cmd->add_option("--listen", options.listen,
                    fmt::format("ADDRESS:PORT to listen on (default {}; port 0 picks a free one). "
                                "Anything but a loopback address needs --token-file",
                                hb::server::k_default_listen));
    cmd->add_option("--concurrency", options.concurrency,
                    "Queued runs executed at once (default 1)");
    cmd->add_option("--token-file", options.token_file,
                    "A file (mode 0600) holding the bearer token every request must send");
    cmd->add_option("--max-streams", options.max_streams,
                    "Event streams open at once (default 8); more are refused with 503")
      ->check(CLI::Range(1, 256));
  };
  bool json = false;
  int stop_timeout_s = 30;
  auto* serve = app.add_subcommand("serve", "Run the daemon in the foreground until SIGTERM");
  add_serve_options(serve);
  auto* start = app.add_subcommand("start", "Start the daemon in the background (one per data root)");
  add_serve_options(start);
  start->add_flag("--json", json, "Print the JSON envelope");
  auto* stop = app.add_subcommand("stop", "Stop the running daemon (it drains: running runs keep going)");
  stop->add_flag("--json", json, "Print the JSON envelope");
  stop->add_option("--timeout", stop_timeout_s, "Seconds to wait for it to exit (default 30)")
    ->check(CLI::Range(1, 3600));
  auto* status = app.add_subcommand("status", "Is a daemon running: address, pid, uptime, version, store");
  status->add_flag("--json", json, "Print the JSON envelope");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "error: {}\nRun `homeboy daemon --help` for usage.\n", e.what());
    return 2;
  }
  std::filesystem::path self = self_path();
  if (serve->parsed()) {
    return hb::server::serve(options, HOMEBOY_VERSION, (self.parent_path() / "homeboy").string());
  }
  if (start->parsed()) return hb::server::start(options, self.string(), json);
  if (stop->parsed()) return hb::server::stop(json, stop_timeout_s * 1000);
  return hb::server::status(json);
}

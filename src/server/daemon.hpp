#pragma once
// `homeboy daemon serve | start | stop | status` (docs/daemon.md): one daemon
// per data root, found through its state file <data root>/daemon/daemon.json
// and held by an flock on daemon.lock (released by the kernel when the
// daemon dies, so a stale state file is recognised). `serve` runs the
// registry worker (claims, supervisors, reaper) beside the HTTP API in one
// process; SIGTERM drains it.

#include "model/paths.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hb::server {

inline constexpr const char* k_default_listen = "127.0.0.1:7474";

struct ListenAddress
{
  std::string host; // an IP address (IPv6 without brackets)
  int port = 0;     // 0: an ephemeral port
  bool loopback = false;
};

/// Parses `ADDR:PORT` (`[::1]:PORT` for IPv6; `localhost` is 127.0.0.1).
/// `validation.invalid_listen` says what is wrong: no port, a port outside
/// 0-65535, a host name that is not an IP address.
Result<ListenAddress> parse_listen(std::string_view text);

/// The bearer token in `path`: its content without surrounding whitespace.
/// Refused (`validation.insecure_token_file`) when group or others may read
/// it, and when it is empty or shorter than 16 characters.
Result<std::string> read_token_file(const std::filesystem::path& path);

/// The token in `path`, made first when the file does not exist (64 random
/// hex characters, mode 0600, created exclusively so two daemons starting at
/// once agree): the daemon's token when no --token-file is given.
Result<std::string> ensure_token_file(const std::filesystem::path& path);

struct ServeOptions
{
  std::string listen = k_default_listen;
  int concurrency = 1;
  std::string token_file;
  int max_streams = 8;
};

/// Where the daemon of a data root keeps its state, lock and log.
std::filesystem::path daemon_dir(const Paths& paths);

/// The token file a daemon started without --token-file makes and uses:
/// <config root>/daemon.token.
std::filesystem::path default_token_file(const Paths& paths);

/// The state of a running daemon (daemon.json), or nullopt when none runs
/// for this data root (no state file, or its process and lock are gone).
struct DaemonState
{
  int pid = 0;
  std::optional<std::uint64_t> start_time;
  std::string listen; // host:port actually bound
  std::string version;
  std::string store;
  std::string log;
  std::int64_t started_at = 0;
  bool token = false;      // every request needs the token (not only changes)
  std::string token_file; // where the token is
};
Result<std::optional<DaemonState>> running_daemon(const Paths& paths);
Json state_json(const DaemonState& state);

/// Runs the daemon in the foreground until SIGTERM/SIGINT; returns the exit
/// code (0 after a drain, 1 when it cannot start). `homeboy_exe` is the
/// program the worker launches as each run's supervisor.
int serve(const ServeOptions& options, const std::string& version, const std::string& homeboy_exe);

/// `daemon start`: launches `<self> serve ...` detached (new session, output
/// to daemon.log) and waits until it listens or fails; one already running
/// is reported, exit 0.
int start(const ServeOptions& options, const std::string& self_exe, bool json);
/// `daemon stop`: SIGTERM to the running daemon, then waits until it exited.
int stop(bool json, int timeout_ms);
/// `daemon status`: address, pid, uptime, version, store; exit 3 when none runs.
int status(bool json);

} // namespace hb::server

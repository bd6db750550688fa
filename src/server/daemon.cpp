// The daemon's process side (daemon.hpp): the listen address and token
// checks, the state file and lock, serve (worker thread + HTTP server), and
// the detached start, stop and status.

#include "server/daemon.hpp"

#include "app/reconcile.hpp"
#include "app/run_views.hpp"
#include "registry/registry.hpp"
#include "registry/worker.hpp"
#include "schedule/schedules.hpp"
#include "server/http_server.hpp"
#include "util/fs.hpp"
#include "util/secret_file.hpp"
#include "util/http_get.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>


namespace hb::server {

namespace {

namespace stdfs = std::filesystem;

std::filesystem::path state_path(const Paths& paths) { return daemon_dir(paths) / "daemon.json"; }
std::filesystem::path lock_path(const Paths& paths) { return daemon_dir(paths) / "daemon.lock"; }
std::filesystem::path log_file(const Paths& paths) { return daemon_dir(paths) / "daemon.log"; }

// Prints a command's result: the CLI's envelope with --json, else `human`.
void
print_result(bool json, const std::string& variant, const Json& payload, const std::string& human)
{
  if (json) {
    fmt::print("{}\n", dump_json(Json{{"success", true},
                                      {"data", {{"variant", variant}, {"payload", payload}}}},
                                 2));
  } else {
    fmt::print("{}", human);
  }
  std::fflush(stdout);
}

int
print_error(bool json, const Error& error, int code)
{
  if (json) {
    fmt::print("{}\n", dump_json(Json{{"success", false},
                                      {"error", {{"code", error.code}, {"message", error.message},
                                                 {"details", details_json(error)}}}},
                                 2));
    std::fflush(stdout);
  } else {
    fmt::print(stderr, "error: {}\n", error.message);
  }
  return code;
}

std::string
listen_text(const std::string& host, int port)
{
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

struct Checked
{
  ListenAddress address;
  std::string token;
};

// What serve and start both refuse before anything starts.
Result<Checked>
check_options(const ServeOptions& options)
{
  auto address = parse_listen(options.listen);
  if (!address) return Unexpected(address.error());
  std::string token;
  if (!options.token_file.empty()) {
    auto read = read_token_file(options.token_file);
    if (!read) return Unexpected(read.error());
    token = std::move(*read);
  }
  if (!address->loopback && token.empty()) {
    return make_error("validation.insecure_listen",
                      fmt::format("refusing to listen on {} without a token: anyone who can reach "
                                  "it could run commands. Give --token-file FILE (a 0600 file "
                                  "holding a long random token), or listen on 127.0.0.1",
                                  options.listen));
  }
  if (options.concurrency < 1 || options.concurrency > 1024) {
    return make_error("validation.invalid_argument",
                      fmt::format("--concurrency must be 1 to 1024, not {}", options.concurrency));
  }
  return Checked{*address, token};
}

std::string
uptime_text(std::int64_t ms)
{
  return format_duration_ms(std::max<std::int64_t>(0, ms));
}

} // namespace

Result<ListenAddress>
parse_listen(std::string_view text)
{
  auto bad = [&](const std::string& why) {
    return make_error("validation.invalid_listen",
                      fmt::format("--listen `{}`: {}; give ADDRESS:PORT, e.g. 127.0.0.1:7474 or "
                                  "[::1]:7474 (port 0 picks a free one)",
                                  text, why));
  };
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("an IPv6 address needs [ADDRESS]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad("an IPv6 address goes in brackets");
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  ListenAddress out{host, port, false};
  unsigned char bytes[16];
  if (::inet_pton(AF_INET, host.c_str(), bytes) == 1) {
    out.loopback = bytes[0] == 127;
  } else if (::inet_pton(AF_INET6, host.c_str(), bytes) == 1) {
    static const unsigned char k_loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    out.loopback = std::equal(bytes, bytes + 16, k_loopback6);
  } else {
    return bad(fmt::format("`{}` is not an IP address", host));
  }
  return out;
}

Result<std::string>
read_token_file(const std::filesystem::path& path)
{
  return read_secret_file(path, "--token-file " + path.string());
}

Result<std::string>
ensure_token_file(const std::filesystem::path& path)
{
  std::error_code ec;
  if (!stdfs::exists(path, ec)) {
    if (auto made = fs::create_directories(path.parent_path()); !made) return Unexpected(made.error());
    std::string token;
    {
      std::ifstream random("/dev/urandom", std::ios::binary);
      unsigned char bytes[32];
      if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
        return make_error("daemon.no_random", "cannot read /dev/urandom to make the daemon's token");
      }
      for (unsigned char b : bytes) token += fmt::format("{:02x}", b);
    }
    // O_EXCL: of two daemons starting at once, one writes and both read it.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string line = token + "\n";
      bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
      ok = ::fsync(fd) == 0 && ok;
      ::close(fd);
      if (!ok) {
        stdfs::remove(path, ec);
        return make_error("daemon.token_file",
                          fmt::format("cannot write the daemon's token to {}: {}", path.string(),
                                      std::strerror(errno)));
      }
    } else if (errno != EEXIST) {
      return make_error("daemon.token_file",
                        fmt::format("cannot create the daemon's token file {}: {}", path.string(),
                                    std::strerror(errno)));
    }
  }
  auto token = read_token_file(path);
  if (!token) {
    Error e = token.error();
    e.message = fmt::format("the daemon's token file: {}", e.message);
    return Unexpected(e);
  }
  return token;
}

std::filesystem::path
daemon_dir(const Paths& paths)
{
  return paths.data_root / "daemon";
}

std::filesystem::path
default_token_file(const Paths& paths)
{
  return paths.config_root / "daemon.token";
}

Json
state_json(const DaemonState& s)
{
  return Json{{"pid", s.pid},
              {"start_time", s.start_time ? Json(*s.start_time) : Json(nullptr)},
              {"listen", s.listen},
              {"url", "http://" + s.listen},
              {"studio_url", "http://" + s.listen + "/runs"},
              {"version", s.version},
              {"store", s.store},
              {"log", s.log},
              {"started_at", format_rfc3339(s.started_at)},
              {"started_at_ms", s.started_at},
              {"token", s.token},
              {"token_file", s.token_file}};
}

// The Studio's address for a person at this terminal: with the token in the
// fragment (the page keeps it and removes it from the address; a fragment is
// never sent to a server), so Cancel and New run work at once. Without a
// readable token file, the plain address.
std::string
studio_link(const DaemonState& s)
{
  std::string url = "http://" + s.listen + "/runs";
  if (auto token = read_token_file(s.token_file); token && !s.token) return url + "#token=" + *token;
  return url;
}

Result<std::optional<DaemonState>>
running_daemon(const Paths& paths)
{
  std::error_code ec;
  if (!stdfs::exists(state_path(paths), ec)) return std::optional<DaemonState>();
  // The lock is the truth: the kernel releases it when the daemon dies,
  // however it died. Free means no daemon, whatever the state file says.
  if (auto free = fs::FileLock::acquire(lock_path(paths), 0); free) {
    return std::optional<DaemonState>();
  }
  auto text = fs::read_file(state_path(paths));
  if (!text) return Unexpected(text.error());
  auto node = parse_json(*text, state_path(paths).string());
  if (!node || !node->is_object()) return std::optional<DaemonState>();
  DaemonState s;
  s.pid = json_member_or(*node, "pid", 0);
  if ((*node)["start_time"].is_number_unsigned()) s.start_time = (*node)["start_time"].get<std::uint64_t>();
  s.listen = json_member_or(*node, "listen", "");
  s.version = json_member_or(*node, "version", "");
  s.store = json_member_or(*node, "store", "");
  s.log = json_member_or(*node, "log", "");
  s.started_at = json_member_or(*node, "started_at_ms", std::int64_t{0});
  s.token = json_member_or(*node, "token", false);
  s.token_file = json_member_or(*node, "token_file", "");
  if (s.pid <= 0 || !process_alive(s.pid, s.start_time)) return std::optional<DaemonState>();
  return std::optional<DaemonState>(s);
}

int
serve(const ServeOptions& options, const std::string& version, const std::string& homeboy_exe)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return print_error(false, paths.error(), 1);
  auto checked = check_options(options);
  if (!checked) return print_error(false, checked.error(), 2);
  if (auto made = fs::create_directories(daemon_dir(*paths)); !made) {
    return print_error(false, made.error(), 1);
  }
  auto lock = fs::FileLock::acquire(lock_path(*paths), 0);
  if (!lock) {
    auto other = running_daemon(*paths);
    std::string who = other && *other ? fmt::format(" (pid {}, http://{})", (*other)->pid, (*other)->listen) : "";
    return print_error(false,
                       Error{"daemon.already_running",
                             fmt::format("a daemon already serves the data root {}{}; stop it "
                                         "with `homeboy daemon stop`",
                                         paths->data_root.string(), who)},
                       1);
  }
  // Opening the store first creates or migrates it, and fails before the
  // port is taken when the data root is unusable.
  if (auto store = open_store(*paths); !store) {
    return print_error(false, store.error(), 1);
  }
  std::signal(SIGPIPE, SIG_IGN);
  install_interrupt_handlers();
  registry::set_supervisor_executable(homeboy_exe);

  // Without --token-file, the generated token guards every change; reads on
  // loopback stay open (a browser's EventSource cannot send a header).
  std::filesystem::path token_file =
    options.token_file.empty() ? default_token_file(*paths) : stdfs::absolute(options.token_file);
  if (checked->token.empty()) {
    auto token = ensure_token_file(token_file);
    if (!token) return print_error(false, token.error(), 1);
    checked->token = *token;
  }

  ApiContext context(*paths, version, "");
  HttpOptions http;
  http.host = checked->address.host;
  http.port = checked->address.port;
  http.token = checked->token;
  http.token_for_reads = !options.token_file.empty();
  http.max_streams = options.max_streams;
  http.threads = options.max_streams + 8;
  if (const char* dir = std::getenv("HOMEBOY_STUDIO_DIR"); dir && *dir) http.studio_dir = dir;
  HttpServer server(context, http);
  auto port = server.bind();
  if (!port) return print_error(false, port.error(), 1);
  std::string listen = listen_text(http.host, *port);
  context.set_listen(listen);

  DaemonState state{static_cast<int>(::getpid()), process_start_time(::getpid()), listen, version,
                    store_location(*paths), log_file(*paths).string(), now_ms(),
                    http.token_for_reads, token_file.string()};
  if (auto written = fs::write_file_atomic(state_path(*paths), dump_json(state_json(state), 2) + "\n");
      !written) {
    return print_error(false, written.error(), 1);
  }
  std::mutex log_mutex;
  auto log = [&](bool error, const std::string& line) {
    std::lock_guard<std::mutex> guard(log_mutex);
    std::FILE* to = error ? stderr : stdout;
    fmt::print(to, "{} {}{}\n", format_rfc3339(now_ms()), error ? "error: " : "", line);
    std::fflush(to);
  };
  log(false, fmt::format("homeboy daemon {} listening on http://{} (pid {}, store {}, {} "
                         "concurrent run(s){})",
                         version, listen, state.pid, store_location(*paths),
                         options.concurrency,
                         http.token_for_reads ? ", bearer token required"
                                              : ", bearer token required for changes: " + token_file.string()));

  std::atomic<bool> worker_done{false};
  bool worker_failed = false;
  std::thread worker([&] {
    registry::WorkerOptions worker_options{options.concurrency, false};
    auto ran = registry::run_worker(*paths, worker_options, true, log);
    if (!ran) {
      log(true, fmt::format("worker: {}", ran.error().message));
      worker_failed = true;
    }
    worker_done = true;
  });
  std::thread scheduler([&] {
    schedule::run_scheduler(
      *paths, app::owner_label(state.pid),
      [&] { return interrupt_signal() != 0 || worker_done; }, log);
  });
  // SIGTERM/SIGINT (or a worker that stopped) ends the server: it stops
  // accepting, open streams end, the worker claims nothing more.
  std::thread watcher([&] {
    while (interrupt_signal() == 0 && !worker_done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server.stop();
  });
  server.serve();
  watcher.join();
  worker.join();
  scheduler.join();
  std::error_code ec;
  stdfs::remove(state_path(*paths), ec);
  log(false, "stopped; runs still active keep going under their supervisors");
  return worker_failed ? 1 : 0;
}

int
start(const ServeOptions& options, const std::string& self_exe, bool json)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return print_error(json, paths.error(), 1);
  auto checked = check_options(options);
  if (!checked) return print_error(json, checked.error(), 2);
  auto running = running_daemon(*paths);
  if (!running) return print_error(json, running.error(), 1);
  if (*running) {
    const DaemonState& s = **running;
    Json payload = state_json(s);
    payload["action"] = "already_running";
    print_result(json, "daemon.start", payload,
                 fmt::format("A daemon already runs for this data root: pid {}, http://{}.\n",
                             s.pid, s.listen));
    return 0;
  }
  if (auto made = fs::create_directories(daemon_dir(*paths)); !made) {
    return print_error(json, made.error(), 1);
  }
  std::string log = log_file(*paths).string();
  std::uint64_t log_offset = 0;
  {
    std::error_code ec;
    auto size = stdfs::file_size(log, ec);
    if (!ec) log_offset = size;
  }
  std::vector<std::string> args = {self_exe, "serve", "--listen", options.listen, "--concurrency",
                                   std::to_string(options.concurrency), "--max-streams",
                                   std::to_string(options.max_streams)};
  if (!options.token_file.empty()) {
    args.push_back("--token-file");
    args.push_back(stdfs::absolute(options.token_file).string());
  }
  auto spawned = spawn_detached(self_exe, args, Environment::current(), log);
  if (!spawned) {
    return print_error(json, Error{"daemon.start_failed", "cannot start " + spawned.error().message}, 1);
  }
  pid_t pid = *spawned;
  TimeMs deadline = now_ms() + 15000;
  while (now_ms() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid, &wstatus, WNOHANG) == pid) {
      std::string said = app::read_log_from(log, log_offset);
      return print_error(json,
                         Error{"daemon.start_failed",
                               fmt::format("the daemon exited at once ({}):\n{}",
                                           WIFEXITED(wstatus)
                                             ? fmt::format("exit {}", WEXITSTATUS(wstatus))
                                             : fmt::format("signal {}", WTERMSIG(wstatus)),
                                           said)},
                         1);
    }
    auto state = running_daemon(*paths);
    if (state && *state && (*state)->pid == pid) {
      Json payload = state_json(**state);
      payload["action"] = "started";
      print_result(json, "daemon.start", payload,
                   fmt::format("Started the daemon: pid {}, http://{} (log {}).\nStudio: {}\n",
                               pid, (*state)->listen, log, studio_link(**state)));
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return print_error(json, Error{"daemon.start_failed",
                                 fmt::format("the daemon (pid {}) did not report that it listens "
                                             "within 15 s; see {}",
                                             pid, log)},
                     1);
}

int
stop(bool json, int timeout_ms)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return print_error(json, paths.error(), 1);
  auto running = running_daemon(*paths);
  if (!running) return print_error(json, running.error(), 1);
  if (!*running) {
    print_result(json, "daemon.stop", Json{{"action", "not_running"}},
                 "No daemon runs for this data root.\n");
    return 0;
  }
  const DaemonState s = **running;
  ::kill(s.pid, SIGTERM);
  TimeMs deadline = now_ms() + timeout_ms;
  while (process_alive(s.pid, s.start_time)) {
    if (now_ms() >= deadline) {
      return print_error(json, Error{"daemon.stop_timeout",
                                     fmt::format("the daemon (pid {}) is still running {} after "
                                                 "SIGTERM; see {}",
                                                 s.pid, format_duration_ms(timeout_ms), s.log)},
                         1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Json payload = state_json(s);
  payload["action"] = "stopped";
  print_result(json, "daemon.stop", payload, fmt::format("Stopped the daemon (pid {}).\n", s.pid));
  return 0;
}

int
status(bool json)
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) return print_error(json, paths.error(), 1);
  auto running = running_daemon(*paths);
  if (!running) return print_error(json, running.error(), 1);
  if (!*running) {
    print_result(json, "daemon.status",
                 Json{{"running", false}, {"store", store_location(*paths)}},
                 "No daemon runs for this data root (start one with `homeboy daemon start`).\n");
    return 3;
  }
  const DaemonState& s = **running;
  auto probe = http::get_status("http://" + s.listen + "/api/v1/status", 2000);
  Json payload = state_json(s);
  payload["running"] = true;
  payload["uptime_ms"] = now_ms() - s.started_at;
  payload["responding"] = probe.has_value();
  std::string human = fmt::format(
    "running    pid {}\naddress    http://{}\nstudio     {}\nuptime     {}\nversion    {}\n"
    "store      {}\nlog        {}\ntoken      {}\n{}",
    s.pid, s.listen, studio_link(s), uptime_text(now_ms() - s.started_at), s.version, s.store, s.log,
    s.token ? fmt::format("required for every request ({})", s.token_file)
            : fmt::format("required for changes (POST, DELETE): {}", s.token_file),
    probe ? "" : fmt::format("warning    it does not answer HTTP: {}\n", probe.error().message));
  print_result(json, "daemon.status", payload, human);
  return 0;
}

} // namespace hb::server

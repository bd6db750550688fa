// The lease index: flock'd, atomic per-lease files, stale holders pruned by
// pid and start time, ports bind-probed. The original wrote leases in place,
// guarded the index with a mkdir lock and a 30 s staleness guess, and never
// probed a port before handing it out.

#include "invocation/leases.hpp"
#include "util/process.hpp"

#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace hb::invocation {

namespace stdfs = std::filesystem;

std::string
lease_json(const Lease& l)
{
  Json j = {{"schema", "homeboy.invocation_lease.v1"},
            {"invocation_id", l.invocation_id},
            {"invocation_uuid", l.invocation_uuid},
            {"pid", l.pid},
            {"started_at", l.started_at},
            {"named_leases", l.named_leases},
            {"run_id", l.run_id},
            {"component_id", l.component_id},
            {"state_dir", l.state_dir}};
  if (l.start_ticks) j["linux_starttime_ticks"] = *l.start_ticks;
  if (l.port_base) j["port_base"] = *l.port_base;
  if (l.port_max) j["port_max"] = *l.port_max;
  return dump_json(j, 2) + "\n";
}

Result<Lease>
parse_lease(const std::string& text)
{
  auto doc = parse_json(text, "lease file");
  if (!doc) return Unexpected(doc.error());
  const Json& j = *doc;
  if (!j.is_object()) return make_error("invocation.corrupt_lease", "not a JSON object");
  Lease l;
  try {
    l.invocation_id = j.at("invocation_id").get<std::string>();
    l.pid = j.at("pid").get<long>();
    l.invocation_uuid = json_member_or(j, "invocation_uuid", "");
    l.started_at = json_member_or(j, "started_at", "");
    l.run_id = json_member_or(j, "run_id", "");
    l.component_id = json_member_or(j, "component_id", "");
    l.state_dir = json_member_or(j, "state_dir", "");
    if (j.contains("linux_starttime_ticks") && !j["linux_starttime_ticks"].is_null()) {
      l.start_ticks = j["linux_starttime_ticks"].get<std::uint64_t>();
    }
    if (j.contains("port_base") && !j["port_base"].is_null()) {
      l.port_base = j["port_base"].get<std::uint32_t>();
      l.port_max = j.at("port_max").get<std::uint32_t>();
    }
    if (j.contains("named_leases")) l.named_leases = j["named_leases"].get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return make_error("invocation.corrupt_lease", e.what());
  }
  if (l.invocation_id.empty() || l.pid <= 0) {
    return make_error("invocation.corrupt_lease", "no invocation_id or pid");
  }
  if (l.port_base && (*l.port_max < *l.port_base)) {
    return make_error("invocation.corrupt_lease", "port_max is below port_base");
  }
  return l;
}

std::optional<std::uint64_t>
process_start_ticks(long pid)
{
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // The command name (field 2) may hold spaces and parentheses: count the
  // fields after its last ')'. Start time is field 22, the 20th after it.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  for (int i = 0; i < 20; ++i) {
    if (!(rest >> field)) return std::nullopt;
  }
  try {
    return std::stoull(field);
  } catch (...) {
    return std::nullopt;
  }
}

bool
holder_alive(const Lease& lease)
{
  // Gone, a zombie (killed, not yet reaped), or the pid reused by another
  // process (another start time): not the holder any more.
  return lease.pid > 0 && process_alive(static_cast<int>(lease.pid), lease.start_ticks);
}

Result<void>
check_request(const LeaseRequest& request)
{
  if (request.port_range_size > k_port_pool_size) {
    return make_error("validation.invalid_argument",
                      fmt::format("port_range_size {} is larger than the port pool ({}-{}, {} "
                                  "ports); ask for fewer ports",
                                  request.port_range_size, k_port_pool_first, k_port_pool_last,
                                  k_port_pool_size));
  }
  for (const auto& name : request.named_leases) {
    if (name.empty() || name.size() > 200) {
      return make_error("validation.invalid_argument",
                        "a named lease must be a non-empty name of at most 200 characters");
    }
  }
  return {};
}

namespace {

bool
bind_once(int family, std::uint32_t port)
{
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return family == AF_INET6; // no IPv6 on this host: nothing to collide with
  bool ok = false;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  } else {
    int v6only = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<std::uint16_t>(port));
    a.sin6_addr = in6addr_any;
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 || errno == EADDRNOTAVAIL;
  }
  ::close(fd);
  return ok;
}

} // namespace

bool
port_bindable(std::uint32_t port)
{
  return bind_once(AF_INET, port) && bind_once(AF_INET6, port);
}

Result<std::pair<std::uint32_t, std::uint32_t>>
find_port_range(std::uint32_t size,
                const std::vector<std::pair<std::uint32_t, std::uint32_t>>& taken_in,
                bool (*probe)(std::uint32_t))
{
  if (size == 0 || size > k_port_pool_size) {
    return make_error("validation.invalid_argument",
                      fmt::format("port_range_size must be between 1 and {} (the pool {}-{})",
                                  k_port_pool_size, k_port_pool_first, k_port_pool_last));
  }
  auto taken = taken_in;
  std::sort(taken.begin(), taken.end());
  std::uint32_t base = k_port_pool_first;
  std::size_t busy = 0;
  while (base + size - 1 <= k_port_pool_last) {
    std::uint32_t last = base + size - 1;
    bool moved = false;
    for (const auto& [lo, hi] : taken) {
      if (lo <= last && hi >= base) {
        base = hi + 1;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    for (std::uint32_t port = base; port <= last; ++port) {
      if (!probe(port)) {
        ++busy;
        base = port + 1;
        moved = true;
        break;
      }
    }
    if (!moved) return std::make_pair(base, last);
  }
  return make_error("invocation.no_ports",
                    fmt::format("no free range of {} port{} in the pool {}-{}: {} range{} leased "
                                "by running benches, {} port{} found in use by other programs; "
                                "wait for other benches to finish or ask for fewer ports",
                                size, size == 1 ? "" : "s", k_port_pool_first, k_port_pool_last,
                                taken.size(), taken.size() == 1 ? " is" : "s are", busy,
                                busy == 1 ? "" : "s"));
}

namespace {

struct Scan
{
  std::vector<Lease> live;
};

/// A killed holder never removed its directories: remove them with its
/// lease, but only paths that are this lease's own (named by its id).
void
remove_leftover_dirs(const Lease& lease)
{
  stdfs::path state(lease.state_dir);
  if (lease.state_dir.empty() || !state.is_absolute() || state.filename() != lease.invocation_id ||
      lease.invocation_id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return;
  }
  std::error_code ec;
  for (const char* suffix : {"", ".a", ".t"}) {
    stdfs::remove_all(state.string() + suffix, ec);
  }
}

/// Reads every lease file; with `fix`, removes stale and corrupt ones.
Scan
scan(const stdfs::path& dir, bool fix, IndexNotes* notes)
{
  Scan out;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || !entry.is_regular_file(ec)) continue;
    auto text = fs::read_file(path);
    if (!text) continue; // removed since the listing
    auto lease = parse_lease(*text);
    if (!lease) {
      if (fix) {
        stdfs::remove(path, ec);
        if (notes) {
          notes->warnings.push_back(fmt::format("ignored the corrupt invocation lease file {} "
                                                "({}) and removed it from the index",
                                                path.string(), lease.error().message));
        }
      }
      continue;
    }
    if (!holder_alive(*lease)) {
      if (fix) {
        remove_leftover_dirs(*lease);
        stdfs::remove(path, ec);
        if (notes) notes->pruned.push_back(lease->invocation_id);
      }
      continue;
    }
    out.live.push_back(std::move(*lease));
  }
  return out;
}

std::string
describe_holder(const Lease& l)
{
  std::string text = fmt::format("invocation {} (pid {}", l.invocation_id, l.pid);
  if (!l.run_id.empty()) text += fmt::format(", run {}", l.run_id);
  if (!l.component_id.empty()) text += fmt::format(", component {}", l.component_id);
  if (!l.started_at.empty()) text += fmt::format(", since {}", l.started_at);
  return text + ")";
}

} // namespace

Result<Lease>
LeaseIndex::acquire(Lease lease, const LeaseRequest& request, IndexNotes& notes,
                    bool (*probe)(std::uint32_t))
{
  if (auto ok = check_request(request); !ok) return Unexpected(ok.error());
  if (auto made = fs::create_directories(m_dir); !made) return Unexpected(made.error());
  auto lock = fs::FileLock::acquire(m_dir / "index.lock");
  if (!lock) return Unexpected(lock.error());
  Scan current = scan(m_dir, true, &notes);
  for (const auto& name : request.named_leases) {
    for (const auto& held : current.live) {
      if (std::find(held.named_leases.begin(), held.named_leases.end(), name) !=
          held.named_leases.end()) {
        return make_error(
          "invocation.lease_held",
          fmt::format("named lease `{}` is held by {}; wait for it to finish (a holder that has "
                      "exited is pruned at the next start)",
                      name, describe_holder(held)),
          dump_json(Json{{"lease", name}, {"holder", Json::parse(lease_json(held))}}));
      }
    }
  }
  lease.named_leases = request.named_leases;
  if (request.port_range_size > 0) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> taken;
    for (const auto& held : current.live) {
      if (held.port_base) taken.emplace_back(*held.port_base, *held.port_max);
    }
    auto range = find_port_range(request.port_range_size, taken, probe);
    if (!range) return Unexpected(range.error());
    lease.port_base = range->first;
    lease.port_max = range->second;
  }
  auto written = fs::write_file_atomic(m_dir / (lease.invocation_id + ".json"), lease_json(lease),
                                       stdfs::perms::owner_read | stdfs::perms::owner_write);
  if (!written) return Unexpected(written.error());
  return lease;
}

void
LeaseIndex::release(const std::string& invocation_id)
{
  auto lock = fs::FileLock::acquire(m_dir / "index.lock");
  std::error_code ec;
  stdfs::remove(m_dir / (invocation_id + ".json"), ec);
}

std::vector<Lease>
LeaseIndex::live() const
{
  std::error_code ec;
  if (!stdfs::is_directory(m_dir, ec)) return {};
  return scan(m_dir, false, nullptr).live;
}

} // namespace hb::invocation

// Acquiring and tearing down one bench child's invocation. The order
// matters: everything that can refuse (request, budget, root owner, held
// named lease, no free ports) is checked before a directory is created, and
// artifacts are copied out before the directories are removed, so no
// reported path points into a deleted temp dir.

#include "invocation/invocation.hpp"

#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace hb::invocation {

namespace stdfs = std::filesystem;

std::string
short_id()
{
  std::string uuid = new_uuid_v4();
  std::string hex;
  for (char c : uuid) {
    if (c != '-') hex.push_back(c);
  }
  // The first twelve hex digits of a v4 UUID are random (the version
  // nibble comes after them).
  return hex.substr(0, k_short_id_length);
}

Result<Invocation>
Invocation::acquire(const Options& options, IndexNotes& notes)
{
  if (auto ok = check_request(options.request); !ok) return Unexpected(ok.error());
  auto root = select_root(options.root_inputs);
  if (!root) return Unexpected(root.error());
  if (auto ok = check_path_budget(root->path, socket_budget()); !ok) return Unexpected(ok.error());
  if (auto ok = ensure_root(root->path); !ok) return Unexpected(ok.error());

  Invocation inv;
  inv.m_config_root = options.config_root;
  LeaseIndex index(options.config_root / "invocation-leases");
  // A fresh id whose directories do not exist yet (ids are random; a clash
  // with a leftover directory only costs another draw).
  std::string id;
  for (int attempt = 0; attempt < 8 && id.empty(); ++attempt) {
    std::string candidate = short_id();
    std::error_code ec;
    if (!stdfs::exists(root->path / candidate, ec) &&
        !stdfs::exists(root->path / (candidate + ".a"), ec) &&
        !stdfs::exists(root->path / (candidate + ".t"), ec)) {
      id = candidate;
    }
  }
  if (id.empty()) {
    return make_error("invocation.setup_failed",
                      fmt::format("could not pick a fresh invocation id under {}", root->path.string()));
  }
  inv.m_state = root->path / id;
  inv.m_artifacts = root->path / (id + ".a");
  inv.m_tmp = root->path / (id + ".t");

  Lease lease;
  lease.invocation_id = id;
  lease.invocation_uuid = new_uuid_v4();
  lease.pid = static_cast<long>(::getpid());
  lease.start_ticks = process_start_ticks(lease.pid);
  lease.started_at = format_rfc3339(now_ms());
  lease.run_id = options.run_id;
  lease.component_id = options.component_id;
  lease.state_dir = inv.m_state.string();
  auto taken = index.acquire(std::move(lease), options.request, notes);
  if (!taken) return Unexpected(taken.error());
  inv.m_lease = std::move(*taken);
  inv.m_released = false;

  for (const auto* dir : {&inv.m_state, &inv.m_artifacts, &inv.m_tmp}) {
    if (::mkdir(dir->c_str(), 0700) != 0) {
      Error e{"invocation.setup_failed",
              fmt::format("cannot create invocation directory {}: {}", dir->string(),
                          std::strerror(errno)),
              "{}"};
      inv.release();
      return Unexpected(std::move(e));
    }
  }
  return inv;
}

Invocation::Invocation(Invocation&& other) noexcept
  : m_config_root(std::move(other.m_config_root)),
    m_state(std::move(other.m_state)),
    m_artifacts(std::move(other.m_artifacts)),
    m_tmp(std::move(other.m_tmp)),
    m_lease(std::move(other.m_lease)),
    m_released(other.m_released)
{
  other.m_released = true;
}

Invocation::~Invocation()
{
  release();
}

std::vector<std::pair<std::string, std::string>>
Invocation::env() const
{
  std::vector<std::pair<std::string, std::string>> env = {
    {"HOMEBOY_INVOCATION_ID", id()},
    {"HOMEBOY_INVOCATION_STATE_DIR", m_state.string()},
    {"HOMEBOY_INVOCATION_ARTIFACT_DIR", m_artifacts.string()},
    {"HOMEBOY_INVOCATION_TMP_DIR", m_tmp.string()},
    {"TMPDIR", m_tmp.string()},
    {"HOMEBOY_INVOCATION_CONTEXT_JSON", context_json()},
  };
  if (m_lease.port_base) {
    env.emplace_back("HOMEBOY_INVOCATION_PORT_BASE", std::to_string(*m_lease.port_base));
    env.emplace_back("HOMEBOY_INVOCATION_PORT_MAX", std::to_string(*m_lease.port_max));
  }
  return env;
}

std::string
Invocation::context_json() const
{
  Json j = {{"id", id()},
            {"uuid", m_lease.invocation_uuid},
            {"state_dir", m_state.string()},
            {"artifact_dir", m_artifacts.string()},
            {"tmp_dir", m_tmp.string()},
            {"named_leases", m_lease.named_leases}};
  if (m_lease.port_base) j["port_range"] = {{"base", *m_lease.port_base}, {"max", *m_lease.port_max}};
  if (!m_lease.run_id.empty()) j["run_id"] = m_lease.run_id;
  return dump_json(j);
}

Result<Preserved>
Invocation::preserve(const stdfs::path& dest) const
{
  Preserved out;
  std::error_code ec;
  if (m_released || stdfs::is_empty(m_artifacts, ec) || ec) return out;
  out.dir = dest / id();
  Json files = Json::array();
  for (auto it = stdfs::recursive_directory_iterator(m_artifacts, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    auto status = it->symlink_status(ec);
    auto rel = it->path().lexically_relative(m_artifacts).generic_string();
    if (stdfs::is_directory(status)) continue;
    if (!stdfs::is_regular_file(status)) {
      out.skipped.push_back(rel);
      continue;
    }
    auto target = out.dir / rel;
    if (auto made = fs::create_directories(target.parent_path()); !made) return Unexpected(made.error());
    if (auto copied = fs::copy_file(it->path(), target); !copied) return Unexpected(copied.error());
    auto digest = fs::digest_file(target);
    Json f = {{"path", rel}};
    if (digest) {
      f["size"] = digest->size;
      f["sha256"] = digest->sha256;
    }
    files.push_back(std::move(f));
    out.files.push_back(rel);
  }
  if (out.files.empty() && out.skipped.empty()) {
    out.dir.clear();
    return out;
  }
  Json manifest = {{"schema", "homeboy.invocation_artifacts.v1"},
                   {"invocation_id", id()},
                   {"invocation_uuid", m_lease.invocation_uuid},
                   {"artifact_dir", m_artifacts.string()},
                   {"files", files},
                   {"skipped", out.skipped}};
  if (auto made = fs::create_directories(out.dir); !made) return Unexpected(made.error());
  auto written = fs::write_file_atomic(out.dir / "manifest.json", dump_json(manifest, 2) + "\n");
  if (!written) return Unexpected(written.error());
  return out;
}

void
Invocation::release()
{
  if (m_released) return;
  m_released = true;
  std::error_code ec;
  for (const auto* dir : {&m_state, &m_artifacts, &m_tmp}) {
    stdfs::remove_all(*dir, ec);
  }
  LeaseIndex(m_config_root / "invocation-leases").release(m_lease.invocation_id);
}

} // namespace hb::invocation

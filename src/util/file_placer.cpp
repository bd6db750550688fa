#include "util/file_placer.hpp"

#include "util/fs.hpp"

#include <fmt/core.h>

namespace hb::fs {

namespace stdfs = std::filesystem;

FilePlacer::~FilePlacer()
{
  if (m_keep) return;
  std::error_code ec;
  for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) stdfs::remove(*it, ec);
}

Result<bool>
FilePlacer::place(const stdfs::path& source, const stdfs::path& target, const std::string& sha256,
                  const std::string& what)
{
  std::error_code ec;
  if (stdfs::exists(target, ec)) {
    auto digest = fs::digest_file(target);
    if (digest && digest->sha256 == sha256) return false; // an earlier attempt's copy
  }
  // Record every directory this creates, deepest last, to undo it.
  const stdfs::path dir = target.parent_path();
  std::vector<stdfs::path> made;
  for (stdfs::path p = dir; !stdfs::exists(p, ec) && p != m_root && p.has_parent_path();
       p = p.parent_path()) {
    made.push_back(p);
  }
  if (auto ok = fs::create_directories(dir); !ok) return Unexpected(ok.error());
  for (auto it = made.rbegin(); it != made.rend(); ++it) m_created.push_back(*it);
  stdfs::path part = target;
  part += ".part";
  stdfs::remove(part, ec);
  if (auto ok = fs::copy_file(source, part); !ok) {
    stdfs::remove(part, ec); // a full disk must not leave half a file behind
    return Unexpected(ok.error());
  }
  stdfs::rename(part, target, ec);
  if (ec) {
    stdfs::remove(part, ec);
    return make_error("fs.write_failed", fmt::format("cannot place {} at {}: {}", what,
                                                     target.string(), ec.message()));
  }
  m_created.push_back(target);
  return true;
}

} // namespace hb::fs

#include "util/fs.hpp"

#include "util/sha256.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <random>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace hb::fs {

namespace {

std::string
errno_text(int err)
{
  return std::strerror(err);
}

std::string
random_suffix()
{
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:012x}", rng() & 0xffffffffffffULL);
}

Result<void>
write_all(int fd, std::string_view data, const stdfs::path& path)
{
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return make_error("fs.write_failed",
                        fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Reads a file in chunks, handing each to `consume`.
Result<void>
read_chunks(const stdfs::path& path, const std::function<void(std::string_view)>& consume)
{
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return make_error(err == ENOENT ? "fs.not_found" : "fs.read_failed",
                      fmt::format("cannot read {}: {}", path.string(), errno_text(err)));
  }
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return make_error("fs.read_failed",
                        fmt::format("cannot read {}: {}", path.string(), errno_text(err)));
    }
    if (n == 0) {
      break;
    }
    consume(std::string_view(buffer, static_cast<size_t>(n)));
  }
  ::close(fd);
  return {};
}

} // namespace

Result<std::string>
read_file(const stdfs::path& path)
{
  std::string content;
  auto read = read_chunks(path, [&](std::string_view chunk) { content.append(chunk); });
  if (!read) {
    return Unexpected(read.error());
  }
  return content;
}

Result<void>
create_directories(const stdfs::path& dir)
{
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec) {
    return make_error("fs.mkdir_failed",
                      fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  }
  return {};
}

Result<void>
write_file_atomic(const stdfs::path& path, std::string_view content, stdfs::perms perms)
{
  stdfs::path tmp = path;
  tmp += ".tmp-" + random_suffix();
  mode_t mode = perms == stdfs::perms::unknown ? 0644 : static_cast<mode_t>(perms);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return make_error("fs.write_failed",
                      fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
  }
  auto written = write_all(fd, content, path);
  if (written && ::fsync(fd) != 0) {
    written = make_error("fs.write_failed",
                         fmt::format("cannot sync {}: {}", path.string(), errno_text(errno)));
  }
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return make_error("fs.write_failed",
                      fmt::format("cannot replace {}: {}", path.string(), errno_text(err)));
  }
  return {};
}

Result<void>
copy_file(const stdfs::path& from, const stdfs::path& to)
{
  std::error_code ec;
  stdfs::copy_file(from, to, stdfs::copy_options::overwrite_existing, ec);
  if (ec) {
    return make_error("fs.copy_failed", fmt::format("cannot copy {} to {}: {}", from.string(),
                                                    to.string(), ec.message()));
  }
  return {};
}

std::string
sha256_hex(std::string_view data)
{
  Sha256 sha;
  sha.update(data.data(), data.size());
  return sha.hex();
}

Result<FileDigest>
digest_file(const stdfs::path& path)
{
  Sha256 sha;
  FileDigest digest;
  auto read = read_chunks(path, [&](std::string_view chunk) {
    sha.update(chunk.data(), chunk.size());
    digest.size += chunk.size();
  });
  if (!read) {
    return Unexpected(read.error());
  }
  digest.sha256 = sha.hex();
  return digest;
}

Result<FileLock>
FileLock::acquire(const stdfs::path& lock_path, int timeout_ms)
{
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error("fs.lock_failed", fmt::format("cannot open lock file {}: {}",
                                                    lock_path.string(), errno_text(errno)));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return make_error("fs.lock_failed",
                        fmt::format("cannot lock {}: {}", lock_path.string(), errno_text(err)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return make_error("fs.lock_timeout",
                        fmt::format("{} is locked by another homeboy process; gave up after {} ms",
                                    lock_path.string(), timeout_ms));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd)
{
  other.m_fd = -1;
}

FileLock::~FileLock()
{
  if (m_fd >= 0) {
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
  }
}

Result<TempDir>
TempDir::create(const stdfs::path& parent, std::string_view prefix)
{
  if (auto made = hb::fs::create_directories(parent); !made) {
    return Unexpected(made.error());
  }
  std::string templ = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return make_error("fs.mkdir_failed", fmt::format("cannot create a directory in {}: {}",
                                                     parent.string(), errno_text(errno)));
  }
  return TempDir(stdfs::path(templ));
}

TempDir::~TempDir()
{
  if (!m_path.empty()) {
    std::error_code ec;
    stdfs::remove_all(m_path, ec);
  }
}

std::string
mime_type_for(const stdfs::path& path)
{
  std::string ext = path.extension().string();
  if (ext == ".json") return "application/json";
  if (ext == ".jsonl" || ext == ".ndjson") return "application/x-ndjson";
  if (ext == ".txt" || ext == ".log") return "text/plain";
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".csv") return "text/csv";
  if (ext == ".md") return "text/markdown";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".zip") return "application/zip";
  if (ext == ".gz") return "application/gzip";
  return "application/octet-stream";
}

std::uint64_t
tree_size(const stdfs::path& path)
{
  std::error_code ec;
  if (stdfs::is_symlink(path, ec)) return 0;
  if (stdfs::is_regular_file(path, ec)) return stdfs::file_size(path, ec);
  std::uint64_t total = 0;
  for (auto it = stdfs::recursive_directory_iterator(path, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code inner;
    if (it->is_regular_file(inner) && !it->is_symlink(inner)) total += it->file_size(inner);
  }
  return total;
}

} // namespace hb::fs

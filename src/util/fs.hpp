#pragma once
// File-system helpers: whole-file reads, atomic replacement, advisory locks,
// content hashes. Knows nothing of homeboy.

#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hb::fs {

namespace stdfs = std::filesystem;

/// Reads a whole file. Error code `fs.not_found` when it does not exist,
/// `fs.read_failed` otherwise.
Result<std::string> read_file(const stdfs::path& path);

/// Writes `content` to a temporary file beside `path`, fsyncs it and renames it
/// over `path`, so readers see the old or the new content, never a mix.
Result<void> write_file_atomic(const stdfs::path& path, std::string_view content,
                               stdfs::perms perms = stdfs::perms::unknown);

/// Creates `dir` and its parents; an error names the directory and why.
Result<void> create_directories(const stdfs::path& dir);

/// Copies a file (not atomically; the destination is new).
Result<void> copy_file(const stdfs::path& from, const stdfs::path& to);

struct FileDigest
{
  std::string sha256; // lower-case hex
  std::uint64_t size = 0;
};
Result<FileDigest> digest_file(const stdfs::path& path);
std::string sha256_hex(std::string_view data);

/// Bytes of a regular file, or of every regular file under a directory;
/// symbolic links are neither counted nor followed. 0 for what is missing.
std::uint64_t tree_size(const stdfs::path& path);

/// An exclusive advisory lock (flock) on a lock file, released on
/// destruction. Blocks until acquired or `timeout_ms` passes.
class FileLock
{
public:
  static Result<FileLock> acquire(const stdfs::path& lock_path, int timeout_ms = 30'000);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

/// A directory removed (recursively) on destruction unless released.
class TempDir
{
public:
  static Result<TempDir> create(const stdfs::path& parent, std::string_view prefix);
  TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
  ~TempDir();
  const stdfs::path& path() const { return m_path; }

private:
  explicit TempDir(stdfs::path path) : m_path(std::move(path)) {}
  stdfs::path m_path;
};

/// Guesses a MIME type from a file name's extension.
std::string mime_type_for(const stdfs::path& path);

} // namespace hb::fs

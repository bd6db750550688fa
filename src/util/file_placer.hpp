#pragma once
// Copies files into a directory tree all or nothing: every file and directory
// it creates is removed again unless keep() is called (an import keeps them
// once its store transaction committed).

#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hb::fs {

class FilePlacer
{
public:
  /// Directories are created up to, never including, `root`.
  explicit FilePlacer(std::filesystem::path root) : m_root(std::move(root)) {}
  ~FilePlacer();
  FilePlacer(const FilePlacer&) = delete;
  FilePlacer& operator=(const FilePlacer&) = delete;

  /// Copies `source` to `target` (through `<target>.part` and a rename).
  /// A target that already has `sha256` (an earlier attempt's copy) is left
  /// as it is and counts as placed; returns whether a copy was made. The
  /// error names `what` and the target.
  Result<bool> place(const std::filesystem::path& source, const std::filesystem::path& target,
                     const std::string& sha256, const std::string& what);
  void keep() { m_keep = true; }

private:
  std::filesystem::path m_root;
  std::vector<std::filesystem::path> m_created; // in creation order
  bool m_keep = false;
};

} // namespace hb::fs

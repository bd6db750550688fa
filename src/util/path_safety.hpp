#pragma once
// Paths that come from untrusted input (a bundle's file list, an id used as a
// directory name) must stay inside the directory they are meant for.

#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace hb::fs {

/// Checks, without touching the disk, that `relative` names something inside
/// a directory: not empty, not absolute, `/`-separated segments that are
/// neither empty, `.` nor `..`, and no backslash or NUL. The error
/// (`validation.unsafe_path`) says which rule `relative` breaks.
Result<void> check_relative_path(std::string_view relative);

/// `root / relative` when check_relative_path accepts `relative`, no
/// component below `root` is a symbolic link (checked with lstat, so a link
/// cannot lead outside), and the last one is a regular file. Errors:
/// `validation.unsafe_path`, or `fs.not_found` when something is missing.
Result<std::filesystem::path> regular_file_beneath(const std::filesystem::path& root,
                                                   std::string_view relative);

/// `value` as one file-name segment: every character but ASCII letters,
/// digits, `.`, `-` and `_` becomes `-`, leading and trailing `-` are
/// dropped; an empty result, `.` or `..` becomes `_`.
std::string safe_path_segment(std::string_view value);

/// `value` as one path segment that no other value maps to: bytes outside
/// [A-Za-z0-9._-] (and `%`) become %XX, "." and ".." are encoded, "" is "%".
/// A UUID comes out unchanged. Use it where two ids must never share a
/// directory (a run's own directory, which cleanup deletes).
std::string injective_path_segment(std::string_view value);

/// Whether `path`, with symbolic links resolved (weakly_canonical), lies
/// strictly inside `root` (also resolved). False when either cannot be
/// resolved. What every cleanup checks before it deletes anything.
bool resolves_inside(const std::filesystem::path& path, const std::filesystem::path& root);

} // namespace hb::fs

#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace hb::fs {

namespace {

Unexpected<Error>
unsafe(std::string_view relative, std::string_view why)
{
  return make_error("validation.unsafe_path",
                    fmt::format("path `{}` {}", relative, why));
}

} // namespace

Result<void>
check_relative_path(std::string_view relative)
{
  if (relative.empty()) return unsafe(relative, "is empty");
  if (relative.find('\0') != std::string_view::npos) return unsafe(relative, "contains a NUL byte");
  if (relative.find('\\') != std::string_view::npos) {
    return unsafe(relative, "contains a backslash (use / between segments)");
  }
  if (relative.front() == '/') return unsafe(relative, "is absolute");
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    std::size_t end = relative.find('/', pos);
    if (end == std::string_view::npos) end = relative.size();
    std::string_view segment = relative.substr(pos, end - pos);
    if (segment.empty()) return unsafe(relative, "has an empty segment (`//` or a trailing `/`)");
    if (segment == "..") return unsafe(relative, "leaves its directory (`..`)");
    if (segment == ".") return unsafe(relative, "has a `.` segment");
    pos = end + 1;
  }
  return {};
}

Result<std::filesystem::path>
regular_file_beneath(const std::filesystem::path& root, std::string_view relative)
{
  if (auto ok = check_relative_path(relative); !ok) return Unexpected(ok.error());
  std::filesystem::path current = root;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = relative.find('/', pos);
    bool last = end == std::string_view::npos;
    current /= std::string(relative.substr(pos, last ? std::string_view::npos : end - pos));
    struct stat st{};
    if (::lstat(current.c_str(), &st) != 0) {
      int err = errno;
      return make_error(err == ENOENT ? "fs.not_found" : "fs.read_failed",
                        fmt::format("{} {}", current.string(),
                                    err == ENOENT ? "does not exist" : std::strerror(err)));
    }
    if (S_ISLNK(st.st_mode)) {
      return unsafe(relative, fmt::format("goes through the symbolic link {}, which could lead "
                                          "outside {}",
                                          current.string(), root.string()));
    }
    if (last) {
      if (!S_ISREG(st.st_mode)) return unsafe(relative, "is not a regular file");
      return current;
    }
    if (!S_ISDIR(st.st_mode)) return unsafe(relative, fmt::format("{} is not a directory", current.string()));
    pos = end + 1;
  }
}

std::string
safe_path_segment(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
              || c == '-' || c == '_';
    out += ok ? c : '-';
  }
  std::size_t first = out.find_first_not_of('-');
  if (first == std::string::npos) return "_";
  std::size_t last = out.find_last_not_of('-');
  out = out.substr(first, last - first + 1);
  if (out == "." || out == "..") return "_";
  return out;
}

std::string
injective_path_segment(std::string_view value)
{
  if (value.empty()) return "%";
  if (value == ".") return "%2E";
  if (value == "..") return "%2E%2E";
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                 || c == '.' || c == '-' || c == '_';
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xF];
    }
  }
  return out;
}

bool
resolves_inside(const std::filesystem::path& path, const std::filesystem::path& root)
{
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  if (ec) return false;
  const std::filesystem::path r = std::filesystem::weakly_canonical(root, ec);
  if (ec) return false;
  auto [rest, in_p] = std::mismatch(r.begin(), r.end(), p.begin(), p.end());
  return rest == r.end() && in_p != p.end();
}

} // namespace hb::fs

// Reading a secret from a file only its owner may read.

#include "util/secret_file.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace hb {

Result<std::string>
read_secret_file(const std::filesystem::path& path, const std::string& what)
{
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) {
    return make_error("validation.invalid_token_file",
                      fmt::format("{}: cannot read it ({})", what,
                                  std::strerror(errno)));
  }
  if ((info.st_mode & 077) != 0) {
    return make_error("validation.insecure_token_file",
                      fmt::format("{} may be read by other users (mode {:o}); run "
                                  "`chmod 600 {}`",
                                  what, info.st_mode & 0777, path.string()));
  }
  auto text = fs::read_file(path);
  if (!text) return Unexpected(text.error());
  std::string token = *text;
  auto first = token.find_first_not_of(" \t\r\n");
  auto last = token.find_last_not_of(" \t\r\n");
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  if (token.size() < 16) {
    return make_error("validation.insecure_token_file",
                      fmt::format("{}: the token must be at least 16 characters "
                                  "(e.g. `head -c 32 /dev/urandom | base64 > FILE`)",
                                  what));
  }
  return token;
}

} // namespace hb

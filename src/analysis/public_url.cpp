#include "analysis/public_url.hpp"

#include <algorithm>
#include <cctype>

namespace hb::analysis {

namespace {

std::string
lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

std::optional<std::string>
public_url_problem(std::string_view url)
{
  if (url.empty()) return "empty URL";
  if (url.size() > 2048) return "URL longer than 2048 bytes";
  for (unsigned char c : url) {
    if (c < 0x20 || c == 0x7f) return "URL contains a control character";
    if (c == ' ') return "URL contains a space";
    if (c == '\\') return "URL contains a backslash";
  }
  auto colon = url.find(':');
  if (colon == std::string_view::npos) return "not an absolute URL (no scheme)";
  std::string scheme = lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") {
    return "scheme `" + scheme.substr(0, 32) + "` is not http or https";
  }
  if (url.substr(colon + 1, 2) != "//") return "URL has no host (expected scheme://host/...)";
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "URL carries credentials (user@host); publish it without them";
  }
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return "URL has an unterminated IPv6 host";
    host = host.substr(1, close - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return "URL has no host";
  for (unsigned char c : host) {
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '_' || c >= 0x80)) {
      return "URL host contains an invalid character";
    }
  }
  return std::nullopt;
}

} // namespace hb::analysis

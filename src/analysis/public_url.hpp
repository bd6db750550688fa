#pragma once
// Which URLs may be shown to reviewers as public evidence links (runs
// evidence): absolute http(s) URLs with a host, no credentials, nothing that
// could smuggle text into a terminal or a Markdown page.

#include <optional>
#include <string>
#include <string_view>

namespace hb::analysis {

/// Why `url` is not a public evidence link, or nullopt when it is one.
/// Rejected: schemes other than http/https, a missing host, userinfo
/// (user:password@), control characters, spaces and backslashes, and URLs
/// longer than 2048 bytes. The reason never repeats the URL (it may hold a
/// credential).
std::optional<std::string> public_url_problem(std::string_view url);

} // namespace hb::analysis

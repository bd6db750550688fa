// Serving the Studio's embedded files (studio.hpp). Three files, so a linear
// lookup; the ETag is a hash of the bytes, so a browser revalidates with one
// request and a new daemon build is picked up at once.

#include "server/studio.hpp"

#include "util/fs.hpp"

#include <fmt/core.h>

#include <filesystem>

namespace hb::server {

const char* const k_studio_csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
  "frame-ancestors 'none'";

namespace {

std::string
content_type_of(std::string_view name)
{
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  return "application/octet-stream";
}

// FNV-1a, 64 bits: an ETag, not a security measure.
std::string
etag_of(std::string_view bytes)
{
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("\"{:016x}\"", h);
}

bool
studio_page(std::string_view path)
{
  for (std::string_view page : {"/runs", "/compare", "/schedules", "/help"}) {
    if (path == page || (path.starts_with(page) && path[page.size()] == '/')) return true;
  }
  return path == "/";
}

std::optional<std::string>
read_asset(std::string_view name, const std::string& dir)
{
  if (!dir.empty()) {
    auto text = fs::read_file(std::filesystem::path(dir) / std::string(name));
    if (!text) return std::nullopt;
    return *text;
  }
  for (const StudioAsset& a : studio_assets()) {
    if (a.name == name) return std::string(a.content);
  }
  return std::nullopt;
}

} // namespace

ApiResponse
studio_response(const std::string& path, const std::string& dir, const std::string& if_none_match)
{
  ApiResponse out;
  std::string name = "index.html";
  if (path.starts_with("/assets/")) {
    name = path.substr(8);
    if (name != "app.js" && name != "app.css") name.clear();
  } else if (!studio_page(path)) {
    out.status = 404;
  }
  auto bytes = name.empty() ? std::nullopt : read_asset(name, dir);
  out.headers = {{"Content-Security-Policy", k_studio_csp},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"X-Frame-Options", "DENY"},
                 {"Cache-Control", "no-cache"}};
  if (!bytes) {
    out.status = 404;
    out.content_type = "text/plain; charset=utf-8";
    out.body = name.empty() ? fmt::format("no such file: {}\n", path)
                            : fmt::format("the Studio's {} is missing{}\n", name,
                                          dir.empty() ? "" : " from HOMEBOY_STUDIO_DIR " + dir);
    return out;
  }
  std::string etag = etag_of(*bytes);
  out.headers.emplace_back("ETag", etag);
  if (out.status == 200 && if_none_match == etag) {
    out.status = 304;
    return out;
  }
  out.content_type = content_type_of(name);
  out.body = std::move(*bytes);
  return out;
}

} // namespace hb::server

#pragma once
// The Studio's files (web/, docs/studio.md), embedded in the daemon at build
// time, and the answer to a browser's GET of a page or an asset. The Studio
// is a front end of the API: these files hold no data, so they are served
// without the token, with a Content-Security-Policy that allows no inline
// script or style and no other origin.

#include "server/api.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::server {

struct StudioAsset
{
  std::string_view name; // file name: index.html, app.js, app.css
  std::string_view content;
};

/// The bundle web/build.mjs made, embedded (generated/studio_assets.cpp).
const std::vector<StudioAsset>& studio_assets();

/// The Content-Security-Policy every Studio response carries.
extern const char* const k_studio_csp;

/// The response to GET `path` (not under /api/): /assets/<file> is that
/// file, a Studio address (/, /runs..., /compare, /schedules, /help) is
/// index.html (the page routes in the browser), anything else is
/// index.html with status 404 (the page says "not found"). With
/// `dir` non-empty the files are read from that directory on every request
/// instead (HOMEBOY_STUDIO_DIR, for working on the Studio without
/// rebuilding the daemon). `if_none_match` is the request's header: an
/// unchanged file answers 304.
ApiResponse studio_response(const std::string& path, const std::string& dir,
                            const std::string& if_none_match);

} // namespace hb::server

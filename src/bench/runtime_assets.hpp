#pragma once
// The runtime helper files embedded at build time (cmake/embed.cmake).

#include <string_view>
#include <vector>

namespace hb::bench {

struct RuntimeAsset
{
  std::string_view name;    // file name, e.g. "bench-helper.sh"
  std::string_view content;
};

const std::vector<RuntimeAsset>& runtime_assets();

} // namespace hb::bench

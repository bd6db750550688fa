// Fuzz target: `runs heartbeat --preview JSON`, the producer's own text,
// turned into a metadata patch by registry::preview_patch (parse, require an
// object, redact secret-named keys, serialise). Any bytes give a patch that
// is itself valid JSON, or an error with a message; never a crash.

#include "fuzz_check.hpp"
#include "registry/preview.hpp"
#include "util/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto patch = hb::registry::preview_patch(text);
  hb::fuzz::require_explained(patch);
  if (patch && !text.empty()) {
    // The store merges the patch with json_patch(): it must parse again.
    auto again = hb::parse_json(*patch, "preview patch");
    hb::fuzz::require(again.has_value() && again->is_object() && again->contains("preview"));
  }
  return 0;
}

// runs heartbeat --preview: the producer's own JSON turned into a metadata
// patch. Its own file (no store, no processes), so the fuzz target links it
// alone.

#include "registry/preview.hpp"

#include "util/json.hpp"
#include "util/secret_mask.hpp"

#include <fmt/core.h>

namespace hb::registry {

Result<std::string>
preview_patch(std::string_view preview_json)
{
  if (preview_json.empty()) {
    return std::string();
  }
  auto preview = parse_json(preview_json, "--preview");
  if (!preview) {
    return Unexpected(preview.error());
  }
  if (!preview->is_object()) {
    return make_error("validation.invalid_preview",
                      fmt::format("--preview must be a JSON object, not {} (e.g. "
                                  "'{{\"url\": \"http://localhost:8080\"}}')",
                                  json_type_name(*preview)));
  }
  return dump_json(Json{{"preview", redact_secrets(*preview, SecretMasker())}});
}

} // namespace hb::registry

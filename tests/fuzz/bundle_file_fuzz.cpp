// Fuzz target: a bundle's record file (runs.json and its siblings, written
// by whoever produced the bundle) as `runs import` parses it
// (bundle::parse_bundle_file), then the pure helpers the import applies to
// each record: status words, artifact labels, sorted metadata. Any bytes
// give records or an `import.invalid_bundle` error with a message.

#include "app/bundle_format.hpp"
#include "fuzz_check.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  namespace bundle = hb::app::bundle;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = bundle::parse_bundle_file(text, "runs.json");
  hb::fuzz::require_explained(parsed);
  if (!parsed || !parsed->is_array()) {
    return 0;
  }
  for (const auto& record : *parsed) {
    if (!record.is_object()) {
      continue;
    }
    auto string_at = [&](const char* key) -> std::string {
      auto it = record.find(key);
      return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (auto status = bundle::status_from_portable(string_at("status"))) {
      (void)bundle::portable_status(status->status, status->terminal_reason);
    }
    (void)bundle::portable_label(string_at("path"), string_at("id"));
    (void)hb::parse_rfc3339(string_at("started_at"));
    if (auto it = record.find("metadata_json"); it != record.end()) {
      // Stored with dump_json, which must not throw on what a bundle holds.
      (void)hb::dump_json(bundle::sorted(*it));
    }
  }
  return 0;
}

// Fuzz target: a component file (homeboy.json in a user's repository, or a
// registry entry) read by parse_component_config, the code load_component
// runs on the file's text. Any bytes give a Component or a `config.invalid`
// style error with a message, never a crash, hang or exception.

#include "fuzz_check.hpp"
#include "model/component.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto component = hb::parse_component_config(text, "/fuzz/homeboy.json");
  hb::fuzz::require_explained(component);
  if (component) {
    // What the bench service reads next.
    hb::fuzz::require(!component->settings_json.empty());
    for (const auto& [name, command] : component->bench_commands) {
      hb::fuzz::require(!command.empty());
    }
    for (const auto& script : component->bench_scripts) {
      hb::fuzz::require(!script.empty());
    }
  }
  return 0;
}

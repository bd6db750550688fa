// Fuzz target: `runs submit --batch` text (one JSON object per line) read by
// registry::parse_batch, then checked by registry::validate as submit does.
// Any bytes give recipes or an error with a message, never a crash.

#include "fuzz_check.hpp"
#include "registry/recipe.hpp"
#include "util/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto recipes = hb::registry::parse_batch(text, "fuzz.jsonl");
  hb::fuzz::require_explained(recipes);
  if (recipes) {
    hb::fuzz::require(!recipes->empty());
    for (const auto& recipe : *recipes) {
      auto valid = hb::registry::validate(recipe);
      hb::fuzz::require_explained(valid);
      if (valid) {
        // A stored recipe must survive its own JSON (replay reads it back).
        (void)hb::registry::command_text(recipe.argv);
        (void)hb::registry::recipe_to_json(recipe);
      }
    }
  }
  return 0;
}

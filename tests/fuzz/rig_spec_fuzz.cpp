// Fuzz target: a rig spec (a file in ~/.config/homeboy/rigs/ or a rig
// package, which may come from someone else's repository) read by
// rig::parse_text, and the `extends` merge (`$append`, `$merge_by`) of the
// input onto itself. Any bytes give a Spec or an error with a message, never
// a crash, hang or exception.

#include "fuzz_check.hpp"
#include "rig/materialize.hpp"
#include "rig/rig.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = hb::rig::parse_text(text, "fuzz", "/fuzz/rigs/fuzz.json");
  hb::fuzz::require_explained(spec);
  if (spec) {
    hb::fuzz::require(!spec->json.empty());
    for (const auto& step : spec->checks) hb::fuzz::require(step.kind != "check" || !step.probe.empty());
    for (const auto& [ext, workloads] : spec->bench_workloads) {
      hb::fuzz::require(hb::rig::workload_paths(*spec, ext).size() >= workloads.size());
    }
  }
  auto doc = hb::parse_json(text, "fuzz");
  if (doc) {
    hb::Json target = *doc;
    auto merged = hb::rig::detail::merge_json(target, *doc, "/fuzz/child.json", "");
    hb::fuzz::require_explained(merged);
  }
  return 0;
}

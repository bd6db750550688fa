// Fuzz target: the results contract parser must turn any bytes into either a
// BenchResults or an Error, never a crash, hang or exception.

#include "bench/results/results.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  hb::bench::ParseOptions options;
  options.source_name = "fuzz input";
  auto parsed = hb::bench::parse_results(text, options);
  if (parsed) {
    // Exercise the accessors the rest of homeboy relies on.
    (void)parsed->passed();
    for (const auto& scenario : parsed->scenarios) {
      for (const auto& metric : scenario.metrics) {
        (void)scenario.metric(metric.name);
        (void)scenario.samples(metric.name);
        (void)parsed->policy(metric.name);
      }
    }
  } else if (parsed.error().message.empty()) {
    __builtin_trap(); // every rejection must say something
  }
  return 0;
}

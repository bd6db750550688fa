#pragma once
// How a metric's values are shown to people. Results files carry bare
// numbers; the unit is in the metric's name by convention (`p95_ms`,
// `max_rss_kb`, `ops_per_sec`). Reports print every value of a measured
// quantity with the same four significant digits and a prefix that keeps it
// readable (`114.5 ms`, `1.235 s`, `84.65 ms`), as hyperfine and Criterion
// do, instead of however many decimals the arithmetic left (`114.529` next
// to `84.6515`). Only presentation: JSON output keeps the exact numbers.

#include <string>
#include <string_view>

namespace hb::bench {

enum class Dimension
{
  time,    // scaled through ns, µs, ms, s
  bytes,   // scaled through B, KiB, MiB, GiB
  rate,    // per second: /s, k/s, M/s, G/s
  percent, // shown as given, with a % sign
  count,   // plain numbers: integers exactly, large ones with k, M, G
};

struct Unit
{
  Dimension dimension = Dimension::count;
  /// The value of 1 in the metric's own unit, in the dimension's base unit
  /// (seconds, bytes, per second); 1 for percent and count.
  double scale = 1;
};

/// The unit a metric's name declares by its suffix (`_ns`, `_us`, `_ms`,
/// `_s`/`_sec`/`_seconds`; `_bytes`/`_b`, `_kb`, `_mb`, `_gb`; `_per_sec`,
/// `_per_s`, `ops_s`, `qps`, `rps`; `_pct`, `_percent`); any other is a count.
Unit unit_of(std::string_view metric);

/// `value` in `unit`, with four significant digits and the prefix that puts
/// it in [1, 1000): "114.5 ms", "1.235 s", "512.0 KiB", "1.234 M/s". Counts
/// that are whole numbers below 10,000 are shown exactly ("12"); larger
/// counts get k, M, G ("123.5 M"). Zero is "0" with the unit, and values
/// that are not finite are shown as C++ prints them.
std::string format_quantity(double value, Unit unit);

/// format_quantity with the unit of `metric`'s name.
std::string format_metric(std::string_view metric, double value);

/// A signed difference of `metric` (an absolute change or the bounds of its
/// interval): format_metric with a leading '+' for positive values.
std::string format_metric_delta(std::string_view metric, double delta);

} // namespace hb::bench

#pragma once
// A live one-line status on a terminal (stderr), redrawn in place with \r
// and erased before anything else is written there, so other output (a
// child's, passed through) never lands on top of it. The text is rendered
// by a pure function from the figures and the times the caller passes, so
// it can be tested without a clock or a terminal.

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace hb {

struct ProgressFigures
{
  std::string label;               // "bench text-tools"
  std::string step;                // "invocation 2/3" (empty: none)
  std::string scenario;            // empty: not known
  std::uint64_t iteration = 0;     // 1-based; 0: not known
  std::uint64_t iterations = 0;    // 0: not known
  std::int64_t elapsed_ms = 0;
  std::optional<std::int64_t> eta_ms;
};

/// "1:05" for 65 000 ms, "1:01:05" past an hour; negative is shown as 0:00.
std::string format_clock(std::int64_t ms);

/// The remaining time when `done` (0..1) of the work took `elapsed_ms`:
/// nullopt until something is done (or when `done` is not in (0, 1]).
std::optional<std::int64_t> estimate_remaining_ms(std::int64_t elapsed_ms, double done);

/// The line: "<label> · <step> · <scenario> · iteration i/n · 0:12 elapsed
/// · ETA 0:30", parts left out when unknown, cut to `width` columns (at
/// least 20) with "…" so it never wraps.
std::string render_progress(const ProgressFigures& figures, std::size_t width);

/// Draws the line on `out` (a terminal) and keeps it off other output.
/// Thread-safe; a disabled line writes only what write_through is given.
class ProgressLine
{
public:
  ProgressLine(std::FILE* out, bool enabled) : m_out(out), m_enabled(enabled) {}
  bool enabled() const { return m_enabled; }
  /// Replaces the line with `text` (when the cursor is at a line start).
  void draw(const std::string& text);
  /// Erases the line, writes `chunk`, and draws the line again once the
  /// output ended a line (a partial line is left alone until it ends).
  void write_through(std::string_view chunk);
  /// Erases the line for good.
  void clear();

private:
  void erase_locked();
  std::FILE* m_out;
  bool m_enabled;
  std::mutex m_mutex;
  std::string m_text;        // what is drawn (or would be)
  bool m_drawn = false;
  bool m_at_line_start = true;
  bool m_cleared = false;
};

} // namespace hb

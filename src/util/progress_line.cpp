// The live progress line (progress_line.hpp): rendering, and drawing it on a
// terminal around other output.

#include "util/progress_line.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hb {

std::string
format_clock(std::int64_t ms)
{
  std::int64_t s = ms > 0 ? ms / 1000 : 0;
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::optional<std::int64_t>
estimate_remaining_ms(std::int64_t elapsed_ms, double done)
{
  if (!(done > 0 && done <= 1) || elapsed_ms < 0) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(static_cast<double>(elapsed_ms) * (1 - done) / done));
}

namespace {

/// Columns `text` takes (UTF-8 code points; the separators are one each).
std::size_t
columns(std::string_view text)
{
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

/// The longest prefix of `text` of at most `width` columns.
std::string
cut(std::string_view text, std::size_t width)
{
  std::size_t n = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (n == width) break;
      ++n;
    }
  }
  return std::string(text.substr(0, i));
}

} // namespace

std::string
render_progress(const ProgressFigures& f, std::size_t width)
{
  std::vector<std::string> parts;
  if (!f.label.empty()) parts.push_back(f.label);
  if (!f.step.empty()) parts.push_back(f.step);
  if (!f.scenario.empty()) parts.push_back(f.scenario);
  if (f.iteration > 0) {
    parts.push_back(f.iterations > 0 ? fmt::format("iteration {}/{}", f.iteration, f.iterations)
                                     : fmt::format("iteration {}", f.iteration));
  }
  parts.push_back(format_clock(f.elapsed_ms) + " elapsed");
  if (f.eta_ms) parts.push_back("ETA " + format_clock(*f.eta_ms));
  std::string line;
  for (const auto& p : parts) {
    if (!line.empty()) line += " \u00b7 ";
    line += p;
  }
  width = std::max<std::size_t>(width, 20);
  if (columns(line) <= width) return line;
  return cut(line, width - 1) + "\u2026";
}

void
ProgressLine::draw(const std::string& text)
{
  std::lock_guard lock(m_mutex);
  m_text = text;
  if (!m_enabled || m_cleared || !m_at_line_start) return;
  // \r, the text, then erase whatever a longer line left to the right.
  std::fputs(fmt::format("\r{}\x1b[K", m_text).c_str(), m_out);
  std::fflush(m_out);
  m_drawn = true;
}

void
ProgressLine::erase_locked()
{
  if (!m_drawn) return;
  std::fputs("\r\x1b[K", m_out);
  m_drawn = false;
}

void
ProgressLine::write_through(std::string_view chunk)
{
  std::lock_guard lock(m_mutex);
  if (m_enabled) erase_locked();
  std::fwrite(chunk.data(), 1, chunk.size(), m_out);
  if (!chunk.empty()) m_at_line_start = chunk.back() == '\n';
  if (m_enabled && !m_cleared && m_at_line_start && !m_text.empty()) {
    std::fputs(fmt::format("\r{}\x1b[K", m_text).c_str(), m_out);
    m_drawn = true;
  }
  std::fflush(m_out);
}

void
ProgressLine::clear()
{
  std::lock_guard lock(m_mutex);
  if (m_enabled) erase_locked();
  m_cleared = true;
  std::fflush(m_out);
}

} // namespace hb

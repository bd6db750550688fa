#pragma once
// Plain-text tables for human output: columns padded to their widest cell,
// numbers right-aligned. Colour escapes in cells do not count toward width.

#include <string>
#include <vector>

namespace hb {

class TextTable
{
public:
  enum class Align { left, right };

  explicit TextTable(std::vector<std::string> headers, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  bool empty() const { return m_rows.empty(); }
  /// Renders with two spaces between columns and a newline after each row.
  std::string render() const;

private:
  std::vector<std::string> m_headers;
  std::vector<Align> m_align;
  std::vector<std::vector<std::string>> m_rows;
};

/// Display width of UTF-8 text, skipping ANSI escape sequences.
size_t display_width(const std::string& text);

} // namespace hb

#include "util/table.hpp"

#include <algorithm>

namespace hb {

size_t
display_width(const std::string& text)
{
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      while (i < text.size() && text[i] != 'm') {
        ++i;
      }
      continue;
    }
    if ((c & 0xc0) != 0x80) { // count code points, not continuation bytes
      ++width;
    }
  }
  return width;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<Align> align)
  : m_headers(std::move(headers)), m_align(std::move(align))
{
  m_align.resize(m_headers.size(), Align::left);
}

void
TextTable::add_row(std::vector<std::string> cells)
{
  cells.resize(m_headers.size());
  m_rows.push_back(std::move(cells));
}

std::string
TextTable::render() const
{
  std::vector<size_t> widths(m_headers.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(m_headers);
  for (const auto& row : m_rows) {
    measure(row);
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string pad(widths[i] - display_width(row[i]), ' ');
      bool last = i + 1 == row.size();
      if (m_align[i] == Align::right) {
        line += pad + row[i];
      } else {
        line += row[i];
        if (!last) {
          line += pad;
        }
      }
      if (!last) {
        line += "  ";
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  };
  emit(m_headers);
  for (const auto& row : m_rows) {
    emit(row);
  }
  return out;
}

} // namespace hb

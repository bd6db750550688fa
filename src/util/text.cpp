#include "util/text.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cstdlib>

namespace hb {

std::string
truncate_for_message(std::string_view text, std::size_t max_bytes)
{
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut; // not inside a UTF-8 sequence
  }
  return fmt::format("{}… ({} bytes)", text.substr(0, cut), text.size());
}

Result<std::optional<std::uint64_t>>
env_uint(const char* name, std::uint64_t min, std::uint64_t max)
{
  const char* raw = std::getenv(name);
  if (!raw || !*raw) {
    return std::optional<std::uint64_t>();
  }
  std::string_view text(raw);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return make_error("validation.invalid_environment",
                      fmt::format("{}='{}' is not a whole number from {} to {}; fix or unset it",
                                  name, truncate_for_message(text, 40), min, max));
  }
  return std::optional<std::uint64_t>(value);
}

std::string
percent_encode(std::string_view text)
{
  static const char* const k_hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

std::string
quote_for_curl_config(const std::string& value)
{
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

} // namespace hb

#include "util/secret_mask.hpp"

#include "util/json.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

namespace hb {

namespace {

constexpr char k_base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string
base64(std::string_view bytes)
{
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += k_base64[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) {
    out += k_base64[(bits << (6 - count)) & 0x3f];
  }
  return out;
}

// The base64 characters that depend only on the secret when it starts
// `offset` bytes into a longer payload: characters whose 6 bits straddle a
// neighbouring byte are unknown, so they are dropped.
std::string
base64_core(std::string_view secret, std::size_t offset)
{
  const std::string padded = std::string(offset, '\0') + std::string(secret);
  const std::string encoded = base64(padded);
  const std::size_t first = (8 * offset + 5) / 6;                // first char inside
  const std::size_t end = (8 * (offset + secret.size())) / 6;    // one past the last
  return end > first ? encoded.substr(first, end - first) : std::string();
}

std::string
url_safe(std::string text)
{
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

std::string
percent_encoded(std::string_view text, bool upper, bool plus_for_space)
{
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

// Forms shorter than this are not masked when they are encodings: a short
// run of base64 characters occurs by chance in ordinary text. The raw secret
// is masked whatever its length.
constexpr std::size_t k_min_encoded = 4;

} // namespace

SecretMasker::SecretMasker(const std::vector<std::string>& secrets)
{
  std::set<std::string> forms;
  for (const auto& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    forms.insert(secret);
    std::vector<std::string> encoded;
    for (std::size_t offset = 0; offset < 3; ++offset) {
      std::string core = base64_core(secret, offset);
      encoded.push_back(url_safe(core));
      encoded.push_back(std::move(core));
    }
    for (bool upper : {true, false}) {
      for (bool plus : {true, false}) {
        encoded.push_back(percent_encoded(secret, upper, plus));
      }
    }
    for (auto& form : encoded) {
      if (form.size() >= k_min_encoded) {
        forms.insert(std::move(form));
      }
    }
  }
  m_patterns.assign(forms.begin(), forms.end());
  std::stable_sort(m_patterns.begin(), m_patterns.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& p : m_patterns) {
    m_longest = std::max(m_longest, p.size());
    m_first_byte[static_cast<unsigned char>(p.front())] = true;
  }
}

std::string
SecretMasker::mask_until(std::string_view text, bool final, std::size_t& consumed) const
{
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!final && i + m_longest > text.size()) {
      break; // a form starting here might continue in bytes not yet seen
    }
    if (m_first_byte[static_cast<unsigned char>(text[i])]) {
      const std::string_view rest = text.substr(i);
      const auto hit = std::find_if(m_patterns.begin(), m_patterns.end(),
                                    [&](const std::string& p) { return rest.starts_with(p); });
      if (hit != m_patterns.end()) {
        out += k_secret_mask;
        i += hit->size();
        continue;
      }
    }
    out += text[i++];
  }
  consumed = i;
  return out;
}

std::string
SecretMasker::mask(std::string_view text) const
{
  if (m_patterns.empty()) {
    return std::string(text);
  }
  std::size_t consumed = 0;
  return mask_until(text, true, consumed);
}

std::string
SecretMasker::Stream::feed(std::string_view chunk)
{
  if (m_masker->empty()) {
    return std::string(chunk);
  }
  m_pending += chunk;
  std::size_t consumed = 0;
  std::string out = m_masker->mask_until(m_pending, false, consumed);
  m_pending.erase(0, consumed);
  return out;
}

std::string
SecretMasker::Stream::finish()
{
  std::string out = m_masker->mask(m_pending);
  m_pending.clear();
  return out;
}

bool
is_secret_key(std::string_view key)
{
  std::string folded;
  for (unsigned char c : key) {
    if (std::isalnum(c)) {
      folded += static_cast<char>(std::tolower(c));
    }
  }
  for (std::string_view word : {"secret", "token", "password", "passwd", "credential", "apikey",
                                "privatekey", "authorization", "cookie"}) {
    if (folded.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

Json
redact_secrets(const Json& value, const SecretMasker& masker)
{
  if (value.is_string()) {
    return masker.mask(value.get_ref<const std::string&>());
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) {
      out.push_back(redact_secrets(item, masker));
    }
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) {
      out[masker.mask(key)] = is_secret_key(key) ? Json(k_secret_mask) : redact_secrets(item, masker);
    }
    return out;
  }
  return value;
}

} // namespace hb

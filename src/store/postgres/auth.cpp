// MD5 (RFC 1321) and SCRAM-SHA-256 (auth.hpp), small and self-contained
// like util/sha256: linking libcrypto for them would cost every process
// its loading.

#include "store/postgres/auth.hpp"

#include "util/sha256.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fmt/core.h>
#include <sys/random.h>

namespace hb::postgres {

namespace {

class Md5
{
public:
  void update(const void* data, std::size_t size)
  {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    m_length += size;
    while (size > 0) {
      const std::size_t take = std::min(size, 64 - m_buffered);
      std::memcpy(m_buffer.data() + m_buffered, bytes, take);
      m_buffered += take;
      bytes += take;
      size -= take;
      if (m_buffered == 64) {
        compress(m_buffer.data());
        m_buffered = 0;
      }
    }
  }
  std::string hex()
  {
    const std::uint64_t bits = m_length * 8;
    const std::uint8_t pad[64] = {0x80};
    update(pad, (m_buffered < 56 ? 56 : 120) - m_buffered);
    std::uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(bits >> (8 * i));
    update(length, 8);
    std::string out;
    for (std::uint32_t word : m_state) {
      for (int b = 0; b < 4; ++b) out += fmt::format("{:02x}", (word >> (8 * b)) & 0xff);
    }
    return out;
  }

private:
  static std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
  void compress(const std::uint8_t* block)
  {
    static constexpr int k_shift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                        5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    static const std::array<std::uint32_t, 64> k_sine = [] {
      std::array<std::uint32_t, 64> out{};
      // floor(abs(sin(i + 1)) * 2^32), as RFC 1321 defines the table.
      for (std::size_t i = 0; i < 64; ++i) {
        out[i] = static_cast<std::uint32_t>(
          static_cast<std::uint64_t>(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0));
      }
      return out;
    }();
    std::uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
      m[i] = std::uint32_t(block[i * 4]) | (std::uint32_t(block[i * 4 + 1]) << 8) |
             (std::uint32_t(block[i * 4 + 2]) << 16) | (std::uint32_t(block[i * 4 + 3]) << 24);
    }
    auto [a, b, c, d] = m_state;
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f = 0;
      int g = 0;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const std::uint32_t next = d;
      d = c;
      c = b;
      b = b + rotl(a + f + k_sine[static_cast<std::size_t>(i)] + m[g], k_shift[i]);
      a = next;
    }
    m_state[0] += a;
    m_state[1] += b;
    m_state[2] += c;
    m_state[3] += d;
  }

  std::array<std::uint32_t, 4> m_state{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  std::array<std::uint8_t, 64> m_buffer{};
  std::size_t m_buffered = 0;
  std::uint64_t m_length = 0;
};

std::string
md5_hex(std::string_view text)
{
  Md5 md5;
  md5.update(text.data(), text.size());
  return md5.hex();
}

using Digest = std::array<std::uint8_t, 32>;

std::string
bytes_of(const Digest& digest)
{
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

Digest
sha256(std::string_view data)
{
  Sha256 h;
  h.update(data.data(), data.size());
  return h.digest();
}

Digest
hmac(std::string_view key, std::string_view message)
{
  std::string k(key.size() > 64 ? bytes_of(sha256(key)) : std::string(key));
  k.resize(64, '\0');
  std::string inner(64, '\0');
  std::string outer(64, '\0');
  for (std::size_t i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  Sha256 h1;
  h1.update(inner.data(), inner.size());
  h1.update(message.data(), message.size());
  const std::string first = bytes_of(h1.digest());
  Sha256 h2;
  h2.update(outer.data(), outer.size());
  h2.update(first.data(), first.size());
  return h2.digest();
}

/// Hi() of RFC 5802: PBKDF2 with HMAC-SHA-256, one block.
std::string
salted_password(std::string_view password, std::string_view salt, int iterations)
{
  std::string u = std::string(salt) + std::string("\0\0\0\1", 4);
  Digest block = hmac(password, u);
  Digest result = block;
  for (int i = 1; i < iterations; ++i) {
    block = hmac(password, bytes_of(block));
    for (std::size_t j = 0; j < result.size(); ++j) result[j] ^= block[j];
  }
  return bytes_of(result);
}

constexpr int k_max_iterations = 1'000'000;

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The value of `key=` among the comma-separated attributes of `message`.
std::optional<std::string_view>
attribute(std::string_view message, char key)
{
  while (!message.empty()) {
    std::string_view part = message.substr(0, message.find(','));
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    message.remove_prefix(std::min(message.size(), part.size() + 1));
  }
  return std::nullopt;
}

} // namespace

std::string
base64_encode(std::string_view bytes)
{
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                   (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k_alphabet[(n >> s) & 63];
  }
  if (const std::size_t left = bytes.size() - i; left > 0) {
    std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (left == 2) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += left == 2 ? k_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string>
base64_decode(std::string_view text)
{
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      const char* at = c ? std::strchr(k_alphabet, c) : nullptr;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
        n <<= 6;
        continue;
      }
      if (!at || pad) return std::nullopt;
      n = (n << 6) | static_cast<std::uint32_t>(at - k_alphabet);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string
md5_password(std::string_view user, std::string_view password, std::string_view salt)
{
  return "md5" + md5_hex(md5_hex(std::string(password) + std::string(user)) + std::string(salt));
}

ScramClient::ScramClient(std::string password, std::string nonce, std::string user)
  : m_password(std::move(password)), m_nonce(std::move(nonce)), m_user(std::move(user))
{
  if (m_nonce.empty()) {
    char raw[18];
    std::size_t got = 0;
    while (got < sizeof raw) {
      const ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
      if (n > 0) got += static_cast<std::size_t>(n);
    }
    m_nonce = base64_encode(std::string_view(raw, sizeof raw));
  }
}

std::string
ScramClient::first() const
{
  return "n,,n=" + m_user + ",r=" + m_nonce;
}

std::optional<std::string>
ScramClient::final(std::string_view server_first, std::string& error)
{
  auto nonce = attribute(server_first, 'r');
  auto salt64 = attribute(server_first, 's');
  auto rounds = attribute(server_first, 'i');
  if (!nonce || !salt64 || !rounds) {
    error = "malformed SCRAM message from the server";
    return std::nullopt;
  }
  if (nonce->substr(0, m_nonce.size()) != m_nonce || nonce->size() <= m_nonce.size()) {
    error = "the server's SCRAM nonce does not extend ours";
    return std::nullopt;
  }
  auto salt = base64_decode(*salt64);
  const int iterations = std::atoi(std::string(*rounds).c_str());
  if (!salt || iterations < 1) {
    error = "malformed SCRAM salt or iteration count from the server";
    return std::nullopt;
  }
  if (iterations > k_max_iterations) {
    // PostgreSQL's default is 4,096; a count this high only keeps the
    // client busy (a million take about a second).
    error = fmt::format("the server asks for {} SCRAM iterations (at most {} are done)", iterations,
                        k_max_iterations);
    return std::nullopt;
  }
  const std::string salted = salted_password(m_password, *salt, iterations);
  const Digest client_key = hmac(salted, "Client Key");
  const Digest stored_key = sha256(bytes_of(client_key));
  const std::string without_proof = "c=biws,r=" + std::string(*nonce);
  const std::string auth_message =
    "n=" + m_user + ",r=" + m_nonce + "," + std::string(server_first) + "," + without_proof;
  const Digest signature = hmac(bytes_of(stored_key), auth_message);
  Digest proof{};
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = client_key[i] ^ signature[i];
  m_server_signature = bytes_of(hmac(bytes_of(hmac(salted, "Server Key")), auth_message));
  return without_proof + ",p=" + base64_encode(bytes_of(proof));
}

bool
ScramClient::verify(std::string_view server_final, std::string& error) const
{
  if (auto failure = attribute(server_final, 'e')) {
    error = "the server refused the SCRAM exchange: " + std::string(*failure);
    return false;
  }
  auto signature = attribute(server_final, 'v');
  auto decoded = signature ? base64_decode(*signature) : std::nullopt;
  if (!decoded || *decoded != m_server_signature) {
    error = "the server's SCRAM signature is wrong (it does not know the password)";
    return false;
  }
  return true;
}

} // namespace hb::postgres

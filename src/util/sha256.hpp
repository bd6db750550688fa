#pragma once
// SHA-256 (FIPS 180-4). Our own small implementation: linking libcrypto only
// for artifact digests cost every homeboy process ~1 ms of dynamic
// relocation at start-up.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hb {

class Sha256
{
public:
  Sha256();
  void update(const void* data, std::size_t size);
  /// Finishes the digest; the object must not be updated afterwards.
  std::string hex();
  /// Finishes the digest as 32 raw bytes (same rule as hex()).
  std::array<std::uint8_t, 32> digest();

private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> m_state;
  std::array<std::uint8_t, 64> m_buffer{};
  std::size_t m_buffered = 0;
  std::uint64_t m_length = 0; // bytes
};

} // namespace hb

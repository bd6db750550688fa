// Secret masking (util/secret_mask): for any secret and text, streaming the
// text in pieces gives exactly the whole text's masking, and no raw secret
// survives it (unless the secret itself contains '*', which "***" could
// complete).
//
// Input: first byte = secret length (mod 24, plus 1), then the secret, then
// the text; split points come from the text's bytes.

#include "util/secret_mask.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size < 2) {
    return 0;
  }
  const std::size_t length = data[0] % 24 + 1;
  if (size < 1 + length) {
    return 0;
  }
  const std::string secret(reinterpret_cast<const char*>(data + 1), length);
  const std::string_view text(reinterpret_cast<const char*>(data + 1 + length),
                              size - 1 - length);
  const hb::SecretMasker masker({secret});
  const std::string whole = masker.mask(text);

  for (std::size_t stride : {1u, 3u, 7u, 64u}) {
    hb::SecretMasker::Stream stream(masker);
    std::string out;
    for (std::size_t at = 0; at < text.size(); at += stride) {
      out += stream.feed(text.substr(at, stride));
    }
    out += stream.finish();
    if (out != whole) {
      std::abort(); // streaming must not change what is masked
    }
  }
  if (secret.find('*') == std::string::npos && whole.find(secret) != std::string::npos) {
    std::abort(); // a raw secret survived
  }
  return 0;
}

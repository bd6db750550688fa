#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <gtest/gtest.h>

using namespace hb;

TEST(Sha256, FipsVectors)
{
  EXPECT_EQ(fs::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(fs::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(fs::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(fs::sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ChunkingDoesNotMatter)
{
  std::string data(1000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  Sha256 whole;
  whole.update(data.data(), data.size());
  Sha256 pieces;
  for (size_t i = 0; i < data.size(); i += 37) {
    pieces.update(data.data() + i, std::min<size_t>(37, data.size() - i));
  }
  EXPECT_EQ(whole.hex(), pieces.hex());
}

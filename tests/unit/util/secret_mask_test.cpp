#include "util/json.hpp"
#include "util/secret_mask.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace hb;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_secret = "s3cr3t-P@ss w/rd";

std::string
base64(std::string_view bytes)
{
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16)
                 | (static_cast<unsigned char>(bytes[i + 1]) << 8)
                 | static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 0x3f];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 0x3f];
    out += alphabet[(v >> 12) & 0x3f];
    out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 0x3f] : '=';
    out += '=';
  }
  return out;
}

} // namespace

TEST(SecretMask, RawValueIsMaskedEverywhere)
{
  SecretMasker m({k_secret});
  EXPECT_EQ(m.mask(std::string("token=") + k_secret + "; again " + k_secret + k_secret),
            "token=***; again ******");
  EXPECT_EQ(m.mask("nothing to hide"), "nothing to hide");
}

TEST(SecretMask, EmptySecretsAreIgnored)
{
  SecretMasker none({"", ""});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.mask("text"), "text");
}

TEST(SecretMask, Base64FormsAreMaskedAtEveryAlignment)
{
  // A secret inside an encoded payload (Basic auth, a JSON blob) starts at
  // any byte offset; each offset gives different base64 characters.
  SecretMasker m({k_secret});
  for (std::string prefix : {"", "u", "us", "usr", "user:", "longer user name:"}) {
    const std::string encoded = base64(prefix + k_secret + "!tail");
    const std::string masked = m.mask("Authorization: Basic " + encoded);
    EXPECT_THAT(masked, HasSubstr("***")) << "prefix '" << prefix << "': " << encoded;
    EXPECT_LT(masked.size(), std::string("Authorization: Basic " + encoded).size());
  }
  // URL-safe base64 as well.
  std::string url = base64(k_secret);
  std::replace(url.begin(), url.end(), '+', '-');
  std::replace(url.begin(), url.end(), '/', '_');
  EXPECT_THAT(m.mask("jwt=" + url), HasSubstr("***"));
}

TEST(SecretMask, PercentEncodedFormsAreMasked)
{
  SecretMasker m({k_secret});
  EXPECT_EQ(m.mask("https://x.test/?p=s3cr3t-P%40ss%20w%2Frd&q=1"), "https://x.test/?p=***&q=1");
  EXPECT_EQ(m.mask("p=s3cr3t-P%40ss+w%2Frd"), "p=***");
  EXPECT_EQ(m.mask("p=s3cr3t-P%40ss%20w%2frd"), "p=***") << "lower-case hex";
}

TEST(SecretMask, SecretSplitAcrossWritesIsStillMasked)
{
  SecretMasker m({k_secret, "another-one"});
  const std::string text = std::string("log line 1\nthe password is ") + k_secret
                           + " and the key another-one.\n";
  const std::string expected = m.mask(text);
  ASSERT_THAT(expected, Not(HasSubstr(k_secret)));
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SecretMasker::Stream stream(m);
    std::string out = stream.feed(text.substr(0, cut));
    out += stream.feed(text.substr(cut));
    out += stream.finish();
    EXPECT_EQ(out, expected) << "split at " << cut;
  }
  // One byte per write.
  SecretMasker::Stream stream(m);
  std::string out;
  for (char c : text) out += stream.feed(std::string_view(&c, 1));
  out += stream.finish();
  EXPECT_EQ(out, expected);
}

TEST(SecretMask, StreamEmitsWhatCannotBeASecretAtOnce)
{
  SecretMasker m({"abcdef"});
  SecretMasker::Stream stream(m);
  // Held back: at most the longest form's length minus one.
  const std::string out = stream.feed(std::string(100, 'x'));
  EXPECT_GE(out.size(), 100 - m.patterns().front().size());
  EXPECT_EQ(out + stream.finish(), std::string(100, 'x'));
}

TEST(SecretMask, SecretNamedKeysAreRecognised)
{
  for (const char* key : {"password", "DB_PASSWORD", "api_key", "apiKey", "API-KEY", "github_token",
                          "client_secret", "aws_credentials", "Authorization", "private_key",
                          "session_cookie", "passwd"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
  for (const char* key : {"name", "path", "api", "key", "author", "pass_rate"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
}

TEST(SecretMask, RedactSecretsWalksEveryLevel)
{
  SecretMasker m({k_secret});
  Json in = {{"name", "deploy"},
             {"env", {{"API_TOKEN", "abc"}, {"HOME", "/root"}}},
             {"args", {"--password", k_secret}},
             {"nested", {{"list", {{{"secret", 1}}, std::string("x") + k_secret}}}}};
  Json out = redact_secrets(in, m);
  EXPECT_EQ(out["name"], "deploy");
  EXPECT_EQ(out["env"]["API_TOKEN"], "***");
  EXPECT_EQ(out["env"]["HOME"], "/root");
  EXPECT_EQ(out["args"][1], "***");
  EXPECT_EQ(out["nested"]["list"][0]["secret"], "***");
  EXPECT_EQ(out["nested"]["list"][1], "x***");
  EXPECT_THAT(dump_json(out), Not(HasSubstr(k_secret)));
}

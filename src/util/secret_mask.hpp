#pragma once
// Keeps secret values out of everything homeboy writes: captured logs,
// metadata and error text. A secret is masked as "***" in its raw form, in
// its base64 forms (standard and URL-safe, at each of the three byte
// alignments it can have inside a longer encoded payload) and in its
// percent-encoded forms.

#include "util/json_fwd.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

inline constexpr std::string_view k_secret_mask = "***";

class SecretMasker
{
public:
  SecretMasker() = default;
  /// Empty values are ignored.
  explicit SecretMasker(const std::vector<std::string>& secrets);

  bool empty() const { return m_patterns.empty(); }

  /// `text` with every occurrence of a secret form replaced by "***". At each
  /// position the longest form that matches wins; matching resumes after it.
  std::string mask(std::string_view text) const;

  /// Masks text that arrives in pieces (a process's output): a secret split
  /// across two writes is still masked. The concatenated output of feed()
  /// and finish() equals mask() of the concatenated input.
  class Stream
  {
  public:
    explicit Stream(const SecretMasker& masker) : m_masker(&masker) {}
    /// What can be emitted now; holds back fewer bytes than the longest form.
    std::string feed(std::string_view chunk);
    /// The rest, at the end of the input.
    std::string finish();

  private:
    const SecretMasker* m_masker;
    std::string m_pending;
  };

  /// Every form that is masked, longest first (for tests and diagnostics).
  const std::vector<std::string>& patterns() const { return m_patterns; }

private:
  // Masks `text` from the start. Unless `final`, stops at the first position
  // where a form could still need bytes that have not arrived; `consumed`
  // says how far it got.
  std::string mask_until(std::string_view text, bool final, std::size_t& consumed) const;

  std::vector<std::string> m_patterns; // longest first
  std::size_t m_longest = 0;
  bool m_first_byte[256] = {};
};

/// True for metadata keys that name a secret: secret, token, password,
/// passwd, credential, api key (api_key, apiKey, api-key), private key,
/// authorization, cookie; case-insensitive, anywhere in the key.
bool is_secret_key(std::string_view key);

/// A copy of `value` with the values of secret-named keys, at any depth,
/// replaced by "***", and every string masked by `masker`.
Json redact_secrets(const Json& value, const SecretMasker& masker);

} // namespace hb

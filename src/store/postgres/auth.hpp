#pragma once
// The password exchanges of PostgreSQL's protocol for the built-in client
// (session.hpp): the MD5 answer and a SCRAM-SHA-256 client (RFC 5802 and
// 7677, without channel binding: the built-in client has no TLS).

#include <optional>
#include <string>
#include <string_view>

namespace hb::postgres {

/// The answer to an MD5 password request: "md5" + md5hex(md5hex(password
/// + user) + salt).
std::string md5_password(std::string_view user, std::string_view password, std::string_view salt);

/// One SCRAM-SHA-256 exchange.
class ScramClient
{
public:
  /// `nonce` empty: a fresh random one. `user` is empty for PostgreSQL
  /// (the server takes the user from the start-up message).
  ScramClient(std::string password, std::string nonce = {}, std::string user = {});

  /// The client-first-message (with its "n,," header).
  std::string first() const;
  /// The client-final-message answering `server_first`; nullopt with
  /// `error` when the server's message is malformed or its nonce is not ours.
  std::optional<std::string> final(std::string_view server_first, std::string& error);
  /// Whether `server_final` proves the server knew the password.
  bool verify(std::string_view server_final, std::string& error) const;

private:
  std::string m_password;
  std::string m_nonce;
  std::string m_user;
  std::string m_server_signature; // raw bytes, known after final()
};

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

} // namespace hb::postgres

#pragma once
// The built-in PostgreSQL client (session.hpp): protocol 3.0 over a Unix
// socket or plain TCP, trust / password / MD5 / SCRAM-SHA-256.

#include "store/postgres/conninfo.hpp"
#include "store/postgres/session.hpp"

#include <memory>
#include <string>

namespace hb::postgres {

/// What one connection attempt of the built-in client came to: a session;
/// or `error` (the server refused, or is unreachable), worded as libpq
/// words it; or `unsupported`, what libpq must handle (the server offers
/// TLS, asks for Kerberos, ...).
struct WireAttempt
{
  std::unique_ptr<Session> session;
  std::string error;
  std::string unsupported;
};

/// Connects with complete `options` (conninfo.hpp complete(), for which
/// needs_libpq() found nothing).
WireAttempt open_wire(const ConnOptions& options);

} // namespace hb::postgres

#pragma once
// A PostgreSQL connection URL read as libpq reads it, for the built-in
// client (session.hpp): the URL's keywords, then homeboy's defaults, then
// the PG* environment, then libpq's own defaults. What the built-in client
// cannot serve is named, so the caller hands the URL to libpq instead.

#include <map>
#include <optional>
#include <string>

namespace hb::postgres {

using ConnOptions = std::map<std::string, std::string>;

/// The keywords of a postgres:// or postgresql:// URI, percent-decoded;
/// nullopt with `error` set when it is not one this parser reads (a
/// keyword=value string, several hosts): libpq's parser decides then.
std::optional<ConnOptions> parse_uri(const std::string& url, std::string& error);

/// `options` completed as libpq would: `defaults` where the URL is silent,
/// then PGHOST, PGPORT, PGUSER, PGDATABASE, PGOPTIONS, PGAPPNAME,
/// PGCONNECT_TIMEOUT, PGSSLMODE, PGGSSENCMODE, PGPASSFILE, then the
/// built-in defaults (the Unix socket directory, port 5432, the OS user).
ConnOptions complete(ConnOptions options, const ConnOptions& defaults);

/// Why the built-in client cannot serve `options` (complete ones), or
/// nullopt when it can: TLS required, keywords or environment it does not
/// handle, Kerberos credentials that libpq would use.
std::optional<std::string> needs_libpq(const ConnOptions& options);

/// The password libpq would send for `options`: PGPASSWORD, else the
/// first matching line of the password file (`passfile`, PGPASSFILE or
/// ~/.pgpass), which is ignored with a warning on stderr unless it is a
/// regular file no one else can read. Empty when none matches.
std::string find_password(const ConnOptions& options);

/// Whether `host` names a Unix socket directory rather than a host.
inline bool
is_socket_dir(const std::string& host)
{
  return !host.empty() && host.front() == '/';
}

} // namespace hb::postgres

#pragma once
// The PostgreSQL backend of sql::Connection, over libpq: one session to a
// server that many hosts share (docs/fleet.md).
//
// What it does for the shared SQL: `?`/`?N` placeholders become `$N`;
// integers and reals are sent typed (int8, float8), text untyped so the
// server infers it from the column, blobs as binary bytea. Write
// transactions are SERIALIZABLE (or READ COMMITTED when asked), retried
// from the start on a serialization failure or deadlock (`store.busy`) and
// on a connection lost before COMMIT was sent (reconnecting first); a lost
// COMMIT is reported as such, never retried. Errors: `store.unique`
// (unique_violation), `store.busy`, `store.unavailable` (no connection),
// `store.failed`.

#include "store/sql/db.hpp"

#include <string>

namespace hb::postgres {

/// Connects to `url` (a postgres:// or postgresql:// URI, without a
/// password: libpq reads it from PGPASSFILE or ~/.pgpass, which it ignores
/// unless 0600). Gives up after 5 s unless the URL sets connect_timeout.
/// Errors name the server and say what to check.
Result<sql::Db> open_connection(const std::string& url);

/// The URL as messages show it: user@host:port/db.
std::string describe_url(const std::string& url);

} // namespace hb::postgres

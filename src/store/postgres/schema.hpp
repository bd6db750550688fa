#pragma once
// The PostgreSQL store's schema and its migrations (schema.cpp).

#include "store/sql/db.hpp"

namespace hb::postgres {

/// The schema version this build writes (the same numbers as SQLite's).
int schema_version();

/// The version the database holds (0: none yet), without changing it.
Result<int> stored_version(sql::Db& db);

/// Brings the database to schema_version() under an advisory lock (one
/// host at a time), in one transaction; a database newer than this build is
/// `store.too_new`, and nothing is written.
Result<void> migrate(sql::Db& db);

} // namespace hb::postgres

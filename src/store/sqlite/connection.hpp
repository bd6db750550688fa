#pragma once
// The SQLite backend of sql::Connection: one file in WAL mode.

#include "store/sql/db.hpp"

#include <filesystem>

namespace hb::sqlite {

/// Opens or creates the database with WAL, synchronous=NORMAL,
/// foreign_keys=ON and a busy timeout. Write transactions are BEGIN
/// IMMEDIATE, retried with backoff while another process writes (up to
/// $HOMEBOY_STORE_BUSY_TIMEOUT_MS, default 30 s).
Result<sql::Db> open_connection(const std::filesystem::path& path);

} // namespace hb::sqlite

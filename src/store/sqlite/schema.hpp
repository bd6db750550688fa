#pragma once

#include "store/sql/db.hpp"

namespace hb::sqlite {

/// The schema version this build writes.
int schema_version();

/// Brings the database to schema_version(), one migration at a time, inside a
/// write transaction; a database newer than this build is an error.
Result<void> migrate(sql::Db& db);

} // namespace hb::sqlite

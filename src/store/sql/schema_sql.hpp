#pragma once
// The store's migrations, shared by both backends (schema_sql.cpp).

#include "store/sql/db.hpp"

#include <string>

namespace hb::sql {

/// How many migrations there are: the schema version they reach.
int migration_count();

/// Migration `index` (0-based: it moves version index to index + 1) in
/// `backend`'s dialect.
std::string migration_sql(int index, Backend backend);

} // namespace hb::sql

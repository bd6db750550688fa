// The SQLite store's schema version (PRAGMA user_version) and its
// migration, the shared list (store/sql/schema_sql.cpp) in SQLite's words.

#include "store/sqlite/schema.hpp"
#include "store/sql/schema_sql.hpp"

#include <fmt/core.h>

namespace hb::sqlite {

int
schema_version()
{
  return sql::migration_count();
}

Result<void>
migrate(sql::Db& db)
{
  const int k_version = schema_version();
  auto read_version = [&]() -> Result<int> {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    auto row = stmt->step();
    if (!row) {
      return Unexpected(row.error());
    }
    return static_cast<int>(stmt->int64(0));
  };
  auto current = read_version();
  if (!current) {
    return Unexpected(current.error());
  }
  if (*current == k_version) {
    return {};
  }
  if (*current > k_version) {
    return make_error("store.too_new",
                      fmt::format("observation store {} has schema version {}, newer than this "
                                  "homeboy understands ({}); upgrade homeboy",
                                  db.describe(), *current, k_version));
  }
  // Migrate under the write lock; re-read the version inside, since another
  // process may have migrated while we waited.
  return db.write_transaction([&]() -> Result<void> {
    auto version = read_version();
    if (!version) {
      return Unexpected(version.error());
    }
    for (int v = *version; v < k_version; ++v) {
      if (auto ok = db.exec(sql::migration_sql(v, sql::Backend::sqlite)); !ok) {
        return ok;
      }
    }
    return db.exec(fmt::format("PRAGMA user_version = {}", k_version));
  });
}

} // namespace hb::sqlite

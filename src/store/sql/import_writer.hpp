#pragma once
// The ImportWriter of the SQLite store (Store::import_transaction).
// Internal to store/sqlite.

#include "store/sql/db.hpp"
#include "store/store.hpp"

#include <memory>

namespace hb::sql {

/// A writer whose statements run on `db`, inside the caller's write
/// transaction; it must not outlive that transaction.
std::unique_ptr<ImportWriter> make_import_writer(Db& db);

} // namespace hb::sql

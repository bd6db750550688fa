// The PostgreSQL store's schema: the shared migrations (store/sql/
// schema_sql.cpp, in PostgreSQL's types) plus what SQLite has and
// PostgreSQL lacks: the JSON functions the shared SQL calls, and a NOTIFY
// trigger on runs. The version is kept in homeboy_schema; migrations run
// under an advisory lock, so two hosts never migrate at once.

#include "store/postgres/schema.hpp"
#include "store/sql/schema_sql.hpp"

#include <fmt/core.h>

namespace hb::postgres {

namespace {

// What PostgreSQL needs beyond the shared migrations, added to the first:
// SQLite's JSON functions that the shared SQL calls (before the tables),
// and the trigger that wakes every host's workers (after them).
constexpr const char* k_functions = R"sql(
-- SQLite's JSON functions that the shared SQL calls, on text (docs/fleet.md).
CREATE FUNCTION json_valid(doc text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
  PERFORM doc::jsonb;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $f$;
CREATE FUNCTION json_type(doc text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $f$ SELECT jsonb_typeof(doc::jsonb) $f$;
-- json_object(key, value) with one text pair (PostgreSQL's own take arrays),
-- compact as SQLite writes it.
CREATE FUNCTION json_object(key text, value text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $f$ SELECT '{' || to_json(key)::text || ':' || to_json(value)::text || '}' $f$;
-- RFC 7396 merge patch, as SQLite's json_patch: the target's keys keep their
-- order, new keys follow in the patch's order, and the text stays compact
-- (the json type keeps values as written; jsonb would sort the keys).
CREATE FUNCTION homeboy_merge_patch(target json, patch json) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
  result text := '';
  k text;
  v json;
  p json;
BEGIN
  IF patch IS NULL OR json_typeof(patch) <> 'object' THEN
    RETURN patch;
  END IF;
  IF target IS NULL OR json_typeof(target) <> 'object' THEN
    target := '{}'::json;
  END IF;
  FOR k, v IN SELECT key, value FROM json_each(target) LOOP
    p := patch -> k;
    IF p IS NULL THEN
      result := result || CASE WHEN result = '' THEN '' ELSE ',' END || to_json(k)::text || ':' || v::text;
    ELSIF json_typeof(p) <> 'null' THEN
      result := result || CASE WHEN result = '' THEN '' ELSE ',' END || to_json(k)::text || ':'
                || homeboy_merge_patch(v, p)::text;
    END IF;
  END LOOP;
  FOR k, v IN SELECT key, value FROM json_each(patch) LOOP
    IF target -> k IS NULL AND json_typeof(v) <> 'null' THEN
      result := result || CASE WHEN result = '' THEN '' ELSE ',' END || to_json(k)::text || ':'
                || homeboy_merge_patch(NULL, v)::text;
    END IF;
  END LOOP;
  RETURN ('{' || result || '}')::json;
END $f$;
CREATE FUNCTION json_patch(target text, patch text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $f$ SELECT homeboy_merge_patch(target::json, patch::json)::text $f$;
)sql";

constexpr const char* k_notify = R"sql(
-- Every statement that may change a run's status wakes the workers and
-- waiters of every host (store/postgres/listener.cpp); one notification per
-- transaction, however many rows (the server merges equal ones).
CREATE FUNCTION homeboy_notify_runs() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM pg_notify('homeboy_runs', '');
  RETURN NULL;
END $f$;
CREATE TRIGGER runs_notify AFTER INSERT OR UPDATE OF status ON runs
  FOR EACH STATEMENT EXECUTE FUNCTION homeboy_notify_runs();
)sql";

/// Migration `index` in PostgreSQL's words, with its additions.
std::string
migration(int index)
{
  std::string sql = sql::migration_sql(index, sql::Backend::postgres);
  return index == 0 ? k_functions + sql + k_notify : sql;
}

const int k_version = sql::migration_count();

/// The advisory lock every migrating host takes (any fixed 64-bit number).
constexpr long long k_migration_lock = 0x686f6d65626f79LL; // "homeboy"

} // namespace

int
schema_version()
{
  return k_version;
}

Result<int>
stored_version(sql::Db& db)
{
  // One round trip: a database without the table has no schema yet.
  auto stmt = db.prepare("SELECT coalesce(max(version), 0) FROM homeboy_schema");
  if (!stmt) return Unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) {
    if (row.error().code == "store.undefined_table") return 0;
    return Unexpected(row.error());
  }
  return static_cast<int>(stmt->int64(0));
}

Result<void>
migrate(sql::Db& db)
{
  auto too_new = [&](int version) {
    return make_error("store.too_new",
                      fmt::format("observation store {} has schema version {}, newer than this "
                                  "homeboy understands ({}); it refuses to write to it. Upgrade "
                                  "homeboy on this host to the version the other hosts run",
                                  db.describe(), version, k_version));
  };
  // The common case, every command's open: the schema is current. Two
  // reads, no lock, no transaction.
  auto current = stored_version(db);
  if (!current) return Unexpected(current.error());
  if (*current == k_version) return {};
  if (*current > k_version) return too_new(*current);
  // READ COMMITTED: after waiting for the lock, the version another host
  // committed meanwhile must be visible.
  return db.write_transaction(
    [&]() -> Result<void> {
      if (auto locked = db.exec(fmt::format("SELECT pg_advisory_xact_lock({})", k_migration_lock));
          !locked) {
        return locked;
      }
      // Inside the transaction the table must exist before it is read (a
      // failed statement would end the transaction).
      if (auto made = db.exec("CREATE TABLE IF NOT EXISTS homeboy_schema (version BIGINT NOT NULL)");
          !made) {
        return made;
      }
      auto version = stored_version(db);
      if (!version) return Unexpected(version.error());
      if (*version > k_version) return too_new(*version);
      for (int v = *version; v < k_version; ++v) {
        if (auto ok = db.exec(migration(v)); !ok) {
          Error err = ok.error();
          err.message = fmt::format("migrating to schema version {}: {}", v + 1, err.message);
          return Unexpected(err);
        }
      }
      if (*version == k_version) return {};
      if (auto ok = db.exec("DELETE FROM homeboy_schema"); !ok) return ok;
      return db.exec(fmt::format("INSERT INTO homeboy_schema (version) VALUES ({})", k_version));
    },
    sql::Isolation::read_committed);
}

} // namespace hb::postgres

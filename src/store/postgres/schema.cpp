// The PostgreSQL store's schema: the same tables, indexes and version
// numbers as SQLite's (store/sqlite/schema.cpp), in PostgreSQL's types
// (BIGINT, DOUBLE PRECISION, BYTEA; text compared bytewise, COLLATE "C", as
// SQLite's BINARY), plus what SQLite has and PostgreSQL lacks: the JSON
// functions the shared SQL calls and a `rowid` on the tables read in
// insertion order. The version is kept in homeboy_schema; migrations run
// under an advisory lock, so two hosts never migrate at once.

#include "store/postgres/schema.hpp"

#include <fmt/core.h>

namespace hb::postgres {

namespace {

// Each entry moves the schema from version i to i + 1, as SQLite's entry i
// does. Never edit a shipped entry: append a new one (to both lists).
const char* const k_migrations[] = {
  // 1: runs of every kind with lifecycle and retention columns, and their
  // evidence. Times are integer ms since the epoch (UTC).
  R"sql(
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
CREATE TABLE runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  kind TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  component_id TEXT COLLATE "C",
  rig_id TEXT COLLATE "C",
  command TEXT COLLATE "C",
  cwd TEXT COLLATE "C",
  git_sha TEXT COLLATE "C",
  homeboy_version TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  heartbeat_at BIGINT,
  lease_owner TEXT COLLATE "C",
  lease_epoch BIGINT NOT NULL DEFAULT 0,
  deadline_at BIGINT,
  cancel_requested_at BIGINT,
  terminal_reason TEXT COLLATE "C",
  exit_code BIGINT,
  owner_pid BIGINT,
  owner_start_time BIGINT,
  eligible_at BIGINT,
  retained_until BIGINT,
  promoted_at BIGINT,
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_time ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_kind ON runs (kind, created_at DESC, id DESC);
CREATE INDEX runs_by_component ON runs (component_id, created_at DESC, id DESC);
CREATE INDEX runs_by_rig ON runs (rig_id, created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);

CREATE TABLE run_scenarios (
  scenario_id TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  PRIMARY KEY (scenario_id, created_at, run_id)
);
CREATE INDEX run_scenarios_by_run ON run_scenarios (run_id);

CREATE TABLE metrics (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  scenario_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  samples BYTEA,
  PRIMARY KEY (run_id, scenario_id, name)
);

CREATE TABLE artifacts (
  id TEXT COLLATE "C" PRIMARY KEY,
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  path TEXT COLLATE "C",
  url TEXT COLLATE "C",
  sha256 TEXT COLLATE "C",
  size_bytes BIGINT,
  mime TEXT COLLATE "C",
  label TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX artifacts_by_run ON artifacts (run_id, created_at);

CREATE TABLE findings (
  id TEXT COLLATE "C" PRIMARY KEY,
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tool TEXT COLLATE "C" NOT NULL,
  rule TEXT COLLATE "C",
  category TEXT COLLATE "C",
  severity TEXT COLLATE "C",
  message TEXT COLLATE "C" NOT NULL,
  file TEXT COLLATE "C",
  line BIGINT,
  column_number BIGINT,
  fingerprint TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX findings_by_run ON findings (run_id, created_at);
CREATE INDEX findings_by_time ON findings (created_at DESC, id DESC);

CREATE TABLE trace_spans (
  id TEXT COLLATE "C" PRIMARY KEY,
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  span_id TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  duration_ms DOUBLE PRECISION,
  from_event TEXT COLLATE "C",
  to_event TEXT COLLATE "C",
  message TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX trace_spans_by_run ON trace_spans (run_id);

CREATE TABLE events (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  data TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, seq)
);
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
)sql",
  // 2: the registry's per-run liveness limits (DESIGN.md "Run lifecycle").
  R"sql(
ALTER TABLE runs ADD COLUMN start_timeout_ms BIGINT;
ALTER TABLE runs ADD COLUMN timeout_ms BIGINT;
ALTER TABLE runs ADD COLUMN heartbeat_timeout_ms BIGINT;
)sql",
  // 3 (retention): `runs cleanup`'s candidates, oldest first. Partial: only
  // terminal runs that are not promoted, so promoted and active runs cost
  // the plan nothing however many there are.
  R"sql(
CREATE INDEX runs_by_retention ON runs (COALESCE(finished_at, created_at), id)
  WHERE promoted_at IS NULL AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled');
)sql",
  // 4 (daemon): every run's events in time order, for the daemon's event
  // stream (/api/v1/events) and its Last-Event-ID resume.
  R"sql(
CREATE INDEX events_by_at ON events (at, seq, run_id);
)sql",
  // 5 (attempts, issue 19): a run's attempt number and, for an automatic
  // retry, the earliest time a worker may start it; every earlier attempt
  // of a run, kept as it ended. Self-contained: touches only these columns
  // and this table.
  R"sql(
ALTER TABLE runs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN retry_at BIGINT;
CREATE TABLE run_attempts (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt BIGINT NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  terminal_reason TEXT COLLATE "C",
  exit_code BIGINT,
  started_at BIGINT,
  finished_at BIGINT,
  lease_owner TEXT COLLATE "C",
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, attempt)
);
)sql",
  // 6 (schedules, issue 16): schedules, each slot recorded once (the
  // primary key is what makes a slot fire at most once), and named leases
  // (the scheduler's: one daemon fires at a time).
  R"sql(
CREATE TABLE schedules (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  cron TEXT COLLATE "C" NOT NULL,
  timezone TEXT COLLATE "C" NOT NULL,
  catch_up TEXT COLLATE "C" NOT NULL,
  paused BIGINT NOT NULL DEFAULT 0,
  recipe TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  cursor_at BIGINT NOT NULL
);
CREATE TABLE schedule_slots (
  schedule_id TEXT COLLATE "C" NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  slot_at BIGINT NOT NULL,
  outcome TEXT COLLATE "C" NOT NULL,
  run_id TEXT COLLATE "C",
  reason TEXT COLLATE "C",
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (schedule_id, slot_at)
);
CREATE TABLE leases (
  name TEXT COLLATE "C" PRIMARY KEY,
  holder TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL
);
)sql",
};

constexpr int k_version = static_cast<int>(sizeof(k_migrations) / sizeof(k_migrations[0]));

/// The advisory lock every migrating host takes (any fixed 64-bit number).
constexpr long long k_migration_lock = 0x686f6d65626f79LL; // "homeboy"

Result<int>
read_version(sql::Db& db)
{
  if (auto made = db.exec("CREATE TABLE IF NOT EXISTS homeboy_schema (version BIGINT NOT NULL)");
      !made) {
    return Unexpected(made.error());
  }
  auto stmt = db.prepare("SELECT coalesce(max(version), 0) FROM homeboy_schema");
  if (!stmt) return Unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return Unexpected(row.error());
  return static_cast<int>(stmt->int64(0));
}

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
      auto version = read_version(db);
      if (!version) return Unexpected(version.error());
      if (*version > k_version) return too_new(*version);
      for (int v = *version; v < k_version; ++v) {
        if (auto ok = db.exec(k_migrations[v]); !ok) {
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

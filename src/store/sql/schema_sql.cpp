// The store's schema, one list of migrations for both backends: written in
// SQLite's words, and said in PostgreSQL's by a few named substitutions
// (migration_sql). Each backend keeps its version where it keeps it and
// runs these in order (store/sqlite/schema.cpp, store/postgres/schema.cpp).

#include "store/sql/schema_sql.hpp"

#include <regex>

namespace hb::sql {

namespace {

// Each entry moves the schema from version i to i + 1. Never edit a shipped
// entry: append a new one. Written in SQLite's words; migration_sql() says
// them in PostgreSQL's.
const char* const k_migrations[] = {
  // 1: runs of every kind with lifecycle and retention columns, and their
  // evidence. Times are integer ms since the epoch (UTC).
  R"sql(
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  component_id TEXT,
  rig_id TEXT,
  command TEXT,
  cwd TEXT,
  git_sha TEXT,
  homeboy_version TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  heartbeat_at INTEGER,
  lease_owner TEXT,
  lease_epoch INTEGER NOT NULL DEFAULT 0,
  deadline_at INTEGER,
  cancel_requested_at INTEGER,
  terminal_reason TEXT,
  exit_code INTEGER,
  owner_pid INTEGER,
  owner_start_time INTEGER,
  eligible_at INTEGER,
  retained_until INTEGER,
  promoted_at INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_time ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_kind ON runs (kind, created_at DESC, id DESC);
CREATE INDEX runs_by_component ON runs (component_id, created_at DESC, id DESC);
CREATE INDEX runs_by_rig ON runs (rig_id, created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);

CREATE TABLE run_scenarios (
  scenario_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  PRIMARY KEY (scenario_id, created_at, run_id)
) WITHOUT ROWID;
CREATE INDEX run_scenarios_by_run ON run_scenarios (run_id);

CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  scenario_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  samples BLOB,
  PRIMARY KEY (run_id, scenario_id, name)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  type TEXT NOT NULL,
  path TEXT,
  url TEXT,
  sha256 TEXT,
  size_bytes INTEGER,
  mime TEXT,
  label TEXT,
  created_at INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'{ROWID}
);
CREATE INDEX artifacts_by_run ON artifacts (run_id, created_at);

CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tool TEXT NOT NULL,
  rule TEXT,
  category TEXT,
  severity TEXT,
  message TEXT NOT NULL,
  file TEXT,
  line INTEGER,
  column_number INTEGER,
  fingerprint TEXT,
  created_at INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX findings_by_run ON findings (run_id, created_at);
CREATE INDEX findings_by_time ON findings (created_at DESC, id DESC);

CREATE TABLE trace_spans (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  span_id TEXT NOT NULL,
  status TEXT NOT NULL,
  duration_ms REAL,
  from_event TEXT,
  to_event TEXT,
  message TEXT,
  created_at INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'{ROWID}
);
CREATE INDEX trace_spans_by_run ON trace_spans (run_id);

CREATE TABLE events (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
)sql",
  // 2: the registry's per-run liveness limits (DESIGN.md "Run lifecycle").
  R"sql(
ALTER TABLE runs ADD COLUMN start_timeout_ms INTEGER;
ALTER TABLE runs ADD COLUMN timeout_ms INTEGER;
ALTER TABLE runs ADD COLUMN heartbeat_timeout_ms INTEGER;
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
ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN retry_at INTEGER;
CREATE TABLE run_attempts (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  terminal_reason TEXT,
  exit_code INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  lease_owner TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, attempt)
) WITHOUT ROWID;
)sql",
  // 6 (schedules, issue 16): schedules, each slot recorded once (the
  // primary key is what makes a slot fire at most once), and named leases
  // (the scheduler's: one daemon fires at a time).
  R"sql(
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  catch_up TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  recipe TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  cursor_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE schedule_slots (
  schedule_id TEXT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  slot_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  run_id TEXT,
  reason TEXT,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, slot_at)
) WITHOUT ROWID;
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

} // namespace

int
migration_count()
{
  return static_cast<int>(sizeof(k_migrations) / sizeof(k_migrations[0]));
}

std::string
migration_sql(int index, Backend backend)
{
  std::string sql = k_migrations[index];
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = 0; (at = sql.find(from, at)) != std::string::npos; at += to.size()) {
      sql.replace(at, from.size(), to);
    }
  };
  if (backend == Backend::sqlite) {
    replace_all("{ROWID}", "");
    return sql;
  }
  // PostgreSQL: 64-bit integers, doubles and bytea; text compared bytewise
  // as SQLite's BINARY does (keyset paging and id prefixes depend on it);
  // no WITHOUT ROWID; and, where SQLite's implicit rowid gives insertion
  // order, a column of that name.
  sql = std::regex_replace(sql, std::regex("\\bINTEGER\\b"), "BIGINT");
  sql = std::regex_replace(sql, std::regex("\\bREAL\\b"), "DOUBLE PRECISION");
  sql = std::regex_replace(sql, std::regex("\\bBLOB\\b"), "BYTEA");
  sql = std::regex_replace(sql, std::regex("\\bTEXT\\b"), "TEXT COLLATE \"C\"");
  replace_all(" WITHOUT ROWID", "");
  replace_all("{ROWID}", ",\n  rowid BIGINT GENERATED ALWAYS AS IDENTITY");
  return sql;
}

} // namespace hb::sql

# Sourced by the daemon's and the Studio's benchmarks (daemon_perf.sh,
# studio_perf.sh): seed_runs STORE N fills a store homeboy created with N
# finished runs (two thirds bench, one third task, 2 % failed, one a second
# apart, each with its first event) in one transaction of plain SQL, and
# prints how long it took.
seed_runs() {
  local store=$1 runs=$2 t0 t1 NOW_MS
  echo "seeding $runs runs ..."
  t0=$(date +%s.%N)
  NOW_MS=$(($(date +%s) * 1000))
  sqlite3 "$store" <<SQL
.timeout 5000
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $runs)
INSERT INTO runs (id, kind, status, component_id, rig_id, command, cwd, homeboy_version,
                  created_at, started_at, finished_at, heartbeat_at, exit_code, terminal_reason,
                  metadata)
SELECT printf('%08x-%04x-4%03x-8%03x-%012x', i, i % 65536, i % 4096, (i * 7) % 4096, i * 2654435761 % 281474976710656),
       CASE WHEN i % 3 = 0 THEN 'task' ELSE 'bench' END,
       CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
       'component-' || (i % 20),
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'rig-' || (i % 5) END,
       'homeboy bench component-' || (i % 20) || ' --iterations 10',
       '/srv/work/component-' || (i % 20),
       '0.1.0',
       $NOW_MS - ($runs - i) * 1000,
       $NOW_MS - ($runs - i) * 1000 + 5,
       $NOW_MS - ($runs - i) * 1000 + 900,
       $NOW_MS - ($runs - i) * 1000 + 800,
       CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN i % 50 = 0 THEN 'exit_code' ELSE 'exit_code' END,
       '{"labels":{"branch":"main"},"name":"nightly"}'
FROM n;
INSERT INTO events (run_id, seq, at, type, data)
SELECT id, 1, created_at, 'queued', '{}' FROM runs;
COMMIT;
SQL
  t1=$(date +%s.%N)
  python3 -c 'import sys; print(f"seeded in {float(sys.argv[2]) - float(sys.argv[1]):.1f} s ({sys.argv[3]})")' "$t0" "$t1" "$(du -h "$store" | cut -f1)"
}

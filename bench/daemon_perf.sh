#!/usr/bin/env bash
# The daemon's performance targets (issue 16, figures in bench/RESULTS.md):
# with 1,000,000 runs in the store, GET /api/v1/runs (20 rows) p99 <= 20 ms
# and >= 2,000 requests/s; 200 SSE subscribers each see a status change
# within 100 ms of its write; an idle daemon under 1 % of a core; RSS flat
# over 100,000 requests.
#
#   bench/daemon_perf.sh [--build build] [--runs 1000000] [--duration 15] [--keep]
#
# Needs build/homeboy (./scripts/build), sqlite3, python3 and wrk (Debian's
# `wrk`; installed on demand with apt-get if missing). The store is seeded
# with plain SQL in one transaction (about 1 GB in a temporary directory),
# then the measuring part runs under /tmp/hb-build.lock so no build shares
# the machine with it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build
RUNS=1000000
DURATION=15
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--duration SECONDS] [--keep]" >&2; exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
HB="$BUILD/homeboy"
[ -x "$HB" ] || { echo "error: $HB is missing; run ./scripts/build first" >&2; exit 1; }
for tool in sqlite3 python3; do
  command -v $tool >/dev/null || { echo "error: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
  echo "wrk (HTTP load generator) is missing; installing Debian's wrk with apt-get" >&2
  sudo apt-get install -y wrk >/dev/null || { echo "error: install wrk (apt-get install wrk)" >&2; exit 1; }
fi

TMP=$(mktemp -d /tmp/hb-daemon-perf.XXXXXX)
export HOME="$TMP/home" HOMEBOY_DATA_DIR="$TMP/data" NO_COLOR=1
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME
mkdir -p "$HOME" "$HOMEBOY_DATA_DIR" "$TMP/work"
cleanup() {
  "$HB" daemon stop --timeout 10 >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# 1. The store: homeboy creates it (the real schema), SQL fills it.
"$HB" runs list --json >/dev/null
STORE="$HOMEBOY_DATA_DIR/homeboy.sqlite"
[ -f "$STORE" ] || { echo "error: homeboy did not create $STORE" >&2; exit 1; }
. "$ROOT/bench/seed_runs.sh"
seed_runs "$STORE" "$RUNS"

# 2. The daemon. --max-streams 256: the SSE test opens 200 streams (the
# default cap is 8); the request pool is max-streams + 8 threads.
"$HB" daemon start --listen 127.0.0.1:0 --max-streams 256 >/dev/null
STATUS=$("$HB" daemon status --json)
ADDR=$(echo "$STATUS" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("data",d); d=d.get("payload",d); print(d["listen"])')
PID=$(echo "$STATUS" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("data",d); d=d.get("payload",d); print(d["pid"])')
TOKEN=$(cat "$HOME/.config/homeboy/daemon.token")
URL="http://$ADDR"
echo "daemon pid $PID on $URL"
curl_ok() { python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1]).read()' "$1"; }
curl_ok "$URL/api/v1/runs" || { echo "error: the daemon does not answer" >&2; exit 1; }
SOME_ID=$(sqlite3 "$STORE" "SELECT id FROM runs ORDER BY created_at DESC LIMIT 1 OFFSET 5000")
CURSOR=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))["next_cursor"])' "$URL/api/v1/runs?limit=20")

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# A wrk script that rotates over the API's readers (the memory test).
cat >"$TMP/mix.lua" <<LUA
local paths = {"/api/v1/runs", "/api/v1/runs?component=component-3&limit=20",
               "/api/v1/runs?limit=20&after=$CURSOR", "/api/v1/runs/$SOME_ID", "/api/v1/status"}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

# Sends at least N requests of the mix (wrk runs for a time, not a count:
# 2 s rounds until N are done); prints how many were sent.
send_requests() {
  local want=$1 done=0 n
  while [ "$done" -lt "$want" ]; do
    n=$(wrk -t1 -c4 -d2s -s "$TMP/mix.lua" "$URL" | awk '/requests in/ {print $1}')
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "error: wrk sent no requests" >&2; exit 1; }
    done=$((done + n))
  done
  echo "$done"
}

measure() {
  echo
  echo "== runs list (20 rows), ${DURATION} s per run, wrk on loopback"
  curl_ok "$URL/api/v1/runs"
  for conns in 1 4 16; do
    echo "-- $conns connection(s)"
    wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 2s --latency "$URL/api/v1/runs" |
      grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors'
  done
  echo "-- filtered: component=component-7, 4 connections"
  wrk -t1 -c4 -d"${DURATION}s" --timeout 2s --latency "$URL/api/v1/runs?component=component-7" |
    grep -E '99%|Requests/sec|Non-2xx|Socket errors'

  sleep 6 # keep-alive connections time out (5 s)
  echo
  echo "== idle CPU over 15 s"
  c0=$(cpu_ticks); sleep 15; c1=$(cpu_ticks)
  python3 -c "import os,sys; t=os.sysconf('SC_CLK_TCK'); d=int(sys.argv[2])-int(sys.argv[1]); print(f'{d} ticks in 15 s = {100*d/t/15:.2f} % of a core')" "$c0" "$c1"

  echo
  echo "== SSE: 200 subscribers to /api/v1/events, one run queued by POST /api/v1/runs"
  python3 "$ROOT/bench/sse_fanout.py" "$ADDR" "$TOKEN" "$TMP/work" --subscribers 200

  echo
  echo "== memory over 100,000 requests (readers mixed: list, filtered, next page, detail, status)"
  n0=$(send_requests 20000)
  r0=$(rss_kb)
  n1=$(send_requests 50000)
  r1=$(rss_kb)
  n2=$(send_requests 50000)
  r2=$(rss_kb)
  echo "RSS after $n0 warm-up requests: $r0 KiB; after $n1 more: $r1 KiB; after $n2 more: $r2 KiB"
  echo "growth over the last $((n1 + n2)) requests: $((r2 - r0)) KiB"
}

echo "waiting for /tmp/hb-build.lock (no build runs while measuring) ..."
exec 9>/tmp/hb-build.lock
flock 9
measure
flock -u 9

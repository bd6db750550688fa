#!/usr/bin/env bash
# The Studio's performance targets (issue 17, figures in bench/RESULTS.md):
# with 1,000,000 runs in the store, /runs shows its first rows and a run
# detail its header within 300 ms of navigation; the live table keeps up with
# 50 status changes per second without dropping below 30 frames per second;
# the first load's JavaScript and CSS are at most 150 KB gzipped.
#
#   bench/studio_perf.sh [--build build] [--runs 1000000] [--keep]
#
# Needs build/homeboy (./scripts/build), sqlite3, python3, Debian's chromium
# and web/node_modules (./scripts/setup). Times are measured in the browser
# (performance marks and requestAnimationFrame), under /tmp/hb-build.lock so
# no build shares the machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build
RUNS=1000000
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--keep]" >&2; exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
HB="$BUILD/homeboy"
[ -x "$HB" ] || { echo "error: $HB is missing; run ./scripts/build first" >&2; exit 1; }
[ -d "$ROOT/web/node_modules/playwright-core" ] || { echo "error: web/node_modules is missing; run ./scripts/setup" >&2; exit 1; }

TMP=$(mktemp -d /tmp/hb-studio-perf.XXXXXX)
export HOME="$TMP/home" HOMEBOY_DATA_DIR="$TMP/data" NO_COLOR=1
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME
mkdir -p "$HOME" "$HOMEBOY_DATA_DIR"
cleanup() {
  "$HB" daemon stop --timeout 10 >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

echo "== bundle size (first load: index.html, app.js, app.css)"
node "$ROOT/web/build.mjs" --out "$TMP/studio" --sizes

"$HB" runs list --json >/dev/null
STORE="$HOMEBOY_DATA_DIR/homeboy.sqlite"
. "$ROOT/bench/seed_runs.sh"
seed_runs "$STORE" "$RUNS"

"$HB" daemon start --listen 127.0.0.1:0 >/dev/null
ADDR=$("$HB" daemon status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["payload"]["listen"])')
DETAIL_ID=$(sqlite3 "$STORE" "SELECT id FROM runs ORDER BY created_at DESC LIMIT 1 OFFSET 5000")
echo "daemon on http://$ADDR, $RUNS runs"

flock /tmp/hb-build.lock \
  node "$ROOT/bench/studio_perf.mjs" "http://$ADDR" "$DETAIL_ID" "$STORE"

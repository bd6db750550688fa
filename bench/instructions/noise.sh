#!/usr/bin/env bash
# Issue 12, "measures that noise cannot move": instruction counts against
# time on a loaded machine (figures in bench/RESULTS.md, "Issue 12:
# instruction counts").
#
# A baseline of `sha256sum` over a 200000-byte file is saved on the quiet
# machine, counted (--measure instructions, 5 iterations) and timed (10
# iterations). Then this script starts its own load generator (three busy
# loops, `yes > /dev/null`, on the machine's cores) and, under that load,
# compares the unchanged command 3 times each way, then the same command over
# a file 2.1 % larger (2.0 % more instructions) once each way. It stops the
# load generator on every exit path. Everything runs in a scratch HOME and
# data dir; nothing of the caller's is touched.
#
# Usage: bench/instructions/noise.sh [path/to/homeboy]   (default build/homeboy)
# Needs valgrind where the CPU's counters are not exposed (scripts/setup).

set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
homeboy="$(realpath "${1:-$here/../../build/homeboy}")"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/hb-instructions.XXXXXX")"
load_pids=()

stop_load() {
    local pid
    for pid in "${load_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${load_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    load_pids=()
}
cleanup() {
    stop_load
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME="$scratch/home" HOMEBOY_DATA_DIR="$scratch/data"
mkdir -p "$HOME" "$HOMEBOY_DATA_DIR"
cd "$scratch"

# Deterministic data: the same bytes on every machine.
make_data() {
    python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(int(sys.argv[1]))))' "$1" >data.bin
}

# bench <label> <args...>: one `homeboy bench --json`, then one result line:
# label, verdict, median, change, exit code, wall time.
bench() {
    local label="$1"
    shift
    local started ended rc=0
    started="$(date +%s%N)"
    "$homeboy" bench --exec 'hash=sha256sum data.bin' "$@" --json >out.json || rc=$?
    ended="$(date +%s%N)"
    python3 - "$label" "$rc" "$(( (ended - started) / 1000000 ))" <<'PY'
import json, sys
label, rc, ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = json.load(open("out.json"))["data"]["payload"]
m = p["results"]["scenarios"][0]["metrics"]
counter = (p.get("measure") or {}).get("counter", "")
name = "instructions" if "instructions" in m else "wall_ms"
value = m[name]
deltas = [d for s in (p.get("baseline_comparison") or {}).get("scenarios", [])
          for d in s["metric_deltas"] if d["name"] == name]
if deltas:
    d = deltas[0]
    change = "%+.3f %%" % d["delta_pct"] if d.get("delta_pct") is not None else "-"
    verdict = d["verdict"]
else:
    change, verdict = "-", "(baseline saved)"
shown = "%d" % value if name == "instructions" else "%.2f ms" % value
print("| %s | %s | %s | %s | %s | %s | %.1f s |" % (label, name, shown, change, verdict, rc, ms / 1000))
if counter:
    sys.stderr.write("counter: %s\n" % counter)
PY
}

echo "homeboy: $homeboy"
echo "machine: $(nproc) cores, $(uname -r)"
echo
echo "| run | metric | median | change | verdict | exit | wall time |"
echo "|---|---|---|---|---|---|---|"
make_data 200000
bench "quiet, baseline" --measure instructions --iterations 5 --baseline
bench "quiet, baseline" --measure time --iterations 10 --baseline

for _ in 1 2 3; do
    yes >/dev/null &
    load_pids+=("$!")
done
sleep 1 # let the load settle

for i in 1 2 3; do
    bench "loaded, unchanged #$i" --measure instructions --iterations 5
    bench "loaded, unchanged #$i" --measure time --iterations 10
done
make_data 204200 # 2.1 % more bytes
bench "loaded, file 2.1 % larger" --measure instructions --iterations 5
bench "loaded, file 2.1 % larger" --measure time --iterations 10
stop_load

#!/usr/bin/env bash
#
# Integration tests for the bench runtime helpers (bench-helper.sh,
# bench-helper.mjs, bench-helper.php) against the behavioural spec
# (runtime-helpers.md, sections 2-5 and 7).
#
# Usage: tests/integration/runtime_helpers_test.sh <dir-containing-the-three-helpers>
#
# Needs bash, python3, node (v18+) and php-cli. Every check prints
# "ok - <name>" or "not ok - <name>: expected X got Y"; the last line is
# "N passed, M failed" and the exit status is non-zero when M > 0.

set -u

if [[ $# -ne 1 || ! -d "$1" ]]; then
    echo "usage: $0 <dir-containing-the-three-helpers>" >&2
    exit 2
fi

HELPER_DIR="$(cd "$1" && pwd)"
SH_HELPER="$HELPER_DIR/bench-helper.sh"
JS_HELPER="$HELPER_DIR/bench-helper.mjs"
PHP_HELPER="$HELPER_DIR/bench-helper.php"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/runtime-helpers-test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/tap.sh"

# Run a JS or PHP suite whose output is ok/not ok lines and fold its results
# into the totals. A crash of the suite itself counts as a failure.
run_suite() {
    local name="$1"
    shift
    local out rc line
    out="$("$@" 2>"$TMP/suite.stderr")"
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok - "*) PASS=$((PASS + 1)); printf '%s\n' "$line" ;;
            "not ok - "*) FAIL=$((FAIL + 1)); printf '%s\n' "$line" ;;
            "") ;;
            *) printf '# %s\n' "$line" ;;
        esac
    done <<<"$out"
    if [[ $rc -ne 0 ]]; then
        fail "$name suite runs to completion" "exit 0" "exit $rc: $(cat "$TMP/suite.stderr")"
    fi
}

for tool in python3 node php timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "missing required tool: $tool" >&2
        exit 2
    fi
done
for helper in "$SH_HELPER" "$JS_HELPER" "$PHP_HELPER"; do
    if [[ ! -f "$helper" ]]; then
        echo "missing helper: $helper" >&2
        exit 2
    fi
done

# Keep the environment the helpers read under the tests' control.
unset HOMEBOY_BENCH_SCENARIOS HOMEBOY_BENCH_RESULTS_FILE HOMEBOY_COMPONENT_ID \
      HOMEBOY_BENCH_ITERATIONS HOMEBOY_BENCH_RESPONSIVENESS_FILE \
      HOMEBOY_BENCH_PROGRESS HOMEBOY_BENCH_PROGRESS_STREAM HOMEBOY_RUN_DIR \
      HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS

# ==========================================================================
# Shell helper
# ==========================================================================

# shellcheck source=/dev/null
source "$SH_HELPER"

SH_DIR="$TMP/sh"
mkdir -p "$SH_DIR"

# --- 2.1 slug table (SH column) --------------------------------------------
sh_slug_rows=(
    'bench/cold-boot.bench.ts|cold-boot-bench'
    '/abs/path/ColdBoot.bench.mjs|cold-boot-bench'
    'src/bin/bench_http.rs|bench-http'
    'HTTPServer.php|httpserver'
    'parseJSONFast.js|parse-jsonfast'
    'a1B2c3.ts|a1-b2c3'
    'v8Engine.bench.js|v8-engine-bench'
    'my workload (v2).sh|my-workload-v2'
    '__Weird__Name__.py|weird-name'
    'UPPER_CASE_NAME.sh|upper-case-name'
    'foo.tar.gz|foo-tar'
    'x.bench.ts.bak|x-bench-ts'
    '.hidden|'
    'dir/|dir'
    '|'
    'Ünïcode-Name.js|n-code-name'
    'İstanbul.js|stanbul'
)
for row in "${sh_slug_rows[@]}"; do
    input="${row%%|*}"
    expected="${row#*|}"
    out="$(homeboy_bench_scenario_id "$input"; printf x)"
    check_eq "sh slug '$input'" "${expected}x" "$out"
done
homeboy_bench_scenario_id "a.ts" >/dev/null
check_eq "sh slug returns 0" 0 $?
out="$(homeboy_bench_scenario_id; printf x)"
check_eq "sh slug with no argument is empty" "x" "$out"

# --- 2.3 scenario selection (SH) -------------------------------------------
sh_selected() {
    # sh_selected <name> <expected-rc> <env-list-or-UNSET> args...
    local name="$1" expected="$2" envlist="$3"
    shift 3
    if [[ "$envlist" == UNSET ]]; then
        (unset HOMEBOY_BENCH_SCENARIOS; homeboy_bench_scenario_selected "$@")
    else
        HOMEBOY_BENCH_SCENARIOS="$envlist" homeboy_bench_scenario_selected "$@"
    fi
    check_eq "sh selected: $name" "$expected" "$?"
}
sh_selected "empty id is never selected" 1 UNSET "" "a,b"
sh_selected "empty id with empty list" 1 UNSET "" ""
sh_selected "empty list selects all" 0 UNSET "warm" ""
sh_selected "no list argument and unset env selects all" 0 UNSET "warm"
sh_selected "exact id in list" 0 UNSET "warm" "cold,warm"
sh_selected "first id in list" 0 UNSET "cold" "cold,warm"
sh_selected "id not in list" 1 UNSET "hot" "cold,warm"
sh_selected "prefix is not a match" 1 UNSET "col" "cold,warm"
sh_selected "spaces are not trimmed" 1 UNSET "warm" "cold, warm"
sh_selected "list from env" 0 "cold,warm" "warm"
sh_selected "id missing from env list" 1 "cold,warm" "hot"
sh_selected "empty list argument falls back to env" 1 "cold" "warm" ""
sh_selected "explicit list wins over env" 0 "cold" "warm" "warm"

# --- artifact ref JSON ------------------------------------------------------
out="$(homeboy_bench_artifact_ref_json "p/ü.log" "" "L"; printf x)"
check_eq "sh artifact ref escapes non-ASCII, skips empty kind" $'{"path":"p/\\u00fc.log","label":"L"}\nx' "$out"
out="$(homeboy_bench_artifact_ref_json "a.log" "log"; printf x)"
check_eq "sh artifact ref path and kind" $'{"path":"a.log","kind":"log"}\nx' "$out"
out="$(homeboy_bench_artifact_ref_json "a.log" "k" "l"; printf x)"
check_eq "sh artifact ref path, kind, label" $'{"path":"a.log","kind":"k","label":"l"}\nx' "$out"
out="$(homeboy_bench_artifact_ref_json 'a"b\c'; printf x)"
check_eq "sh artifact ref escapes quotes and backslashes" $'{"path":"a\\"b\\\\c"}\nx' "$out"
out="$(homeboy_bench_artifact_ref_json "" "k" 2>"$SH_DIR/err")"
rc=$?
check_eq "sh artifact ref empty path returns 2" 2 "$rc"
check_eq "sh artifact ref empty path prints nothing" "" "$out"
check_eq "sh artifact ref empty path message" "homeboy_bench_artifact_ref_json: path is required" "$(cat "$SH_DIR/err")"
out="$(PATH=/nonexistent homeboy_bench_artifact_ref_json "x" 2>"$SH_DIR/err")"
rc=$?
check_eq "sh artifact ref without python3 returns 2" 2 "$rc"
check_eq "sh artifact ref without python3 message" "homeboy_bench_artifact_ref_json: python3 is required" "$(cat "$SH_DIR/err")"

# --- responsiveness ping ----------------------------------------------------
(
    unset HOMEBOY_BENCH_RESPONSIVENESS_FILE
    homeboy_bench_responsiveness_ping "x" >"$SH_DIR/ping-noop.out"
    echo "$?" >"$SH_DIR/ping-noop.rc"
)
check_eq "sh ping without file returns 0" 0 "$(cat "$SH_DIR/ping-noop.rc")"
check_eq "sh ping without file prints nothing" "" "$(cat "$SH_DIR/ping-noop.out")"
HOMEBOY_BENCH_RESPONSIVENESS_FILE="" homeboy_bench_responsiveness_ping "x" >/dev/null
check_eq "sh ping with empty file var returns 0" 0 "$?"

PING_FILE="$SH_DIR/ping/nested/resp.jsonl"
unset __homeboy_bench_responsiveness_started_ms
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$PING_FILE" homeboy_bench_responsiveness_ping >"$SH_DIR/ping.out"
check_eq "sh ping returns 0" 0 "$?"
check_match "sh ping stores start time in global" '^[0-9]+$' "${__homeboy_bench_responsiveness_started_ms:-}"
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$PING_FILE" homeboy_bench_responsiveness_ping "lab" >>"$SH_DIR/ping.out"
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$PING_FILE" homeboy_bench_responsiveness_ping 'ü"q' >>"$SH_DIR/ping.out"
check_eq "sh ping prints nothing on stdout" "" "$(cat "$SH_DIR/ping.out")"
mapfile -t ping_lines <"$PING_FILE"
check_eq "sh ping appends one line per call" 3 "${#ping_lines[@]}"
AT_RE='"at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'
check_match "sh ping line shape without label" "^\\{${AT_RE},\"t_ms\":(0|[1-9][0-9]*)\\}\$" "${ping_lines[0]:-}"
check_match "sh ping line shape with label" "^\\{${AT_RE},\"t_ms\":(0|[1-9][0-9]*),\"label\":\"lab\"\\}\$" "${ping_lines[1]:-}"
check_match "sh ping label is JSON-escaped" '"label":"\\u00fc\\"q"\}$' "${ping_lines[2]:-}"
read_exact "$PING_FILE"
check_eq "sh ping lines end with newline" $'\n' "${REPLY: -1}"
at_now="$(date -u +%Y-%m-%dT%H)"
check_contains "sh ping at is current UTC" "\"at\":\"$at_now" "${ping_lines[0]:-}"
# A start time 5 s in the past gives t_ms >= 5000; one in the future clamps to 0.
__homeboy_bench_responsiveness_started_ms=$(( $(date +%s) * 1000 - 5000 ))
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$SH_DIR/ping2.jsonl" homeboy_bench_responsiveness_ping
t_ms="$(json_get "$SH_DIR/ping2.jsonl" 'd["t_ms"]')"
if [[ "$t_ms" =~ ^[0-9]+$ ]] && (( t_ms >= 4000 && t_ms < 60000 )); then
    pass "sh ping t_ms counts from stored start"
else
    fail "sh ping t_ms counts from stored start" "about 5000" "$t_ms"
fi
__homeboy_bench_responsiveness_started_ms=$(( $(date +%s) * 1000 + 600000 ))
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$SH_DIR/ping3.jsonl" homeboy_bench_responsiveness_ping
check_eq "sh ping t_ms never negative" 0 "$(json_get "$SH_DIR/ping3.jsonl" 'd["t_ms"]')"
unset __homeboy_bench_responsiveness_started_ms
printf 'existing\n' >"$SH_DIR/ping4.jsonl"
HOMEBOY_BENCH_RESPONSIVENESS_FILE="$SH_DIR/ping4.jsonl" homeboy_bench_responsiveness_ping
check_eq "sh ping appends to existing file" "existing" "$(head -n 1 "$SH_DIR/ping4.jsonl")"

# --- empty results ----------------------------------------------------------
out="$(homeboy_write_empty_bench_results comp 5 "$SH_DIR/empty/a/r.json")"
rc=$?
check_eq "sh empty results returns 0" 0 "$rc"
check_eq "sh empty results prints nothing" "" "$out"
read_exact "$SH_DIR/empty/a/r.json"
check_eq "sh empty results exact bytes" $'{"component_id":"comp","iterations":5,"scenarios":[]}\n' "$REPLY"
(
    export HOMEBOY_COMPONENT_ID=envc HOMEBOY_BENCH_RESULTS_FILE="$SH_DIR/empty/env.json"
    homeboy_write_empty_bench_results
)
read_exact "$SH_DIR/empty/env.json"
check_eq "sh empty results defaults from env" $'{"component_id":"envc","iterations":0,"scenarios":[]}\n' "$REPLY"
printf 'a much longer previous content that must disappear\n' >"$SH_DIR/empty/env2.json"
(
    export HOMEBOY_COMPONENT_ID=envc HOMEBOY_BENCH_RESULTS_FILE="$SH_DIR/empty/env2.json"
    homeboy_write_empty_bench_results "" "" ""
)
read_exact "$SH_DIR/empty/env2.json"
check_eq "sh empty results empty args fall back and overwrite" $'{"component_id":"envc","iterations":0,"scenarios":[]}\n' "$REPLY"
homeboy_write_empty_bench_results 'a"b' 2 "$SH_DIR/empty/raw.json"
read_exact "$SH_DIR/empty/raw.json"
check_eq "sh empty results values inserted raw" $'{"component_id":"a"b","iterations":2,"scenarios":[]}\n' "$REPLY"
(unset HOMEBOY_COMPONENT_ID; homeboy_write_empty_bench_results "" 0 "$SH_DIR/empty/x.json" 2>"$SH_DIR/err")
check_eq "sh empty results without component returns 2" 2 "$?"
check_eq "sh empty results without component message" "homeboy_write_empty_bench_results: component id is required" "$(cat "$SH_DIR/err")"
check_file_absent "sh empty results without component writes nothing" "$SH_DIR/empty/x.json"
(unset HOMEBOY_BENCH_RESULTS_FILE; homeboy_write_empty_bench_results c 0 2>"$SH_DIR/err")
check_eq "sh empty results without file returns 2" 2 "$?"
check_eq "sh empty results without file message" "homeboy_write_empty_bench_results: HOMEBOY_BENCH_RESULTS_FILE is required" "$(cat "$SH_DIR/err")"

# --- payload files: results mode --------------------------------------------
P="$SH_DIR/payloads"
mkdir -p "$P"
printf '{"timings_ns":[5e6,1e6,3e6]}' >"$P/simple.json"
printf '{"timings_ns":[4e7,1e7,3e7,2e7]}' >"$P/four.json"
cat >"$P/rich.json" <<'EOF'
{"timings_ns": ["7000000"],
 "metrics": {"extra": 2.5, "mean_ms": 42, "ok": true, "label": "x", "nested": {"a": 1}, "count": 3},
 "tags": ["t"],
 "file": "payload-file.js", "source": "payload-src",
 "metadata": {"ü": "é/x"}, "artifacts": {"log": {"path": "a/b.log"}},
 "peak_rss_bytes": 1048576.9}
EOF
printf '{"timings_ns":[]}' >"$P/none.json"
printf '{"timings_ns":[1e6],"peak_rss_bytes":null}' >"$P/nullmem.json"
printf '{"timings_ns":[1e6' >"$P/broken.json"

R="$SH_DIR/results/r1.json"
out="$(homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp --iterations 3 'cold=simple.json' 2>"$SH_DIR/err")"
rc=$?
check_eq "sh relative payload path is resolved from the cwd (missing here) and returns 1" 1 "$rc"

out="$(cd "$P" && homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp --iterations 3 'cold=simple.json' 2>"$SH_DIR/err")"
rc=$?
check_eq "sh results returns 0" 0 "$rc"
check_eq "sh results prints nothing on stdout" "" "$out"
read_exact "$R"
expected='{
  "component_id": "comp",
  "iterations": 3,
  "scenarios": [
    {
      "id": "cold",
      "iterations": 3,
      "metrics": {
        "mean_ms": 3.0,
        "p50_ms": 3.0,
        "p95_ms": 4.800000000000001,
        "p99_ms": 4.960000000000001,
        "min_ms": 1.0,
        "max_ms": 5.0
      }
    }
  ]
}
'
check_eq "sh results exact output for timings [5e6,1e6,3e6]" "$expected" "$REPLY"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp "four=$P/four.json"
check_eq "sh results sorts timings and applies R-7" \
    '{"mean_ms":25.0,"p50_ms":25.0,"p95_ms":38.5,"p99_ms":39.699999999999996,"min_ms":10.0,"max_ms":40.0}' \
    "$(json_get "$R" 'd["scenarios"][0]["metrics"]')"
check_eq "sh results iterations default 0" 0 "$(json_get "$R" 'd["iterations"]')"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp --iterations 1 \
    "warm=$P/rich.json==" 2>"$SH_DIR/err"
read_exact "$R"
expected='{
  "component_id": "comp",
  "iterations": 1,
  "scenarios": [
    {
      "id": "warm",
      "iterations": 1,
      "metrics": {
        "mean_ms": 42,
        "p50_ms": 7.0,
        "p95_ms": 7.0,
        "p99_ms": 7.0,
        "min_ms": 7.0,
        "max_ms": 7.0,
        "extra": 2.5,
        "ok": true,
        "count": 3
      },
      "file": "payload-file.js",
      "source": "payload-src",
      "metadata": {
        "\u00fc": "\u00e9/x"
      },
      "artifacts": {
        "log": {
          "path": "a/b.log"
        }
      },
      "memory": {
        "peak_bytes": 1048576
      }
    }
  ]
}
'
check_eq "sh results payload metrics merged, keys, memory, escapes" "$expected" "$REPLY"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp \
    "w1=$P/rich.json=rec-file.js=rec=src" "w2=$P/rich.json=null=rs"
check_eq "sh results record file and source win (source keeps '=')" '["rec-file.js","rec=src"]' \
    "$(json_get "$R" '[d["scenarios"][0]["file"], d["scenarios"][0]["source"]]')"
check_eq "sh results null record file falls back to payload file" '["payload-file.js","rs"]' \
    "$(json_get "$R" '[d["scenarios"][1]["file"], d["scenarios"][1]["source"]]')"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp \
    "Cold Boot/ü=$P/simple.json" "=$P/simple.json" 2>"$SH_DIR/err"
check_eq "sh results ids verbatim (not slugified), empty id kept" '["Cold Boot/ü",""]' \
    "$(json_get "$R" '[s["id"] for s in d["scenarios"]]')"
check_contains "sh results slash not escaped, non-ASCII escaped" '"id": "Cold Boot/\u00fc"' "$(cat "$R")"

out="$(homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp \
    "a=$P/simple.json" "nt=null" "nt2=$P/none.json" 2>"$SH_DIR/err")"
rc=$?
check_eq "sh results no timings is not a failure" 0 "$rc"
check_eq "sh results WORKLOAD_WARN lines" $'WORKLOAD_WARN: nt emitted no timings\nWORKLOAD_WARN: nt2 emitted no timings' "$(cat "$SH_DIR/err")"
check_eq "sh results scenarios without timings dropped" '["a"]' "$(json_get "$R" '[s["id"] for s in d["scenarios"]]')"

printf 'previous\n' >"$R"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp \
    "a=$P/simple.json" "b=$P/nullmem.json" 2>"$SH_DIR/err"
check_eq "sh results null peak_rss_bytes returns 1" 1 "$?"
check_eq "sh results failure leaves file untouched" "previous" "$(cat "$R")"
printf '[1e6]' >"$P/list.json"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp "a=$P/list.json" 2>"$SH_DIR/err"
check_eq "sh results payload that is not a JSON object returns 1" 1 "$?"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp "a=$P/broken.json" 2>"$SH_DIR/err"
check_eq "sh results invalid payload JSON returns 1" 1 "$?"
check_eq "sh results invalid payload leaves file untouched" "previous" "$(cat "$R")"
R_NEW="$SH_DIR/results/never.json"
homeboy_write_bench_results_from_payload_files --results-file "$R_NEW" --component comp "id=$P/missing.json" 2>"$SH_DIR/err"
check_eq "sh 'id=path' with missing payload returns 1" 1 "$?"
check_file_absent "sh missing payload writes no results file" "$R_NEW"

# --- payload files: inventory mode & record parsing -------------------------
INV="$SH_DIR/results/inv.json"
out="$(homeboy_write_bench_scenario_inventory --results-file "$INV" --component comp --iterations 7 \
    'bench-http=src/bin/bench-http.rs=native-bin' \
    'x=p.json=y.js' \
    'rust-clean-build=null=rust-profile' \
    '' \
    'crit=null=benches/x.rs=criterion=v2' \
    'bare')"
rc=$?
check_eq "sh inventory returns 0" 0 "$rc"
check_eq "sh inventory prints nothing" "" "$out"
read_exact "$INV"
expected='{
  "component_id": "comp",
  "iterations": 0,
  "scenarios": [
    {
      "id": "bench-http",
      "iterations": 0,
      "default_iterations": 7,
      "tags": [],
      "metrics": {},
      "file": "src/bin/bench-http.rs",
      "source": "native-bin"
    },
    {
      "id": "x",
      "iterations": 0,
      "default_iterations": 7,
      "tags": [],
      "metrics": {},
      "file": "p.json",
      "source": "y.js"
    },
    {
      "id": "rust-clean-build",
      "iterations": 0,
      "default_iterations": 7,
      "tags": [],
      "metrics": {},
      "file": "rust-profile"
    },
    {
      "id": "crit",
      "iterations": 0,
      "default_iterations": 7,
      "tags": [],
      "metrics": {},
      "file": "benches/x.rs",
      "source": "criterion=v2"
    },
    {
      "id": "bare",
      "iterations": 0,
      "default_iterations": 7,
      "tags": [],
      "metrics": {}
    }
  ]
}
'
check_eq "sh inventory shift table, empty record skipped, exact output" "$expected" "$REPLY"

INV2="$SH_DIR/results/inv2.json"
homeboy_write_bench_results_from_payload_files --inventory --results-file "$INV2" --component comp --iterations 7 \
    'bench-http=src/bin/bench-http.rs=native-bin' 'x=p.json=y.js' 'rust-clean-build=null=rust-profile' '' \
    'crit=null=benches/x.rs=criterion=v2' 'bare'
check_eq "sh write_bench_scenario_inventory equals --inventory" "$(cat "$INV")" "$(cat "$INV2")"

cat >"$P/inv.json" <<'EOF'
{"tags": ["a", "b"], "metrics": {"m": "str", "n": 1}, "peak_rss_bytes": 10.5,
 "metadata": {"k": 1}, "artifacts": {}, "file": "pf", "source": "ps", "timings_ns": [1]}
EOF
homeboy_write_bench_scenario_inventory --results-file "$INV" --component comp "inv=$P/inv.json"
check_eq "sh inventory payload keys (tags, verbatim metrics, file, source, metadata, artifacts, memory)" \
    '{"id":"inv","iterations":0,"default_iterations":0,"tags":["a","b"],"metrics":{"m":"str","n":1},"file":"pf","source":"ps","metadata":{"k":1},"artifacts":{},"memory":{"peak_bytes":10}}' \
    "$(json_get "$INV" 'd["scenarios"][0]')"
check_eq "sh inventory key order" '["id","iterations","default_iterations","tags","metrics","file","source","metadata","artifacts","memory"]' \
    "$(json_get "$INV" 'list(d["scenarios"][0].keys())')"

empty_records=()
homeboy_write_bench_scenario_inventory --results-file "$INV" --component comp "${empty_records[@]:-}"
check_eq "sh inventory with \"\${arr[@]:-}\" gives no scenarios" '[]' "$(json_get "$INV" 'd["scenarios"]')"

# --- options ------------------------------------------------------------------
(
    export HOMEBOY_COMPONENT_ID=envcomp HOMEBOY_BENCH_RESULTS_FILE="$SH_DIR/results/envopt.json" HOMEBOY_BENCH_ITERATIONS=4
    homeboy_write_bench_scenario_inventory a=null
)
check_eq "sh options default from env (component, file, iterations)" '["envcomp",0,4]' \
    "$(json_get "$SH_DIR/results/envopt.json" '[d["component_id"], d["iterations"], d["scenarios"][0]["default_iterations"]]')"
(
    export HOMEBOY_BENCH_ITERATIONS=4
    homeboy_write_bench_results_from_payload_files --results-file "$R" --component-id cid "a=$P/simple.json"
)
check_eq "sh --component-id and env iterations in results mode" '["cid",4]' "$(json_get "$R" '[d["component_id"], d["iterations"]]')"
homeboy_write_bench_results_from_payload_files "a=$P/simple.json" --results-file "$R" --component late --iterations 9
check_eq "sh options may follow records" '["late",9]' "$(json_get "$R" '[d["component_id"], d["iterations"]]')"
printf 'previous\n' >"$R"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component c --iterations abc "a=$P/simple.json" 2>"$SH_DIR/err"
check_eq "sh non-integer iterations returns 1" 1 "$?"
check_eq "sh non-integer iterations writes nothing" "previous" "$(cat "$R")"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component c \
    --timeline-json '[{"t":1}]' --artifacts-json '{"log":{"path":"x/y.log"}}' \
    --span-definitions-json '{"s":{"label":"S"}}' --metric-groups-json '{"g":{"m":1}}' \
    --metadata-json '{"a":"ü"}' "a=$P/simple.json"
check_eq "sh *-json options accepted verbatim, envelope key order" \
    '["component_id","iterations","scenarios","metadata","metric_groups","span_definitions","artifacts","timeline"]' \
    "$(json_get "$R" 'list(d.keys())')"
check_eq "sh *-json option values" '[{"a":"ü"},{"g":{"m":1}},{"s":{"label":"S"}},{"log":{"path":"x/y.log"}},[{"t":1}]]' \
    "$(json_get "$R" '[d["metadata"], d["metric_groups"], d["span_definitions"], d["artifacts"], d["timeline"]]')"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component c \
    --metadata-json '{}' --timeline-json '[]' --artifacts-json '' "a=$P/simple.json"
check_eq "sh empty option values omitted from envelope" '["component_id","iterations","scenarios"]' "$(json_get "$R" 'list(d.keys())')"
printf 'previous\n' >"$R"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component c --metric-groups-json '{bad' "a=$P/simple.json" 2>"$SH_DIR/err"
check_eq "sh invalid option JSON returns 1" 1 "$?"
check_match "sh invalid option JSON message" '^METRIC_GROUPS_JSON must be valid JSON: .+' "$(cat "$SH_DIR/err")"
check_eq "sh invalid option JSON writes nothing" "previous" "$(cat "$R")"

printf '{"metadata":{"x":1},"timeline":[1],"metric_groups":{"g":{}},"other":5}' >"$P/extras.json"
homeboy_write_bench_results_from_payload_files --results-file "$R" --component c \
    --metadata-json '{"a":1}' --artifacts-json '{"k":{"path":"p"}}' --extras-file "$P/extras.json" "a=$P/simple.json"
check_eq "sh extras file replaces option values, ignores other keys" \
    '{"keys":["component_id","iterations","scenarios","metadata","metric_groups","artifacts","timeline"],"metadata":{"x":1},"timeline":[1]}' \
    "$(json_get "$R" '{"keys": list(d.keys()), "metadata": d["metadata"], "timeline": d["timeline"]}')"

homeboy_write_bench_results_from_payload_files --results-file "$R" --component c --iterations 2 -- --inventory "a=$P/simple.json" 2>"$SH_DIR/err"
check_eq "sh '--' makes later arguments records" '[2,["a"]]' "$(json_get "$R" '[d["iterations"], [s["id"] for s in d["scenarios"]]]')"
check_eq "sh '--' record '--inventory' treated as scenario" "WORKLOAD_WARN: --inventory emitted no timings" "$(cat "$SH_DIR/err")"

# Validation order and codes.
out="$(unset HOMEBOY_COMPONENT_ID HOMEBOY_BENCH_RESULTS_FILE; PATH=/nonexistent homeboy_write_bench_results_from_payload_files a=null 2>"$SH_DIR/err"; echo "rc=$?")"
check_eq "sh payload files without component returns 2" "rc=2" "$out"
check_eq "sh payload files without component message" "homeboy_write_bench_results_from_payload_files: component id is required" "$(cat "$SH_DIR/err")"
out="$(unset HOMEBOY_BENCH_RESULTS_FILE; PATH=/nonexistent homeboy_write_bench_results_from_payload_files --component c a=null 2>"$SH_DIR/err"; echo "rc=$?")"
check_eq "sh payload files without results file returns 2" "rc=2" "$out"
check_eq "sh payload files without results file message" "homeboy_write_bench_results_from_payload_files: HOMEBOY_BENCH_RESULTS_FILE is required" "$(cat "$SH_DIR/err")"
out="$(PATH=/nonexistent homeboy_write_bench_results_from_payload_files --component c --results-file "$SH_DIR/results/nopy/r.json" a=null 2>"$SH_DIR/err"; echo "rc=$?")"
check_eq "sh payload files without python3 returns 2" "rc=2" "$out"
check_eq "sh payload files without python3 message" "homeboy_write_bench_results_from_payload_files: python3 is required" "$(cat "$SH_DIR/err")"

# Parent directory creation.
homeboy_write_bench_scenario_inventory --results-file "$SH_DIR/results/deep/er/inv.json" --component c a=null
check_eq "sh payload files create the parent directory" '["a"]' "$(json_get "$SH_DIR/results/deep/er/inv.json" '[s["id"] for s in d["scenarios"]]')"

# A valued option passed last with no value must not hang.
timeout 5 bash -c 'source "$1"; homeboy_write_bench_scenario_inventory --results-file "$2" --component c a=null --metadata-json' \
    _ "$SH_HELPER" "$SH_DIR/results/trailing.json"
check_eq "sh trailing --metadata-json without value does not hang" 0 "$?"
check_eq "sh trailing option value treated as empty" '[["component_id","iterations","scenarios"],["a"]]' \
    "$(json_get "$SH_DIR/results/trailing.json" '[list(d.keys()), [s["id"] for s in d["scenarios"]]]')"
HOMEBOY_BENCH_RESULTS_FILE="$SH_DIR/results/trailing2.json" timeout 5 bash -c \
    'source "$1"; homeboy_write_bench_scenario_inventory --component c a=null --results-file' _ "$SH_HELPER"
check_eq "sh trailing --results-file without value falls back to env" '["a"]' \
    "$(json_get "$SH_DIR/results/trailing2.json" '[s["id"] for s in d["scenarios"]]')"

# The helper is sourced by scripts running with strict options.
out="$(bash -euo pipefail -c '
    source "$1"
    homeboy_bench_scenario_id a.ts >/dev/null
    homeboy_bench_scenario_selected x || true
    HOMEBOY_BENCH_RESPONSIVENESS_FILE="" homeboy_bench_responsiveness_ping
    empty=()
    homeboy_write_bench_scenario_inventory --results-file "$2" --component c "${empty[@]:-}"
    echo done' _ "$SH_HELPER" "$SH_DIR/results/strict.json" 2>&1)"
check_eq "sh helper works under set -euo pipefail" "done" "$out"

# ==========================================================================
# JS helper
# ==========================================================================

cat >"$TMP/js_suite.mjs" <<'JS'
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const [helperPath, work] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const h = await import(pathToFileURL(helperPath).href);

const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v));
function check(name, expected, actual) {
  const e = typeof expected === 'string' ? expected : show(expected);
  const a = typeof actual === 'string' ? actual : show(actual);
  if (typeof expected === typeof actual && e === a) console.log(`ok - js ${name}`);
  else console.log(`not ok - js ${name}: expected ${show(expected)} got ${show(actual)}`);
}
function checkTrue(name, condition, detail) {
  if (condition) console.log(`ok - js ${name}`);
  else console.log(`not ok - js ${name}: expected true got ${show(detail)}`);
}
async function rejection(fn) {
  try { await fn(); return null; } catch (error) { return error; }
}
function capture(fn) {
  const out = { stdout: '', stderr: '' };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = (chunk) => { out.stdout += chunk; return true; };
  process.stderr.write = (chunk) => { out.stderr += chunk; return true; };
  try { fn(); } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
  return out;
}
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// --- exports ---
const expectedExports = [
  'homeboyBenchArtifactRef', 'homeboyBenchPercentile', 'homeboyBenchProgress',
  'homeboyBenchResponsivenessPing', 'homeboyBenchResultsEnvelope',
  'homeboyBenchScenarioId', 'homeboyBenchScenarioInventoryEntry',
  'homeboyBenchScenarioInventoryEnvelope', 'homeboyBenchScenarioSelected',
  'homeboyBenchSelectedScenarios', 'homeboyRunBenchPhase',
  'homeboyWriteBenchResults', 'homeboyWriteBenchScenarioInventory',
  'homeboyWriteEmptyBenchResults',
];
for (const name of expectedExports) check(`exports ${name}`, 'function', typeof h[name]);

// --- 2.2 percentile table ---
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const percentileRows = [
  ['[]', [], ['0', '0', '0', '0', '0']],
  ['[7]', [7], ['7', '7', '7', '7', '7']],
  ['[1,3,5]', [1, 3, 5], ['1', '3', '4.800000000000001', '4.960000000000001', '5']],
  ['[10,20,30,40]', [10, 20, 30, 40], ['10', '25', '38.5', '39.699999999999996', '40']],
  ['[1..10]', range(1, 10), ['1', '5.5', '9.549999999999999', '9.91', '10']],
  ['[2,4]', [2, 4], ['2', '3', '3.9', '3.98', '4']],
  ['[1..20]', range(1, 20), ['1', '10.5', '19.05', '19.81', '20']],
  ['[1..100]', range(1, 100), ['1', '50.5', '95.05', '99.01', '100']],
];
const ps = [0, 0.5, 0.95, 0.99, 1];
for (const [label, values, expected] of percentileRows) {
  ps.forEach((p, i) => {
    const result = h.homeboyBenchPercentile(values, p);
    check(`percentile ${label} p${p * 100}`, expected[i], typeof result === 'number' ? String(result) : show(result));
  });
}

// --- 2.1 slug table: default and .bench.* pattern ---
const BENCH = /\.bench\.(ts|mjs|cjs|js)$/;
const slugRows = [
  ['bench/cold-boot.bench.ts', 'cold-boot-bench', 'cold-boot'],
  ['/abs/path/ColdBoot.bench.mjs', 'cold-boot-bench', 'cold-boot'],
  ['src/bin/bench_http.rs', 'bench-http', 'bench-http-rs'],
  ['HTTPServer.php', 'httpserver', 'httpserver-php'],
  ['parseJSONFast.js', 'parse-jsonfast', 'parse-jsonfast-js'],
  ['a1B2c3.ts', 'a1-b2c3', 'a1-b2c3-ts'],
  ['v8Engine.bench.js', 'v8-engine-bench', 'v8-engine'],
  ['my workload (v2).sh', 'my-workload-v2', 'my-workload-v2-sh'],
  ['__Weird__Name__.py', 'weird-name', 'weird-name-py'],
  ['UPPER_CASE_NAME.sh', 'upper-case-name', 'upper-case-name-sh'],
  ['foo.tar.gz', 'foo-tar', 'foo-tar-gz'],
  ['x.bench.ts.bak', 'x-bench-ts', 'x-bench-ts-bak'],
  ['.hidden', '', 'hidden'],
  ['dir/', 'dir', 'dir'],
  ['', '', ''],
  ['Ünïcode-Name.js', 'n-code-name', 'n-code-name-js'],
  ['İstanbul.js', 'i-stanbul', undefined],
];
for (const [input, plain, withPattern] of slugRows) {
  check(`slug '${input}' (default)`, plain, h.homeboyBenchScenarioId(input));
  if (withPattern !== undefined) check(`slug '${input}' (.bench pattern)`, withPattern, h.homeboyBenchScenarioId(input, BENCH));
}
check('slug string pattern replaces first literal occurrence', 'a-b-x', h.homeboyBenchScenarioId('a.x.b.x', '.x'));

// --- 2.3 selection ---
delete process.env.HOMEBOY_BENCH_SCENARIOS;
check('selected scenarios, unset env', [], h.homeboyBenchSelectedScenarios());
process.env.HOMEBOY_BENCH_SCENARIOS = ' cold, ,warm ,,';
check('selected scenarios read env on each call, trimmed, empties dropped', ['cold', 'warm'], h.homeboyBenchSelectedScenarios());
check('selected scenarios explicit value', ['a', 'b'], h.homeboyBenchSelectedScenarios('a ,b'));
check('scenario selected from env list (trimmed)', true, h.homeboyBenchScenarioSelected('warm'));
check('scenario not in env list', false, h.homeboyBenchScenarioSelected('hot'));
check('empty scenario id is false', false, h.homeboyBenchScenarioSelected(''));
check('empty scenario id is false even with empty list', false, h.homeboyBenchScenarioSelected('', []));
check('empty array selects all', true, h.homeboyBenchScenarioSelected('hot', []));
check('null selection selects all', true, h.homeboyBenchScenarioSelected('hot', null));
check('explicit list', true, h.homeboyBenchScenarioSelected('b', ['a', 'b']));
delete process.env.HOMEBOY_BENCH_SCENARIOS;
check('unset env selects all', true, h.homeboyBenchScenarioSelected('anything'));

// --- artifact ref, envelopes ---
check('artifact ref full', { path: 'p/ü.log', kind: 'log', label: 'L' }, h.homeboyBenchArtifactRef('p/ü.log', { kind: 'log', label: 'L' }));
check('artifact ref drops falsy kind/label', '{"path":"a"}', JSON.stringify(h.homeboyBenchArtifactRef('a', { kind: '', label: null })));
check('artifact ref label only', '{"path":"a","label":"L"}', JSON.stringify(h.homeboyBenchArtifactRef('a', { label: 'L' })));
let err = await rejection(() => h.homeboyBenchArtifactRef(''));
check('artifact ref empty path throws', 'Error: homeboyBenchArtifactRef requires a path', String(err));
check('results envelope', '{"component_id":"c","iterations":3,"scenarios":[{"id":"x"}]}',
  JSON.stringify(h.homeboyBenchResultsEnvelope('c', 3, [{ id: 'x' }])));

check('inventory entry minimal', '{"id":"a","iterations":0,"tags":[],"metrics":{}}',
  JSON.stringify(h.homeboyBenchScenarioInventoryEntry({ id: 'a' })));
check('inventory entry full key order',
  '{"id":"a","iterations":0,"tags":["t"],"metrics":{"m":1},"default_iterations":0,"file":"f.js","source":"s","metadata":{"k":1},"provenance":{"p":2},"artifacts":{"log":{"path":"l"}}}',
  JSON.stringify(h.homeboyBenchScenarioInventoryEntry({
    artifacts: { log: { path: 'l' } }, provenance: { p: 2 }, metadata: { k: 1 }, source: 's', file: 'f.js',
    defaultIterations: 0, metrics: { m: 1 }, tags: ['t'], id: 'a',
  })));
check('inventory entry drops falsy file/source and empty objects',
  '{"id":"a","iterations":0,"tags":[],"metrics":{}}',
  JSON.stringify(h.homeboyBenchScenarioInventoryEntry({ id: 'a', file: '', source: null, metadata: {}, provenance: null, artifacts: 'x' })));
err = await rejection(() => h.homeboyBenchScenarioInventoryEntry());
check('inventory entry without argument throws TypeError', true, err instanceof TypeError);

const invEnvelope = h.homeboyBenchScenarioInventoryEnvelope('c', 5, [
  h.homeboyBenchScenarioInventoryEntry({ id: 'a', file: 'f.js' }),
  { id: 'b', iterations: 9, default_iterations: 2 },
  { id: 'c', default_iterations: null },
]);
check('inventory envelope',
  '{"component_id":"c","iterations":0,"scenarios":[{"id":"a","iterations":0,"tags":[],"metrics":{},"file":"f.js","default_iterations":5},{"id":"b","iterations":0,"default_iterations":2},{"id":"c","default_iterations":5,"iterations":0}]}',
  JSON.stringify(invEnvelope));
const original = { id: 'z', iterations: 3 };
h.homeboyBenchScenarioInventoryEnvelope('c', 1, [original]);
check('inventory envelope copies scenarios', '{"id":"z","iterations":3}', JSON.stringify(original));

// --- writers ---
const resultsFile = path.join(work, 'w', 'deep', 'results.json');
await h.homeboyWriteBenchResults(resultsFile, 'cömp', 3, [{ id: 'a/ü', iterations: 3, metrics: { mean_ms: 3.0, p95_ms: 4.800000000000001 } }]);
check('writeBenchResults exact text (2-space, raw UTF-8, 3 not 3.0, no trailing newline)',
  '{\n  "component_id": "cömp",\n  "iterations": 3,\n  "scenarios": [\n    {\n      "id": "a/ü",\n      "iterations": 3,\n      "metrics": {\n        "mean_ms": 3,\n        "p95_ms": 4.800000000000001\n      }\n    }\n  ]\n}',
  fs.readFileSync(resultsFile, 'utf8'));
await h.homeboyWriteEmptyBenchResults(resultsFile, 'c');
check('writeEmptyBenchResults overwrites, iterations default 0',
  '{\n  "component_id": "c",\n  "iterations": 0,\n  "scenarios": []\n}', fs.readFileSync(resultsFile, 'utf8'));
await h.homeboyWriteEmptyBenchResults(path.join(work, 'w2', 'e.json'), 'c', 4);
check('writeEmptyBenchResults file first, iterations given',
  '{\n  "component_id": "c",\n  "iterations": 4,\n  "scenarios": []\n}', fs.readFileSync(path.join(work, 'w2', 'e.json'), 'utf8'));
const invFile = path.join(work, 'w3', 'inv.json');
await h.homeboyWriteBenchScenarioInventory(invFile, 'c', 5, [h.homeboyBenchScenarioInventoryEntry({ id: 'a' })]);
check('writeBenchScenarioInventory exact text',
  '{\n  "component_id": "c",\n  "iterations": 0,\n  "scenarios": [\n    {\n      "id": "a",\n      "iterations": 0,\n      "tags": [],\n      "metrics": {},\n      "default_iterations": 5\n    }\n  ]\n}',
  fs.readFileSync(invFile, 'utf8'));

// --- progress ---
const progressRows = [
  [{ scenario: 'studio-agent-site-build', run: 'bfb', elapsed_ms: 252000, turn: 18, tools: 23, last: 'cli page_update' },
    'studio-agent-site-build [bfb] 04:12 turn=18 tools=23 last=cli page_update\n'],
  [{ elapsed_ms: -5, run_id: 'r1', turn: 0, tools: 0, tool_count: 9 }, 'bench [r1] 00:00 turn=0 tools=0\n'],
  [{ workload: 'w', elapsed_ms: 6000500, phase: 'setup', tool_count: 4, tool: 'a\n\tb', message: ' hello\r\nworld ' },
    'w 100:00 phase=setup tools=4 tool=a b hello world\n'],
];
delete process.env.HOMEBOY_BENCH_PROGRESS;
delete process.env.HOMEBOY_BENCH_PROGRESS_STREAM;
let out = capture(() => h.homeboyBenchProgress(progressRows[0][0]));
check('progress off when HOMEBOY_BENCH_PROGRESS unset', '', out.stdout + out.stderr);
process.env.HOMEBOY_BENCH_PROGRESS = '0';
out = capture(() => h.homeboyBenchProgress(progressRows[0][0]));
check('progress off when HOMEBOY_BENCH_PROGRESS=0', '', out.stdout + out.stderr);
process.env.HOMEBOY_BENCH_PROGRESS = ' On ';
progressRows.forEach(([event, line], i) => {
  out = capture(() => h.homeboyBenchProgress(event));
  check(`progress example row ${i + 1} (stderr)`, line, out.stderr);
  check(`progress example row ${i + 1} nothing on stdout`, '', out.stdout);
});
process.env.HOMEBOY_BENCH_PROGRESS = 'yes';
process.env.HOMEBOY_BENCH_PROGRESS_STREAM = 'stdout';
out = capture(() => h.homeboyBenchProgress({ scenario: 's', elapsed_ms: 61999, turn: null }));
check('progress to stdout when stream is stdout; turn=null shown', 's 01:01 turn=null\n', out.stdout);
check('progress stdout mode writes nothing to stderr', '', out.stderr);
process.env.HOMEBOY_BENCH_PROGRESS_STREAM = 'STDOUT';
out = capture(() => h.homeboyBenchProgress({}));
checkTrue('progress default label and elapsed since load; stream must be exactly stdout', /^bench \d\d+:\d\d\n$/.test(out.stderr) && out.stdout === '', out);
delete process.env.HOMEBOY_BENCH_PROGRESS;
delete process.env.HOMEBOY_BENCH_PROGRESS_STREAM;

// --- responsiveness ping ---
delete process.env.HOMEBOY_BENCH_RESPONSIVENESS_FILE;
await h.homeboyBenchResponsivenessPing({ label: 'x' });
check('ping without file writes nothing', [], fs.readdirSync(work).filter((f) => f.endsWith('.jsonl')));
const pingFile = path.join(work, 'ping', 'nested', 'resp.jsonl');
process.env.HOMEBOY_BENCH_RESPONSIVENESS_FILE = pingFile;
await h.homeboyBenchResponsivenessPing();
await h.homeboyBenchResponsivenessPing({ label: 'x' });
await h.homeboyBenchResponsivenessPing({ t_ms: 5, extra: 'é' });
const pingText = fs.readFileSync(pingFile, 'utf8');
const pingLines = pingText.split('\n');
check('ping appends lines ending with newline', 4, pingLines.length);
check('ping last line empty (trailing newline)', '', pingLines[3]);
checkTrue('ping line shape {at,t_ms}', /^\{"at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","t_ms":(0|[1-9]\d*)\}$/.test(pingLines[0]), pingLines[0]);
checkTrue('ping line with label', /^\{"at":"[^"]+","t_ms":(0|[1-9]\d*),"label":"x"\}$/.test(pingLines[1]), pingLines[1]);
const third = JSON.parse(pingLines[2]);
check('ping event overrides t_ms in place and adds keys', '["at","t_ms","extra"]', JSON.stringify(Object.keys(third)));
check('ping event value kept', 5, third.t_ms);
const first = JSON.parse(pingLines[0]);
checkTrue('ping t_ms is a non-negative integer', Number.isInteger(first.t_ms) && first.t_ms >= 0, first.t_ms);
checkTrue('ping at is current ISO time', ISO_MS.test(first.at) && Math.abs(Date.parse(first.at) - Date.now()) < 60000, first.at);
delete process.env.HOMEBOY_BENCH_RESPONSIVENESS_FILE;

// --- homeboyRunBenchPhase ---
const RESULT_KEYS = '["code","signal","stdout","stderr","elapsedMs","phase","phaseEvents"]';
const runDir = path.join(work, 'run');
process.env.HOMEBOY_RUN_DIR = runDir;
const childrenDir = path.join(runDir, 'extension-children');
const listChildren = () => (fs.existsSync(childrenDir) ? fs.readdirSync(childrenDir).sort() : []);

err = await rejection(() => h.homeboyRunBenchPhase('', 'sh'));
check('phase validation: empty phase', 'Error: homeboyRunBenchPhase requires a phase label', String(err));
err = await rejection(() => h.homeboyRunBenchPhase(5, 'sh'));
check('phase validation: non-string phase', 'Error: homeboyRunBenchPhase requires a phase label', String(err));
err = await rejection(() => h.homeboyRunBenchPhase('p', ''));
check('phase validation: empty command', 'Error: homeboyRunBenchPhase requires a command', String(err));
err = await rejection(() => h.homeboyRunBenchPhase('p'));
check('phase validation: missing command', 'Error: homeboyRunBenchPhase requires a command', String(err));
check('phase validation writes no resource file', [], listChildren());

let before = listChildren();
const ok = await h.homeboyRunBenchPhase('build', 'sh', ['-c', 'echo out; echo err >&2'], { sampleIntervalMs: 50 });
check('phase success result keys', RESULT_KEYS, JSON.stringify(Object.keys(ok)));
check('phase success code/signal', [0, null], [ok.code, ok.signal]);
check('phase success stdout', 'out\n', ok.stdout);
check('phase success stderr', 'err\n', ok.stderr);
check('phase success phase', 'build', ok.phase);
checkTrue('phase success elapsedMs integer', Number.isInteger(ok.elapsedMs) && ok.elapsedMs >= 0, ok.elapsedMs);
check('phase success started event keys', '["phase","status","t_ms","started_at"]', JSON.stringify(Object.keys(ok.phaseEvents[0])));
check('phase success started event', ['build', 'started', 0], [ok.phaseEvents[0].phase, ok.phaseEvents[0].status, ok.phaseEvents[0].t_ms]);
checkTrue('phase success started_at ISO', ISO_MS.test(ok.phaseEvents[0].started_at), ok.phaseEvents[0].started_at);
check('phase success end event JSON keys (no message)', '["phase","status","t_ms","ended_at","duration_ms"]', JSON.stringify(Object.keys(JSON.parse(JSON.stringify(ok.phaseEvents[1])))));
check('phase success status completed', 'completed', ok.phaseEvents[1].status);
check('phase success message undefined', undefined, ok.phaseEvents[1].message);
check('phase success end event timing', [ok.elapsedMs, ok.elapsedMs], [ok.phaseEvents[1].t_ms, ok.phaseEvents[1].duration_ms]);
checkTrue('phase success ended_at ISO', ISO_MS.test(ok.phaseEvents[1].ended_at), ok.phaseEvents[1].ended_at);
check('phase success writes one resource file', before.length + 1, listChildren().length);

const failed = await h.homeboyRunBenchPhase('fail', 'sh', ['-c', 'exit 3']);
check('phase failure resolves with code 3', [3, null], [failed.code, failed.signal]);
check('phase failure status', 'failed', failed.phaseEvents[1].status);
check('phase failure message', 'sh exited with 3', failed.phaseEvents[1].message);

const envCwd = fs.mkdtempSync(path.join(work, 'cwd-'));
const envRun = await h.homeboyRunBenchPhase('env', 'sh', ['-c', 'printf "%s|%s|%s" "$HB_TEST_VAR" "$(pwd -P)" "$HB_INHERITED"'],
  { cwd: envCwd, env: { HB_TEST_VAR: 'v1' } });
check('phase cwd and env options (env merged over process.env)', `v1|${fs.realpathSync(envCwd)}|inherited`, envRun.stdout);

const t0 = Date.now();
const killed = await h.homeboyRunBenchPhase('slow', 'sleep', ['10'], { timeoutMs: 300 });
check('phase timeout resolves with SIGKILL', [null, 'SIGKILL'], [killed.code, killed.signal]);
check('phase timeout message', 'sleep exited with SIGKILL', killed.phaseEvents[1].message);
check('phase timeout status', 'failed', killed.phaseEvents[1].status);
checkTrue('phase timeout is prompt', Date.now() - t0 < 5000, Date.now() - t0);

before = listChildren();
err = await rejection(() => h.homeboyRunBenchPhase('missing', path.join(work, 'no-such-command')));
check('phase spawn error rejects with ENOENT', 'ENOENT', err && err.code);
check('phase spawn error writes no resource file', before, listChildren());

// Resource file for a small process tree.
before = listChildren();
const tree = await h.homeboyRunBenchPhase('Install Deps!', 'sh', ['-c', 'sleep 0.4 & sleep 0.5; wait'], { sampleIntervalMs: 50 });
const added = listChildren().filter((f) => !before.includes(f));
check('resource file written once', 1, added.length);
const fileName = added[0] || '';
const nameMatch = /^(\d+)-(\d+)-Install-Deps\.json$/.exec(fileName);
checkTrue('resource file name <pid>-<ms>-Install-Deps.json', nameMatch !== null, fileName);
const resourceText = fileName ? fs.readFileSync(path.join(childrenDir, fileName), 'utf8') : '{}';
const res = JSON.parse(resourceText);
check('resource file 2-space, no trailing newline', JSON.stringify(res, null, 2), resourceText);
check('resource file keys',
  '["root_pid","command_label","phase","started_at","finished_at","duration_ms","sampled_peak_rss_bytes","sampled_peak_cpu_percent","sampled_peak_at_ms","sampled_peak_child_count","samples","warnings"]',
  JSON.stringify(Object.keys(res)));
check('resource root_pid matches file name', nameMatch ? Number(nameMatch[1]) : -1, res.root_pid);
checkTrue('resource file name has Date.now() ms', nameMatch && Math.abs(Number(nameMatch[2]) - Date.now()) < 60000, fileName);
check('resource command_label', 'sh -c sleep 0.4 & sleep 0.5; wait', res.command_label);
check('resource phase', 'Install Deps!', res.phase);
check('resource started_at equals phase start', tree.phaseEvents[0].started_at, res.started_at);
checkTrue('resource finished_at ISO', ISO_MS.test(res.finished_at), res.finished_at);
check('resource duration_ms equals elapsedMs', tree.elapsedMs, res.duration_ms);
check('resource warnings empty', [], res.warnings);
const samples = res.samples || [];
checkTrue('resource has several samples', samples.length >= 3, samples.length);
const s0 = samples[0] || {};
check('sample keys', '["elapsed_ms","timestamp","root_pid","phase","rss_bytes","cpu_percent","child_count","processes"]', JSON.stringify(Object.keys(s0)));
check('sample root_pid and phase', [res.root_pid, 'Install Deps!'], [s0.root_pid, s0.phase]);
checkTrue('sample timestamp ISO', ISO_MS.test(s0.timestamp || ''), s0.timestamp);
const p0 = (s0.processes || [])[0] || {};
check('process entry keys', '["pid","parent_pid","rss_bytes","cpu_percent","command"]', JSON.stringify(Object.keys(p0)));
check('first process is the root', res.root_pid, p0.pid);
checkTrue('some sample sees child processes', samples.some((s) => s.child_count >= 1), samples.map((s) => s.child_count));
checkTrue('sample processes sorted by pid, child_count = n - 1, rss/cpu sums',
  samples.every((s) => s.processes.every((p, i, a) => i === 0 || a[i - 1].pid < p.pid)
    && s.child_count === s.processes.length - 1
    && s.rss_bytes === s.processes.reduce((t, p) => t + p.rss_bytes, 0)
    && Math.abs(s.cpu_percent - s.processes.reduce((t, p) => t + p.cpu_percent, 0)) < 1e-9
    && s.processes.every((p) => Number.isInteger(p.pid) && Number.isInteger(p.parent_pid) && Number.isInteger(p.rss_bytes)
      && p.rss_bytes % 1024 === 0 && typeof p.cpu_percent === 'number' && typeof p.command === 'string')), samples);
checkTrue('descendants are linked to the tree', samples.every((s) => s.processes.slice(1).every((p) => s.processes.some((q) => q.pid === p.parent_pid))), samples);
const maxRss = Math.max(...samples.map((s) => s.rss_bytes));
const peak = samples.find((s) => s.rss_bytes === maxRss) || {};
check('peak fields from first max-rss sample', [maxRss, peak.elapsed_ms, peak.child_count],
  [res.sampled_peak_rss_bytes, res.sampled_peak_at_ms, res.sampled_peak_child_count]);
check('peak cpu is max over samples', Math.max(0, ...samples.map((s) => s.cpu_percent)), res.sampled_peak_cpu_percent);

// Sampling interval from the environment, and the symbol-only phase name.
process.env.HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS = '60';
before = listChildren();
await h.homeboyRunBenchPhase('!!!', 'sleep', ['0.8']);
let newFiles = listChildren().filter((f) => !before.includes(f));
const envSampled = newFiles[0] ? JSON.parse(fs.readFileSync(path.join(childrenDir, newFiles[0]), 'utf8')) : { samples: [] };
// 60 ms over 0.8 s gives about 14 samples; the 1000 ms default gives 2.
// Three leaves room for a loaded machine while still telling them apart.
checkTrue('HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS sets the interval', envSampled.samples.length >= 3, envSampled.samples.length);
checkTrue('symbol-only phase falls back to "phase" in the file name', /^\d+-\d+-phase\.json$/.test(newFiles[0] || ''), newFiles);
process.env.HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS = 'abc';
before = listChildren();
await h.homeboyRunBenchPhase('default-interval', 'sleep', ['0.6']);
newFiles = listChildren().filter((f) => !before.includes(f));
const defSampled = newFiles[0] ? JSON.parse(fs.readFileSync(path.join(childrenDir, newFiles[0]), 'utf8')) : { samples: [1, 2, 3] };
checkTrue('invalid interval env falls back to 1000 ms', defSampled.samples.length <= 2, defSampled.samples.length);
delete process.env.HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS;

// No HOMEBOY_RUN_DIR: no resource file anywhere.
delete process.env.HOMEBOY_RUN_DIR;
before = listChildren();
const noDir = await h.homeboyRunBenchPhase('nodir', 'true');
check('phase without HOMEBOY_RUN_DIR still resolves', 0, noDir.code);
check('phase without HOMEBOY_RUN_DIR writes no resource file', before, listChildren());
JS

export HB_INHERITED=inherited
run_suite "js" node "$TMP/js_suite.mjs" "$JS_HELPER" "$TMP/js"
unset HB_INHERITED

# ==========================================================================
# PHP helper
# ==========================================================================

cat >"$TMP/php_suite.php" <<'PHP'
<?php
[$script, $helper, $work] = $argv;
@mkdir($work, 0777, true);
require $helper;
require $helper; // loading twice must be harmless

function show($v): string
{
    return json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
}
function check(string $name, $expected, $actual): void
{
    if ($expected === $actual) {
        echo "ok - php $name\n";
    } else {
        echo "not ok - php $name: expected " . show($expected) . ' got ' . show($actual) . "\n";
    }
}
function thrown(callable $fn): ?Throwable
{
    try {
        $fn();
    } catch (Throwable $e) {
        return $e;
    }
    return null;
}
function describe(?Throwable $e): string
{
    return $e === null ? 'no exception' : get_class($e) . ': ' . $e->getMessage();
}

// --- 2.2 percentile table ---
$rows = [
    '[]' => [[], ['0', '0', '0', '0', '0']],
    '[7]' => [[7], ['7', '7', '7', '7', '7']],
    '[1,3,5]' => [[1, 3, 5], ['1', '3', '4.800000000000001', '4.960000000000001', '5']],
    '[10,20,30,40]' => [[10, 20, 30, 40], ['10', '25', '38.5', '39.699999999999996', '40']],
    '[1..10]' => [range(1, 10), ['1', '5.5', '9.549999999999999', '9.91', '10']],
    '[2,4]' => [[2, 4], ['2', '3', '3.9', '3.98', '4']],
    '[1..20]' => [range(1, 20), ['1', '10.5', '19.05', '19.81', '20']],
    '[1..100]' => [range(1, 100), ['1', '50.5', '95.05', '99.01', '100']],
];
$ps = [0, 0.5, 0.95, 0.99, 1];
foreach ($rows as $label => [$values, $expected]) {
    foreach ($ps as $i => $p) {
        $result = homeboy_bench_percentile($values, $p);
        check("percentile $label p" . ($p * 100), $expected[$i], is_float($result) ? json_encode($result) : 'non-float ' . var_export($result, true));
    }
}

// --- 2.1 slug table (PHP column; no basename step) ---
$slugs = [
    'bench/cold-boot.bench.ts' => 'bench-cold-boot-bench',
    'src/bin/bench_http.rs' => 'src-bin-bench-http',
    'HTTPServer.php' => 'httpserver',
    'parseJSONFast.js' => 'parse-jsonfast',
    'a1B2c3.ts' => 'a1-b2c3',
    'v8Engine.bench.js' => 'v8-engine-bench',
    'my workload (v2).sh' => 'my-workload-v2',
    '__Weird__Name__.py' => 'weird-name',
    'UPPER_CASE_NAME.sh' => 'upper-case-name',
    'foo.tar.gz' => 'foo-tar',
    'x.bench.ts.bak' => 'x-bench-ts',
    '.hidden' => '',
    'dir/' => 'dir',
    '' => '',
    'Ünïcode-Name.js' => 'n-code-name',
    'İstanbul.js' => 'stanbul',
];
foreach ($slugs as $input => $expected) {
    check("slug '$input'", $expected, homeboy_bench_scenario_id((string) $input));
}

// --- 2.3 selection ---
putenv('HOMEBOY_BENCH_SCENARIOS');
check('selected scenarios, unset env', [], homeboy_bench_selected_scenarios());
putenv('HOMEBOY_BENCH_SCENARIOS= cold, ,warm ,,');
check('selected scenarios from env, trimmed, empties dropped, reindexed', ['cold', 'warm'], homeboy_bench_selected_scenarios());
check('selected scenarios explicit', ['a', 'b'], homeboy_bench_selected_scenarios(',a , b'));
check('scenario selected from env list', true, homeboy_bench_scenario_selected('warm'));
check('scenario not in env list', false, homeboy_bench_scenario_selected('hot'));
check('empty id not selected with non-empty list', false, homeboy_bench_scenario_selected('', ['a']));
check('empty id selected when list empty', true, homeboy_bench_scenario_selected('', []));
check('empty list selects all', true, homeboy_bench_scenario_selected('x', []));
check('strict in_array', false, homeboy_bench_scenario_selected('1', [1]));
check('explicit list match', true, homeboy_bench_scenario_selected('b', ['a', 'b']));
putenv('HOMEBOY_BENCH_SCENARIOS');
check('unset env selects all', true, homeboy_bench_scenario_selected('anything'));

// --- artifact ref, envelopes, inventory ---
check('artifact ref path only', ['path' => 'p'], homeboy_bench_artifact_ref('p'));
check('artifact ref label only', ['path' => 'p', 'label' => 'L'], homeboy_bench_artifact_ref('p', null, 'L'));
check('artifact ref empty kind dropped', ['path' => 'p', 'label' => 'L'], homeboy_bench_artifact_ref('p', '', 'L'));
check('artifact ref kind and label', ['path' => 'p', 'kind' => 'k', 'label' => 'L'], homeboy_bench_artifact_ref('p', 'k', 'L'));
check('artifact ref empty path throws', 'InvalidArgumentException: homeboy_bench_artifact_ref requires a path',
    describe(thrown(fn() => homeboy_bench_artifact_ref(''))));
check('results envelope', ['component_id' => 'c', 'iterations' => 2, 'scenarios' => []], homeboy_bench_results_envelope('c', 2, []));

check('inventory entry minimal', ['id' => 'a', 'iterations' => 0, 'tags' => [], 'metrics' => []],
    homeboy_bench_scenario_inventory_entry(['id' => 'a']));
check('inventory entry full key order', [
        'id' => 'a', 'iterations' => 0, 'tags' => ['t'], 'metrics' => ['m' => 1], 'default_iterations' => 5,
        'file' => 'f', 'source' => 's', 'metadata' => ['k' => 1], 'provenance' => ['p' => 1], 'artifacts' => ['l' => ['path' => 'x']],
    ],
    homeboy_bench_scenario_inventory_entry([
        'artifacts' => ['l' => ['path' => 'x']], 'provenance' => ['p' => 1], 'metadata' => ['k' => 1], 'source' => 's',
        'file' => 'f', 'default_iterations' => '5', 'metrics' => ['m' => 1], 'tags' => ['t'], 'id' => 'a', 'iterations' => 9,
    ]));
check('inventory entry null default_iterations becomes 0, empty optionals skipped',
    ['id' => 'a', 'iterations' => 0, 'tags' => [], 'metrics' => [], 'default_iterations' => 0, 'source' => '0'],
    homeboy_bench_scenario_inventory_entry(['id' => 'a', 'default_iterations' => null, 'file' => '', 'source' => '0', 'metadata' => [], 'provenance' => null]));
foreach (['empty string id' => ['id' => ''], "'0' id" => ['id' => '0'], 'missing id' => ['file' => 'f']] as $label => $input) {
    check("inventory entry $label throws", 'InvalidArgumentException: homeboy_bench_scenario_inventory_entry requires an id',
        describe(thrown(fn() => homeboy_bench_scenario_inventory_entry($input))));
}
check('inventory envelope', [
        'component_id' => 'c', 'iterations' => 0, 'scenarios' => [
            ['id' => 'a', 'iterations' => 0, 'tags' => [], 'metrics' => [], 'default_iterations' => 7],
            ['id' => 'b', 'iterations' => 0, 'tags' => [], 'metrics' => [], 'default_iterations' => 2],
            ['id' => 'n', 'iterations' => 0, 'tags' => [], 'metrics' => [], 'default_iterations' => 0],
        ],
    ],
    homeboy_bench_scenario_inventory_envelope('c', 7, [['id' => 'a', 'iterations' => 3], ['id' => 'b', 'default_iterations' => 2], ['id' => 'n', 'default_iterations' => null]]));
check('inventory envelope propagates entry errors', 'InvalidArgumentException: homeboy_bench_scenario_inventory_entry requires an id',
    describe(thrown(fn() => homeboy_bench_scenario_inventory_envelope('c', 1, [['id' => '']]))));

// --- writers ---
$file = "$work/w/deep/results.json";
homeboy_write_bench_results($file, 'cömp', 3, [
    ['id' => 'a/ü', 'iterations' => 3, 'metrics' => ['mean_ms' => 3.0, 'p95_ms' => 4.800000000000001, 'x' => 2.5], 'tags' => []],
    ['id' => 'b', 'iterations' => 0, 'metrics' => []],
]);
$expected = <<<'EOT'
{
    "component_id": "c\u00f6mp",
    "iterations": 3,
    "scenarios": [
        {
            "id": "a/\u00fc",
            "iterations": 3,
            "metrics": {
                "mean_ms": 3,
                "p95_ms": 4.800000000000001,
                "x": 2.5
            },
            "tags": []
        },
        {
            "id": "b",
            "iterations": 0,
            "metrics": []
        }
    ]
}
EOT;
check('write results exact text (4-space, \\u escapes, 3.0 as 3, [] metrics, no trailing newline)', $expected, file_get_contents($file));
homeboy_write_empty_bench_results($file, 'c');
check('write empty results overwrites, default iterations 0', "{\n    \"component_id\": \"c\",\n    \"iterations\": 0,\n    \"scenarios\": []\n}", file_get_contents($file));
homeboy_write_empty_bench_results("$work/w2/e.json", 'c', 4);
check('write empty results with iterations', "{\n    \"component_id\": \"c\",\n    \"iterations\": 4,\n    \"scenarios\": []\n}", file_get_contents("$work/w2/e.json"));
homeboy_write_bench_scenario_inventory("$work/w3/inv.json", 'c', 5, [['id' => 'a', 'file' => 'src/x.php']]);
check('write inventory exact text',
    "{\n    \"component_id\": \"c\",\n    \"iterations\": 0,\n    \"scenarios\": [\n        {\n            \"id\": \"a\",\n            \"iterations\": 0,\n            \"tags\": [],\n            \"metrics\": [],\n            \"default_iterations\": 5,\n            \"file\": \"src/x.php\"\n        }\n    ]\n}",
    file_get_contents("$work/w3/inv.json"));
check('write invalid UTF-8 throws json_encode failed', 'RuntimeException: json_encode failed: Malformed UTF-8 characters, possibly incorrectly encoded',
    describe(thrown(fn() => homeboy_write_empty_bench_results("$work/w4/x.json", "bad\xff"))));
file_put_contents("$work/plainfile", 'x');
check('write under a file throws failed to create', "RuntimeException: failed to create $work/plainfile/sub",
    describe(thrown(fn() => homeboy_write_empty_bench_results("$work/plainfile/sub/x.json", 'c'))));
@mkdir("$work/isdir.json");
check('write onto a directory throws failed to write', "RuntimeException: failed to write $work/isdir.json",
    describe(thrown(fn() => homeboy_write_empty_bench_results("$work/isdir.json", 'c'))));

// --- ping ---
putenv('HOMEBOY_BENCH_RESPONSIVENESS_FILE');
homeboy_bench_responsiveness_ping(['label' => 'x']); // starts the clock, writes nothing
check('ping without file writes nothing', [], glob("$work/*.jsonl"));
usleep(250000);
$ping = "$work/ping/nested/resp.jsonl";
putenv("HOMEBOY_BENCH_RESPONSIVENESS_FILE=$ping");
homeboy_bench_responsiveness_ping();
homeboy_bench_responsiveness_ping(['t_ms' => 5, 'label' => 'a/b', 'ü' => 1]);
$lines = explode("\n", (string) @file_get_contents($ping));
check('ping appends lines with trailing newline', 3, count($lines));
check('ping last line empty', '', $lines[2] ?? null);
check('ping line shape', 1, preg_match('/^\{"at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","t_ms":(0|[1-9]\d*)\}$/', $lines[0] ?? ''));
$first = json_decode($lines[0] ?? '{}', true);
check('ping clock started on first call even without file', true, is_int($first['t_ms'] ?? null) && $first['t_ms'] >= 200 && $first['t_ms'] < 60000);
check('ping at is current UTC', true, abs(strtotime($first['at'] ?? '') - time()) < 60);
check('ping event merged in place, slashes unescaped, unicode escaped', 1,
    preg_match('/^\{"at":"[^"]+","t_ms":5,"label":"a\/b","\\\\u00fc":1\}$/', $lines[1] ?? ''));
putenv('HOMEBOY_BENCH_RESPONSIVENESS_FILE');
PHP

run_suite "php" php "$TMP/php_suite.php" "$PHP_HELPER" "$TMP/php"

# ==========================================================================
# Shared contract phrases (section 7, item 6)
# ==========================================================================

for helper in "$SH_HELPER" "$JS_HELPER"; do
    for phrase in "R-7 percentile" "p * (n - 1)" "scenario" "slug" "component_id" "scenarios"; do
        if grep -qF -- "$phrase" "$helper"; then
            pass "$(basename "$helper") mentions '$phrase'"
        else
            fail "$(basename "$helper") mentions '$phrase'" "phrase present" "missing"
        fi
    done
done

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[[ $FAIL -eq 0 ]]

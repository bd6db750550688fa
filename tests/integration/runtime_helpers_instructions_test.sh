#!/usr/bin/env bash
#
# The shell helper's homeboy_bench_measure_instructions and the instruction
# samples it leaves for homeboy_write_bench_results_from_payload_files
# (docs/runner-contract.md, "Counting instructions from a runner"). Kept
# apart from runtime_helpers_test.sh, which covers the original helpers.
#
# Usage: tests/integration/runtime_helpers_instructions_test.sh <helper dir> [homeboy]
#
# A stand-in homeboy checks the helper's bookkeeping on any machine; with the
# real binary as second argument it is also checked against it (real counts
# where Valgrind is installed). Prints "ok - <name>" or "not ok - <name>:
# expected X got Y", then "N passed, M failed"; exits non-zero when M > 0.

set -u

if [[ $# -lt 1 || $# -gt 2 || ! -f "$1/bench-helper.sh" ]]; then
    echo "usage: $0 <dir containing bench-helper.sh> [homeboy]" >&2
    exit 2
fi
HOMEBOY_UNDER_TEST="${2:-}"
command -v python3 >/dev/null 2>&1 || { echo "missing required tool: python3" >&2; exit 2; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/runtime-instructions-test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/tap.sh"

unset HOMEBOY_BENCH_RESULTS_FILE HOMEBOY_COMPONENT_ID HOMEBOY_BENCH_ITERATIONS HOMEBOY_RUN_DIR \
      HOMEBOY_BIN HOMEBOY_TEST_NO_PERF HOMEBOY_TEST_NO_VALGRIND
# shellcheck source=/dev/null
source "$1/bench-helper.sh"
SH_DIR="$TMP"

# --- instruction counts (homeboy_bench_measure_instructions) ----------------
# A stand-in homeboy answers like `runtime count-instructions --json`, so the
# helper's bookkeeping is checked on any machine; the real binary follows.
I="$SH_DIR/instructions"
mkdir -p "$I"
cat >"$I/fake-homeboy" <<'EOF'
#!/usr/bin/env bash
# Counts 1000 + the number of arguments after `--`; `fail` fails like a command
# that failed under Valgrind.
[[ "$1 $2 $3" == "runtime count-instructions --json" && "$4" == "--" ]] || exit 9
shift 4
if [[ "$1" == "fail" ]]; then
    printf '{"success":false,"error":{"code":"measure.command_failed","message":"`fail` exited with code 3 under Valgrind (cachegrind); check that the command runs without Valgrind"}}\n'
    exit 1
fi
printf '{"success":true,"data":{"variant":"count","payload":{"instructions":%d,"cache_misses":null,"counter":"cachegrind (valgrind)"}}}\n' $((1000 + $#))
EOF
chmod +x "$I/fake-homeboy"

out="$(HOMEBOY_BIN="$I/fake-homeboy" HOMEBOY_RUN_DIR="$I/run" homeboy_bench_measure_instructions hash -- a b 2>"$SH_DIR/err")"
rc=$?
check_eq "sh measure_instructions returns 0" 0 "$rc"
check_eq "sh measure_instructions prints nothing on stdout" "" "$out"
HOMEBOY_BIN="$I/fake-homeboy" HOMEBOY_RUN_DIR="$I/run" homeboy_bench_measure_instructions hash -- a b c 2>"$SH_DIR/err"
check_eq "sh measure_instructions appends one sample per call to \$HOMEBOY_RUN_DIR/instructions-<id>.json" \
    '{"instructions":[1002,1003],"instruction_counter":"cachegrind (valgrind)"}' \
    "$(json_get "$I/run/instructions-hash.json" 'd')"
HOMEBOY_BIN="$I/fake-homeboy" homeboy_bench_measure_instructions other --payload "$I/other.json" -- x 2>"$SH_DIR/err"
check_eq "sh measure_instructions --payload names the file" '[1001]' "$(json_get "$I/other.json" 'd["instructions"]')"

HOMEBOY_BIN="$I/fake-homeboy" HOMEBOY_RUN_DIR="$I/run" homeboy_bench_measure_instructions hash -- fail 2>"$SH_DIR/err"
rc=$?
check_eq "sh measure_instructions returns homeboy's code when the command fails" 1 "$rc"
check_contains "sh measure_instructions says why on stderr" "homeboy_bench_measure_instructions: \`fail\` exited with code 3 under Valgrind" "$(cat "$SH_DIR/err")"
check_eq "sh measure_instructions adds no sample for a failed command" '[1002,1003]' \
    "$(json_get "$I/run/instructions-hash.json" 'd["instructions"]')"

HOMEBOY_RUN_DIR="$I/run" homeboy_bench_measure_instructions hash -- a 2>"$SH_DIR/err"
rc=$?
check_eq "sh measure_instructions without HOMEBOY_BIN returns 2" 2 "$rc"
check_contains "sh measure_instructions names HOMEBOY_BIN" "HOMEBOY_BIN is required" "$(cat "$SH_DIR/err")"
HOMEBOY_BIN="$I/fake-homeboy" homeboy_bench_measure_instructions hash a 2>"$SH_DIR/err"
check_eq "sh measure_instructions without -- returns 2" 2 "$?"
HOMEBOY_BIN="$I/fake-homeboy" homeboy_bench_measure_instructions 2>"$SH_DIR/err"
check_eq "sh measure_instructions without a scenario id returns 2" 2 "$?"

R="$I/results.json"
(cd "$I" && homeboy_write_bench_results_from_payload_files --results-file "$R" --component comp \
    --iterations 2 "hash=run/instructions-hash.json" 2>"$SH_DIR/err")
rc=$?
check_eq "sh results from instruction samples returns 0" 0 "$rc"
check_eq "sh instruction samples become the metric instructions (median) and its distribution" \
    '{"instructions":1002.5,"distributions":{"instructions":[1002.0,1003.0]}}' \
    "$(json_get "$R" 'd["scenarios"][0]["metrics"]')"
check_eq "sh instruction samples count as the scenario's iterations" 2 "$(json_get "$R" 'd["scenarios"][0]["iterations"]')"
check_eq "sh the counter is kept in the scenario's metadata" '"cachegrind (valgrind)"' \
    "$(json_get "$R" 'd["scenarios"][0]["metadata"]["instruction_counter"]')"
check_eq "sh instruction counts get their default policy (lower is better, point test, 1 %)" \
    '{"instructions":{"direction":"lower_is_better","variance_aware":false,"regression_test":"point_delta","regression_threshold_percent":1.0}}' \
    "$(json_get "$R" 'd["metric_policies"]')"

if [[ -n "$HOMEBOY_UNDER_TEST" ]]; then
    HOMEBOY_TEST_NO_PERF=1 HOMEBOY_TEST_NO_VALGRIND=1 HOMEBOY_BIN="$HOMEBOY_UNDER_TEST" \
        HOMEBOY_RUN_DIR="$I/real" homeboy_bench_measure_instructions t -- true 2>"$SH_DIR/err"
    check_eq "sh measure_instructions with no counter returns 2" 2 "$?"
    check_contains "sh measure_instructions with no counter names Valgrind" "apt-get install valgrind" "$(cat "$SH_DIR/err")"
    if command -v valgrind >/dev/null 2>&1; then
        for _ in 1 2; do
            HOMEBOY_TEST_NO_PERF=1 HOMEBOY_BIN="$HOMEBOY_UNDER_TEST" HOMEBOY_RUN_DIR="$I/real" \
                homeboy_bench_measure_instructions t -- sh -c 'echo hi >/dev/null' 2>"$SH_DIR/err"
        done
        check_eq "sh measure_instructions counts with the real homeboy under cachegrind" \
            '[2,"cachegrind (valgrind)",true]' \
            "$(json_get "$I/real/instructions-t.json" '[len(d["instructions"]), d["instruction_counter"], d["instructions"][0] > 10000]')"
        HOMEBOY_TEST_NO_PERF=1 HOMEBOY_BIN="$HOMEBOY_UNDER_TEST" HOMEBOY_RUN_DIR="$I/real" \
            homeboy_bench_measure_instructions t -- sh -c 'echo broken >&2; exit 4' 2>"$SH_DIR/err"
        check_eq "sh measure_instructions: a command failing under Valgrind returns 1" 1 "$?"
        check_contains "sh measure_instructions: the failure names Valgrind" "exited with code 4 under Valgrind" "$(cat "$SH_DIR/err")"
    fi
fi

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[[ $FAIL -eq 0 ]]

# Shared reporting for the shell test scripts (runtime_helpers_test.sh,
# runtime_helpers_instructions_test.sh, runner_runtime_test.sh): TAP-style
# "ok - name" / "not ok - name: expected [..] got [..]" lines and the PASS
# and FAIL counters each script totals at its end. Source it; it defines
# functions and the two counters only.

PASS=0
FAIL=0

# Make a value printable on one line (newlines, tabs, backslashes escaped).
show() {
    local v="$1"
    v="${v//\\/\\\\}"
    v="${v//$'\n'/\\n}"
    v="${v//$'\t'/\\t}"
    v="${v//$'\r'/\\r}"
    printf '[%s]' "$v"
}

pass() {
    PASS=$((PASS + 1))
    printf 'ok - %s\n' "$1"
}

fail() {
    FAIL=$((FAIL + 1))
    printf 'not ok - %s: expected %s got %s\n' "$1" "$(show "$2")" "$(show "$3")"
}

# check_eq <name> <expected> <actual>
check_eq() {
    if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1" "$2" "$3"; fi
}

# check_match <name> <extended-regex> <actual>
check_match() {
    if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1" "match /$2/" "$3"; fi
}

# check_contains <name> <needle> <haystack>
check_contains() {
    if [[ "$3" == *"$2"* ]]; then pass "$1"; else fail "$1" "text containing $(show "$2")" "$3"; fi
}

# check_file_absent <name> <path>
check_file_absent() {
    if [[ ! -e "$2" ]]; then pass "$1"; else fail "$1" "no file $2" "file exists"; fi
}

# Print a file's exact content (keeps trailing newlines) into REPLY.
read_exact() {
    if [[ -f "$1" ]]; then
        REPLY="$(cat -- "$1"; printf x)"
        REPLY="${REPLY%x}"
    else
        REPLY="<missing file $1>"
    fi
}

# json_get <file> <python expression over d>: print json.dumps(expr), compact.
json_get() {
    python3 - "$1" "$2" <<'PY' 2>&1
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as handle:
        d = json.load(handle)
    print(json.dumps(eval(sys.argv[2]), separators=(",", ":"), ensure_ascii=False))
except Exception as err:  # report instead of crashing the test run
    print("<error: %s>" % err)
PY
}

# homeboy runtime: sidecar-writer.sh (runtime-helpers.md section 8.6).
#
# Why: lint, test and fix runners hand their findings to homeboy as JSON
# files beside the run (HOMEBOY_LINT_FINDINGS_FILE, ...). Building JSON in
# bash is error-prone, so runners pass each item as a JSON string and these
# functions parse it, check its type and write the file atomically, in the
# compact form the original wrote. An empty or unset target is a no-op.
#
# The JSON work is done by python3 (or python), as in the original. Unlike
# the original, a pipe or other non-regular file given as a merge source is
# read, not skipped as if it were empty.

# homeboy_sidecar_python: prints the python interpreter to use.
homeboy_sidecar_python() {
    if command -v python3 >/dev/null 2>&1; then
        command -v python3
    elif command -v python >/dev/null 2>&1; then
        command -v python
    else
        echo "[sidecar-writer] python3 or python is required" >&2
        return 1
    fi
}

# homeboy_sidecar_json OP TARGET [ARG...]: runs one JSON operation
# (write-array, write-object, append, merge) on TARGET.
homeboy_sidecar_json() {
    local hb_python
    hb_python="$(homeboy_sidecar_python)" || return 1
    "$hb_python" -c '
import json, os, stat, sys, tempfile

def fail(message):
    sys.stderr.write("[sidecar-writer] %s\n" % message)
    sys.exit(1)

def parse(text, what):
    try:
        return json.loads(text)
    except ValueError as error:
        fail("%s is not valid JSON: %s" % (what, error))

def read_array(path, message, skip_empty):
    """The array in path; None when path is missing or empty (a 0-byte
    regular file, or a pipe that gave nothing) and skip_empty holds."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        fail("cannot read %s: %s" % (path, error))
    if stat.S_ISDIR(info.st_mode):
        fail("%s is a directory" % path)
    if stat.S_ISREG(info.st_mode) and info.st_size == 0:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        fail("cannot read %s: %s" % (path, error))
    if text == "" and skip_empty:
        return None
    value = parse(text, path)
    if not isinstance(value, list):
        fail(message % path)
    return value

def write(target, value):
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"
    directory = os.path.dirname(target) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        fail("cannot create %s: %s" % (directory, error))
    if os.path.isdir(target):
        fail("%s is a directory" % target)
    try:
        handle, temp = tempfile.mkstemp(prefix=".homeboy-sidecar-", suffix=".json", dir=directory)
    except OSError as error:
        fail("cannot write in %s: %s" % (directory, error))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(temp, target)
    except OSError as error:
        try:
            os.unlink(temp)
        except OSError:
            pass
        fail("cannot write %s: %s" % (target, error))

op, target, args = sys.argv[1], sys.argv[2], sys.argv[3:]
if op == "write-array":
    write(target, [parse(item, "item %r" % item) for item in args])
elif op == "write-object":
    if not args:
        fail("no JSON object given for %s" % target)
    value = parse(args[0], "item %r" % args[0])
    if not isinstance(value, dict):
        fail("sidecar must contain a JSON object")
    write(target, value)
elif op == "append":
    item = parse(args[0] if args else "", "item %r" % (args[0] if args else ""))
    existing = read_array(target, "sidecar must contain a JSON array: %s", False) or []
    write(target, existing + [item])
elif op == "merge":
    source = read_array(args[0], "source sidecar must contain a JSON array: %s", True)
    if source is None:
        sys.exit(0)
    existing = read_array(target, "sidecar must contain a JSON array: %s", False) or []
    write(target, existing + source)
' "$@"
}

# homeboy_sidecar_write_json_array TARGET [ITEM...]: overwrites TARGET with
# the array of the parsed items.
homeboy_sidecar_write_json_array() {
    local hb_target="${1:-}"
    if [ -z "$hb_target" ]; then return 0; fi
    shift
    homeboy_sidecar_json write-array "$hb_target" "$@"
}

# homeboy_sidecar_write_json_object TARGET ITEM: overwrites TARGET with the
# parsed ITEM, which must be an object.
homeboy_sidecar_write_json_object() {
    local hb_target="${1:-}"
    if [ -z "$hb_target" ]; then return 0; fi
    shift
    homeboy_sidecar_json write-object "$hb_target" "$@"
}

# homeboy_sidecar_append_json TARGET ITEM: appends ITEM to the array in
# TARGET (a missing or empty TARGET counts as []).
homeboy_sidecar_append_json() {
    local hb_target="${1:-}"
    if [ -z "$hb_target" ]; then return 0; fi
    homeboy_sidecar_json append "$hb_target" "${2-}"
}

# homeboy_sidecar_merge_json_array TARGET SOURCE: appends the items of the
# array in SOURCE to TARGET; a missing or empty SOURCE is a no-op.
homeboy_sidecar_merge_json_array() {
    local hb_target="${1:-}" hb_source="${2:-}"
    if [ -z "$hb_target" ] || [ -z "$hb_source" ]; then return 0; fi
    if [ ! -e "$hb_source" ]; then return 0; fi
    if [ -f "$hb_source" ] && [ ! -s "$hb_source" ]; then return 0; fi
    homeboy_sidecar_json merge "$hb_target" "$hb_source"
}

# homeboy_sidecar_target_for_type TYPE: prints the file a sidecar TYPE goes
# to (an empty line when its variable is unset); status 1 for an unknown
# TYPE.
homeboy_sidecar_target_for_type() {
    local hb_type="${1:-}" hb_name hb_dir
    case "$hb_type" in
        lint.finding|lint.findings) printf '%s\n' "${HOMEBOY_LINT_FINDINGS_FILE:-}" ;;
        test.failure|test.failures) printf '%s\n' "${HOMEBOY_TEST_FAILURES_FILE:-}" ;;
        test.result|test.results) printf '%s\n' "${HOMEBOY_TEST_RESULTS_FILE:-}" ;;
        fix.result|fix.results) printf '%s\n' "${HOMEBOY_FIX_RESULTS_FILE:-}" ;;
        annotation.*|annotations.*)
            hb_name="${hb_type#annotation.}"
            hb_name="${hb_name#annotations.}"
            hb_name="$(printf '%s' "$hb_name" | LC_ALL=C tr -c 'A-Za-z0-9_.-' '-')"
            hb_dir="${HOMEBOY_ANNOTATIONS_DIR:-}"
            hb_dir="${hb_dir%/}"
            if [ -z "$hb_name" ] || [ -z "$hb_dir" ]; then
                printf '\n'
            else
                printf '%s/%s.json\n' "$hb_dir" "$hb_name"
            fi
            ;;
        *)
            echo "[sidecar-writer] unknown sidecar type: $hb_type" >&2
            return 1
            ;;
    esac
}

# homeboy_sidecar_write TYPE [ITEM...]: overwrites the TYPE's file (one
# object for test results, an array otherwise).
homeboy_sidecar_write() {
    local hb_type="${1:-}" hb_target
    hb_target="$(homeboy_sidecar_target_for_type "$hb_type")" || return 1
    if [ $# -gt 0 ]; then shift; fi
    case "$hb_type" in
        test.result|test.results)
            if [ -z "$hb_target" ]; then return 0; fi
            if [ $# -gt 0 ]; then
                homeboy_sidecar_write_json_object "$hb_target" "$1"
            else
                homeboy_sidecar_write_json_object "$hb_target"
            fi
            ;;
        *) homeboy_sidecar_write_json_array "$hb_target" "$@" ;;
    esac
}

# homeboy_sidecar_emit TYPE ITEM: appends ITEM to the TYPE's array.
homeboy_sidecar_emit() {
    local hb_target
    hb_target="$(homeboy_sidecar_target_for_type "${1:-}")" || return 1
    homeboy_sidecar_append_json "$hb_target" "${2-}"
}

# homeboy_sidecar_merge TYPE SOURCE: appends SOURCE's array to the TYPE's.
homeboy_sidecar_merge() {
    local hb_target
    hb_target="$(homeboy_sidecar_target_for_type "${1:-}")" || return 1
    homeboy_sidecar_merge_json_array "$hb_target" "${2-}"
}

# homeboy_annotation_file NAME: prints the file of the annotation NAME.
homeboy_annotation_file() {
    homeboy_sidecar_target_for_type "annotation.${1-}"
}

homeboy_write_lint_findings() { homeboy_sidecar_write lint.findings "$@"; }
homeboy_append_lint_finding() { homeboy_sidecar_emit lint.finding "${1-}"; }
homeboy_merge_lint_findings() { homeboy_sidecar_merge lint.findings "${1-}"; }
homeboy_write_test_failures() { homeboy_sidecar_write test.failures "$@"; }
homeboy_append_test_failure() { homeboy_sidecar_emit test.failure "${1-}"; }
homeboy_merge_test_failures() { homeboy_sidecar_merge test.failures "${1-}"; }
homeboy_write_test_results_json() { homeboy_sidecar_write test.results "${1-}"; }
homeboy_write_fix_results() { homeboy_sidecar_write fix.results "$@"; }
homeboy_append_fix_result() { homeboy_sidecar_emit fix.result "${1-}"; }
homeboy_merge_fix_results() { homeboy_sidecar_merge fix.results "${1-}"; }
homeboy_write_annotations() {
    local hb_name="${1-}"
    if [ $# -gt 0 ]; then shift; fi
    homeboy_sidecar_write "annotation.$hb_name" "$@"
}
homeboy_append_annotation() { homeboy_sidecar_emit "annotation.${1-}" "${2-}"; }
homeboy_merge_annotations() { homeboy_sidecar_merge "annotation.${1-}" "${2-}"; }

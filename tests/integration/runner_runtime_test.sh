#!/usr/bin/env bash
#
# Tests of the six shell runtime files (runner-prelude.sh, resolve-context.sh,
# failure-trap.sh, runner-steps.sh, sidecar-writer.sh, bash-preflight.sh)
# against runtime-helpers.md section 8, including the original's own test
# cases marked "(test)" there.
#
# Usage: tests/integration/runner_runtime_test.sh <dir-containing-the-files>
#
# Every check prints "ok - <name>" or "not ok - <name>: expected X got Y";
# the last line is "N passed, M failed"; the exit status is non-zero when
# M > 0. Every case runs in a fresh `bash -c` under set -euo pipefail, the
# way runners use these files.

set -u

if [[ $# -ne 1 || ! -d "$1" ]]; then
    echo "usage: $0 <dir-containing-the-runtime-files>" >&2
    exit 2
fi

RT="$(cd "$1" && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/runner-runtime-test.XXXXXX")"
# The manifest search walks up to /, so the "no manifest" cases need a
# directory no ancestor of which holds a .json file; a stray /tmp/x.json
# would otherwise be found. NONE is such a directory.
ancestors_have_json() {
    local d="$1"
    while [ "$d" != "/" ]; do
        d="$(dirname "$d")"
        compgen -G "$d/*.json" >/dev/null && return 0
    done
    return 1
}
NONE="$TMP/none"
if ancestors_have_json "$NONE"; then
    NONE="$(mktemp -d /runner-runtime-none.XXXXXX)/none"
fi
trap 'rm -rf "$TMP"; case "$NONE" in /runner-runtime-none.*) rm -rf "${NONE%/none}" ;; esac' EXIT
. "$(dirname "$0")/tap.sh"

# in_shell SCRIPT: runs SCRIPT in a clean bash under set -euo pipefail with
# no HOMEBOY_* variables; sets OUT, ERR and RC.
in_shell() {
    OUT="$(cd "$TMP" && env -u HOMEBOY_EXTENSION_PATH -u HOMEBOY_COMPONENT_PATH -u HOMEBOY_COMPONENT_ID \
        -u HOMEBOY_PROJECT_PATH -u HOMEBOY_STEP -u HOMEBOY_SKIP "${EXTRA_ENV[@]}" \
        bash -c "set -euo pipefail; RT='$RT'; $1" 2>"$TMP/stderr")"
    RC=$?
    ERR="$(cat "$TMP/stderr")"
}
EXTRA_ENV=(RUNTIME_TEST=1)

# A context the original's tests use.
CTX=(HOMEBOY_EXTENSION_PATH=/tmp/ext HOMEBOY_COMPONENT_PATH=/tmp/project HOMEBOY_COMPONENT_ID=demo)

# ---------------------------------------------------------------- sourcing
for f in runner-prelude.sh resolve-context.sh failure-trap.sh runner-steps.sh sidecar-writer.sh bash-preflight.sh; do
    in_shell "before=\$(set -o; trap -p; pwd); source \"\$RT/$f\"; after=\$(set -o; trap -p; pwd); [[ \"\$before\" == \"\$after\" ]] && echo same"
    check_eq "sourcing $f is quiet, succeeds and changes no option, trap or directory" "same|0|" "$OUT|$RC|$ERR"
done
in_shell 'f() { source "$RT/failure-trap.sh"; }; f; echo "[$FAILED_STEP|$FAILURE_OUTPUT|$FAILURE_REPLAY_MODE]"'
check_eq "failure-trap variables stay global when sourced inside a function" "[||full]" "$OUT"
if [[ -x /bin/sh ]] && /bin/sh -c 'true'; then
    OUT="$(cd "$TMP" && bash --posix -c "source '$RT/runner-prelude.sh'; source '$RT/bash-preflight.sh'; echo parsed" 2>&1)"
    check_eq "prelude and preflight parse in POSIX mode" "parsed" "$OUT"
fi

# ---------------------------------------------------------------- prelude
EXTRA_ENV=("${CTX[@]}")
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --bash 4 --component-alias PLUGIN_PATH --steps --failure-trap --sidecar-writer; should_run_step test; type homeboy_append_lint_finding >/dev/null; echo "$EXTENSION_PATH|$COMPONENT_PATH|$PLUGIN_PATH|$FAILED_STEP"'
check_eq "(test) runner_init with every option" "/tmp/ext|/tmp/project|/tmp/project||0|" "$OUT|$RC|$ERR"
in_shell 'source "$RT/runner-prelude.sh"; for f in homeboy_runner_init homeboy_source_runtime_helper homeboy_require_bash_version homeboy_runtime_dir; do type "$f" >/dev/null; done; homeboy_runner_init --sidecar-writer; for f in homeboy_sidecar_emit homeboy_sidecar_write homeboy_sidecar_merge homeboy_merge_lint_findings homeboy_merge_test_failures homeboy_write_fix_results homeboy_merge_annotations homeboy_sidecar_merge_json_array; do type "$f" >/dev/null; done; echo all'
check_eq "the smoke test's function names exist" "all|0" "$OUT|$RC"
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --bogus; echo after'
check_eq "unknown argument under set -e" "|2|homeboy_runner_init: unknown argument: --bogus" "$OUT|$RC|$ERR"
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --bogus --failure-trap || echo "rc=$? trap=$(trap -p EXIT) ctx=${EXTENSION_PATH-unset}"'
check_eq "unknown argument changes nothing" "rc=2 trap= ctx=unset" "$OUT"
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --component-alias; echo "ok $COMPONENT_PATH"'
check_eq "a trailing valued option means empty, no hang" "ok /tmp/project|0" "$OUT|$RC"
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --steps --failure-trap; echo "$(trap -p EXIT)"'
check_contains "--failure-trap installs the EXIT trap" "homeboy_print_failure_summary" "$OUT"
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --project-alias WP_ROOT; echo "$WP_ROOT|$(env | grep -c ^WP_ROOT=)"'
check_eq "project alias exported" "/tmp/project|1" "$OUT"

mkdir -p "$TMP/alone" "$TMP/real" && cp "$RT/runner-prelude.sh" "$TMP/alone/"
EXTRA_ENV=("${CTX[@]}" HOMEBOY_RUNTIME_RESOLVE_CONTEXT=)
in_shell "source '$TMP/alone/runner-prelude.sh'; homeboy_runner_init --failure-trap; echo reached"
check_eq "a prelude alone: resolve-context missing, exit 2" "|2|homeboy_runner_init: missing runtime helper for HOMEBOY_RUNTIME_RESOLVE_CONTEXT: $TMP/alone/resolve-context.sh" "$OUT|$RC|$ERR"
cp "$RT/resolve-context.sh" "$TMP/alone/"
in_shell "source '$TMP/alone/runner-prelude.sh'; homeboy_runner_init --failure-trap; echo \"[\$FAILED_STEP|\$FAILURE_REPLAY_MODE|\$(trap -p EXIT)]\""
check_eq "failure-trap is optional: variables set, no trap" "[|full|]|0" "$OUT|$RC"
in_shell "source '$TMP/alone/runner-prelude.sh'; homeboy_runner_init --steps; echo reached"
check_eq "runner-steps is required with --steps" "|2|homeboy_runner_init: missing runtime helper for HOMEBOY_RUNTIME_RUNNER_STEPS: $TMP/alone/runner-steps.sh" "$OUT|$RC|$ERR"
EXTRA_ENV=("${CTX[@]}" HOMEBOY_RUNTIME_RESOLVE_CONTEXT=/nonexistent/resolve-context.sh)
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init; echo reached'
check_eq "a variable naming a missing file does not fall back" "|2|homeboy_runner_init: missing runtime helper for HOMEBOY_RUNTIME_RESOLVE_CONTEXT: /nonexistent/resolve-context.sh" "$OUT|$RC|$ERR"

ln -s "$RT" "$TMP/rtlink"
EXTRA_ENV=(X=1)
in_shell "cd /; source '$TMP/rtlink/runner-prelude.sh'; homeboy_runtime_dir; pwd"
check_eq "runtime_dir keeps symlinks and the caller's directory" "$TMP/rtlink"$'\n'"/" "$OUT"
in_shell "cd '$TMP/rtlink'; source ./runner-prelude.sh; cd /; homeboy_runtime_dir"
check_eq "runtime_dir of a relative source path is absolute" "$TMP/rtlink" "$OUT"

# ---------------------------------------------------------------- preflight
in_shell 'source "$RT/bash-preflight.sh"; homeboy_require_bash_version 3; printf ok'
check_eq "(test) bash 3 is enough" "ok|0" "$OUT|$RC"
in_shell 'source "$RT/bash-preflight.sh"; homeboy_require_bash_version 99; echo reached'
check_eq "bash 99 required: exit 1 with the version and the hint" "|1|ERROR: bash 99.0+ required (found $BASH_VERSION)"$'\n'"Update bash via your package manager (apt, dnf, pacman, etc.)" "$OUT|$RC|$ERR"
in_shell 'source "$RT/runner-prelude.sh"; (homeboy_require_bash_version 99) || echo "subshell ended: $?"'
check_eq "inside a subshell only the subshell exits" "subshell ended: 1" "$OUT"
EXTRA_ENV=("${CTX[@]}")
in_shell 'source "$RT/runner-prelude.sh"; homeboy_runner_init --bash 99; echo reached'
check_eq "runner_init --bash 99 exits 1" "|1" "$OUT|$RC"

# ---------------------------------------------------------------- resolve-context
EXTRA_ENV=("${CTX[@]}")
in_shell 'source "$RT/resolve-context.sh"; homeboy_resolve_context --component-alias PLUGIN_PATH; echo "$EXTENSION_PATH|$COMPONENT_PATH|$COMPONENT_ID|$PLUGIN_PATH|$PROJECT_PATH"'
check_eq "(test) context from HOMEBOY_* variables" "/tmp/ext|/tmp/project|demo|/tmp/project|/tmp/project" "$OUT"
mkdir -p "$TMP/t/component" "$TMP/t/extension/scripts/test" && touch "$TMP/t/extension/extension.json"
EXTRA_ENV=(X=1)
in_shell "cd '$TMP/t/component'; SCRIPT_DIR='$TMP/t/extension/scripts/test'; source \"\$RT/resolve-context.sh\"; homeboy_resolve_context; echo \"\$EXTENSION_PATH|\$COMPONENT_PATH|\$COMPONENT_ID\""
check_eq "(test) context found by walking up from SCRIPT_DIR" "$TMP/t/extension|$TMP/t/component|component" "$OUT"
EXTRA_ENV=(HOMEBOY_PROJECT_PATH=/proj HOMEBOY_EXTENSION_PATH=/e)
in_shell 'source "$RT/resolve-context.sh"; homeboy_resolve_context --project-alias WP; echo "$PROJECT_PATH|$WP"'
check_eq "HOMEBOY_PROJECT_PATH and the project alias" "/proj|/proj" "$OUT"
EXTRA_ENV=(X=1)
in_shell 'source "$RT/resolve-context.sh"; homeboy_resolve_context; echo reached'
check_eq "no extension path and no SCRIPT_DIR" "|2|homeboy_resolve_context: SCRIPT_DIR is required when HOMEBOY_EXTENSION_PATH is unset" "$OUT|$RC|$ERR"
mkdir -p "$NONE/a/b"
in_shell "EXTENSION_PATH=stale; SCRIPT_DIR='$NONE/a/b'; source \"\$RT/resolve-context.sh\"; homeboy_resolve_context || echo \"rc=\$? \$EXTENSION_PATH\""
check_eq "no manifest above SCRIPT_DIR: an error, the stale value is not kept silently" "rc=2 stale" "$OUT"
check_contains "the error names SCRIPT_DIR" "could not find extension manifest above SCRIPT_DIR=$NONE/a/b" "$ERR"
in_shell "cd '$NONE'; SCRIPT_DIR=a/b; source \"\$RT/resolve-context.sh\"; timeout 5 bash -c true; homeboy_resolve_context || echo rc=\$?"
check_eq "a relative SCRIPT_DIR without a manifest ends" "rc=2" "$OUT"
in_shell 'source "$RT/resolve-context.sh"; homeboy_resolve_context --nope || echo rc=$?'
check_eq "resolve_context: unknown argument" "rc=2|homeboy_resolve_context: unknown argument: --nope" "$OUT|$ERR"

# ---------------------------------------------------------------- failure trap
in_shell "source \"\$RT/failure-trap.sh\"; homeboy_init_failure_trap; FAILED_STEP='x step'; FAILURE_OUTPUT=\$'line1\\nline2'; exit 3"
rule="============================================"
check_eq "banner with details; the status stays 3" $'\n'"$rule"$'\nBUILD FAILED: x step\n'"$rule"$'\n\nError details:\nline1\nline2|3' "$OUT|$RC"
in_shell "source \"\$RT/failure-trap.sh\"; homeboy_init_failure_trap; FAILED_STEP=s; FAILURE_OUTPUT=x; FAILURE_REPLAY_MODE=none; exit 0"
check_eq "replay mode none" $'\n'"$rule"$'\nBUILD FAILED: s\n'"$rule"$'\n\nSee output above (not replayed).|0' "$OUT|$RC"
in_shell "source \"\$RT/failure-trap.sh\"; homeboy_init_failure_trap; exit 4"
check_eq "no failed step, no banner" "|4" "$OUT|$RC"
in_shell "source \"\$RT/failure-trap.sh\"; homeboy_init_failure_trap; FAILED_STEP=s; FAILURE_OUTPUT=-n; exit 1"
check_contains "an output of -n is printed verbatim" $'Error details:\n-n' "$OUT"

# ---------------------------------------------------------------- steps
step_case() {
    local step="$1" skip="$2" name="$3" want="$4"
    EXTRA_ENV=(X=1)
    [[ "$step" != "-" ]] && EXTRA_ENV+=("HOMEBOY_STEP=$step")
    [[ "$skip" != "-" ]] && EXTRA_ENV+=("HOMEBOY_SKIP=$skip")
    in_shell "source \"\$RT/runner-steps.sh\"; if should_run_step '$name'; then echo 0; else echo 1; fi"
    check_eq "should_run_step STEP=[$step] SKIP=[$skip] [$name]" "$want|" "$OUT|$ERR"
}
step_case - - lint 0
step_case lint,test - lint 0
step_case lint,test - phpcs 1
step_case lint,test - " test " 0
step_case lint,test - "" 0
step_case lint,test lint lint 1
step_case lint,test lint test 0
step_case "lint, test" - test 1
step_case " , " - lint 1
step_case "*" - lint 1

# ---------------------------------------------------------------- sidecar writer
SW="source \"\$RT/sidecar-writer.sh\";"
EXTRA_ENV=("HOMEBOY_LINT_FINDINGS_FILE=$TMP/s1/lint-findings.json")
printf '[{"tool":"lint","message":"three","fingerprint":"third"}]' >"$TMP/three.json"
in_shell "$SW homeboy_append_lint_finding '{\"tool\":\"lint\",\"message\":\"one\",\"fingerprint\":\"first\"}'; homeboy_append_lint_finding '{\"tool\":\"lint\",\"message\":\"two\",\"fingerprint\":\"second\"}'; homeboy_merge_lint_findings '$TMP/three.json'"
check_eq "(test) append, append, merge" '[{"tool":"lint","message":"one","fingerprint":"first"},{"tool":"lint","message":"two","fingerprint":"second"},{"tool":"lint","message":"three","fingerprint":"third"}]'$'\n'"x|0" "$(cat "$TMP/s1/lint-findings.json"; printf x)|$RC"
EXTRA_ENV=("HOMEBOY_TEST_FAILURES_FILE=$TMP/s2/tf.json" "HOMEBOY_FIX_RESULTS_FILE=$TMP/s2/fix.json" "HOMEBOY_TEST_RESULTS_FILE=$TMP/s2/nested/test-results.json")
in_shell "$SW homeboy_write_test_failures '{\"test_id\":\"suite::case\",\"message\":\"failed\"}'; homeboy_write_fix_results '{\"file\":\"src/lib.rs\",\"message\":\"formatted\"}'; homeboy_write_test_results_json '{\"total\":5,\"passed\":3,\"failed\":1,\"skipped\":1}'"
check_eq "(test) failures" '[{"test_id":"suite::case","message":"failed"}]' "$(cat "$TMP/s2/tf.json")"
check_eq "(test) fixes" '[{"file":"src/lib.rs","message":"formatted"}]' "$(cat "$TMP/s2/fix.json")"
check_eq "(test) test results in a new directory" '{"total":5,"passed":3,"failed":1,"skipped":1}' "$(cat "$TMP/s2/nested/test-results.json")"
printf '[{"file":"b.php","line":2}]' >"$TMP/b.json"
EXTRA_ENV=("HOMEBOY_ANNOTATIONS_DIR=$TMP/s3/annotations")
in_shell "$SW homeboy_write_annotations fixture-a '{\"file\":\"a.php\",\"line\":1}'; homeboy_merge_annotations fixture-b '$TMP/b.json'"
check_eq "(test) annotations" '[{"file":"a.php","line":1}]|[{"file":"b.php","line":2}]' "$(cat "$TMP/s3/annotations/fixture-a.json")|$(cat "$TMP/s3/annotations/fixture-b.json")"
EXTRA_ENV=("HOMEBOY_ANNOTATIONS_DIR=/r/ann/")
in_shell "$SW homeboy_sidecar_target_for_type annotation.phpcs; homeboy_sidecar_target_for_type 'annotation.my tool/ü.x'; homeboy_sidecar_target_for_type annotations.eslint"
check_eq "annotation file names" $'/r/ann/phpcs.json\n/r/ann/my-tool---.x.json\n/r/ann/eslint.json' "$OUT"
EXTRA_ENV=("HOMEBOY_LINT_FINDINGS_FILE=$TMP/s4/l.json")
in_shell "$SW homeboy_sidecar_emit lint.finding '{\"m\":\"ü/x\",\"n\":1.50,\"e\":1e3,\"big\":12345678901234567890, \"z\": [ 1 , 2 ]}'; homeboy_sidecar_emit lint.finding '\"just a string\"'"
check_eq "values are re-serialised compactly" '[{"m":"ü/x","n":1.5,"e":1000.0,"big":12345678901234567890,"z":[1,2]},"just a string"]' "$(cat "$TMP/s4/l.json")"
in_shell "$SW homeboy_sidecar_write lint.findings '{\"a\":1}' '[2]' 'null'; cat \"\$HOMEBOY_LINT_FINDINGS_FILE\"; homeboy_sidecar_write lint.findings; cat \"\$HOMEBOY_LINT_FINDINGS_FILE\""
check_eq "write overwrites; no items is []" $'[{"a":1},[2],null]\n[]' "$OUT"
in_shell "$SW homeboy_sidecar_emit lint.finding '{bad'; echo unreachable"
check_eq "invalid JSON: status 1, target untouched" "|1|[]" "$OUT|$RC|$(cat "$TMP/s4/l.json")"
in_shell "$SW homeboy_sidecar_emit bogus '{}' || echo rc=\$?"
check_eq "unknown type" "rc=1|[sidecar-writer] unknown sidecar type: bogus" "$OUT|$ERR"
EXTRA_ENV=(X=1)
in_shell "$SW homeboy_append_lint_finding '{}'; homeboy_write_test_results_json '{}'; PATH=/nonexistent; homeboy_sidecar_merge fix.results /x; echo noop"
check_eq "unset targets are no-ops, even without python" "noop|0" "$OUT|$RC"
EXTRA_ENV=("HOMEBOY_TEST_RESULTS_FILE=$TMP/s5/tr.json" "HOMEBOY_FIX_RESULTS_FILE=$TMP/s5/fix.json")
in_shell "$SW homeboy_write_test_results_json '[1]' || echo rc=\$?"
check_eq "test results must be an object" "rc=1" "$OUT"
check_contains "the message says so" "sidecar must contain a JSON object" "$ERR"
in_shell "$SW homeboy_write_test_results_json '{\"a\":1}'; homeboy_sidecar_emit test.result '{}' || echo rc=\$?"
check_eq "emitting into an object file fails" "rc=1|{\"a\":1}" "$OUT|$(cat "$TMP/s5/tr.json")"
in_shell "$SW homeboy_merge_fix_results <(printf '[{\"f\":1}]'); homeboy_merge_fix_results <(printf ''); cat \"\$HOMEBOY_FIX_RESULTS_FILE\""
check_eq "a pipe as merge source is read (better than the original)" '[{"f":1}]' "$OUT"
printf '{"x":1}' >"$TMP/obj.json"
in_shell "$SW homeboy_merge_fix_results '$TMP/obj.json' || echo rc=\$?"
check_eq "merge source must be an array" "rc=1" "$OUT"
check_contains "the message names the source" "source sidecar must contain a JSON array: $TMP/obj.json" "$ERR"
mkdir -p "$TMP/s6/dir.json"
EXTRA_ENV=("HOMEBOY_LINT_FINDINGS_FILE=$TMP/s6/dir.json")
in_shell "$SW homeboy_append_lint_finding '{}' || echo rc=\$?; ls -A '$TMP/s6'"
check_eq "a directory as target is an error, no temp file left" $'rc=1\ndir.json' "$OUT"
in_shell "$SW homeboy_append_lint_finding || echo rc=\$?"
check_eq "a wrapper without its argument under set -u is a parse error, not an abort" "rc=1" "$OUT"

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[[ $FAIL -eq 0 ]]

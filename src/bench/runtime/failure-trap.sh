# homeboy runtime: failure-trap.sh (runtime-helpers.md section 8.4).
#
# Why: when a runner fails, the last thing on the screen should say which
# step failed and why. Runners set FAILED_STEP (and optionally
# FAILURE_OUTPUT, FAILURE_REPLAY_MODE=none) before exiting; the EXIT trap
# prints the banner. The banner never changes the exit status.
#
# The three variables are plain assignments on purpose: the prelude sources
# this file from inside a function, and `local`/`declare` would make them
# vanish when that function returns.

FAILED_STEP=""
FAILURE_OUTPUT=""
FAILURE_REPLAY_MODE="full"

# homeboy_init_failure_trap: installs the banner as the shell's EXIT trap
# (replacing any EXIT trap already set). Prints nothing.
homeboy_init_failure_trap() {
    trap homeboy_print_failure_summary EXIT
}

# homeboy_print_failure_summary: prints the BUILD FAILED banner on stdout
# when FAILED_STEP is set; does nothing otherwise.
homeboy_print_failure_summary() {
    if [ -z "${FAILED_STEP:-}" ]; then
        return 0
    fi
    local hb_rule="============================================"
    printf '\n%s\nBUILD FAILED: %s\n%s\n' "$hb_rule" "$FAILED_STEP" "$hb_rule"
    if [ "${FAILURE_REPLAY_MODE:-full}" = "none" ]; then
        printf '\nSee output above (not replayed).\n'
    elif [ -n "${FAILURE_OUTPUT:-}" ]; then
        # printf, not echo: an output such as "-n" is text, not an option.
        printf '\nError details:\n%s\n' "$FAILURE_OUTPUT"
    fi
    return 0
}

# homeboy runtime: runner-steps.sh (runtime-helpers.md section 8.5).
#
# Why: a runner made of named steps (lint, test, build, ...) lets the user
# pick some with HOMEBOY_STEP and drop some with HOMEBOY_SKIP. Runners ask
# `should_run_step NAME` before each step. As in the original, list items are
# compared exactly and are not trimmed; only NAME is.

# should_run_step [NAME]: status 0 when the step runs, 1 when it is filtered
# out. Prints nothing and never fails.
should_run_step() {
    local hb_name="${1:-}"
    hb_name="${hb_name#"${hb_name%%[![:space:]]*}"}"
    hb_name="${hb_name%"${hb_name##*[![:space:]]}"}"
    if [ -z "$hb_name" ]; then
        return 0
    fi
    if [ -n "${HOMEBOY_STEP:-}" ] && ! homeboy_step_listed "$hb_name" "$HOMEBOY_STEP"; then
        return 1
    fi
    if [ -n "${HOMEBOY_SKIP:-}" ] && homeboy_step_listed "$hb_name" "$HOMEBOY_SKIP"; then
        return 1
    fi
    return 0
}

# homeboy_step_listed NAME LIST: status 0 when NAME equals one of LIST's
# comma-separated items (exact string comparison, no globbing).
homeboy_step_listed() {
    local hb_needle="$1" hb_rest="$2," hb_item
    while [ -n "$hb_rest" ]; do
        hb_item="${hb_rest%%,*}"
        hb_rest="${hb_rest#*,}"
        if [ "$hb_item" = "$hb_needle" ]; then
            return 0
        fi
    done
    return 1
}

# homeboy runtime: runner-prelude.sh (runtime-helpers.md section 8.2).
#
# Why: shell runners begin with `homeboy_runner_init`, which checks the bash
# version, resolves the run's context and loads the other runtime files they
# ask for (steps, sidecar writer, failure trap). Each file is found through
# its HOMEBOY_RUNTIME_* variable or, when that is empty, beside this file;
# homeboy materialises all of them in one directory.
#
# Sourcing this file only defines functions, prints nothing and succeeds. It
# must parse on bash 3.2 so an old shell reaches the version message.

# homeboy_runtime_dir: prints the absolute directory this file was sourced
# from (symlinks in the path kept; the caller's directory is not changed).
homeboy_runtime_dir() {
    local hb_source="${BASH_SOURCE[0]}" hb_dir
    case "$hb_source" in
        */*) hb_dir="${hb_source%/*}" ;;
        *) hb_dir="." ;;
    esac
    if [ -z "$hb_dir" ]; then
        hb_dir="/"
    fi
    (CDPATH="" cd -- "$hb_dir" && pwd)
}

# homeboy_runtime_dir_definition: prints a definition of homeboy_runtime_dir
# that returns the directory as it is now, so a file sourced through a
# relative path still knows its directory after the runner changes its own.
homeboy_runtime_dir_definition() {
    local hb_dir
    hb_dir="$(homeboy_runtime_dir 2>/dev/null)" || return 0
    if [ -n "$hb_dir" ]; then
        printf 'homeboy_runtime_dir() { printf "%%s\\n" %q; }\n' "$hb_dir"
    fi
}
eval "$(homeboy_runtime_dir_definition)"

# homeboy_require_bash_version N: returns 0 when this is bash N or newer;
# otherwise prints what was found and how to upgrade, and exits with 1.
# (The same function as bash-preflight.sh.)
homeboy_require_bash_version() {
    local hb_need="${1:-}"
    if [ -z "$hb_need" ]; then
        echo "homeboy_require_bash_version: a major version is required (for example: homeboy_require_bash_version 4)" >&2
        return 2
    fi
    if [ -n "${BASH_VERSION:-}" ] && [ "${BASH_VERSINFO[0]}" -ge "$hb_need" ] 2>/dev/null; then
        return 0
    fi
    local hb_found="${BASH_VERSION:-}"
    if [ -z "$hb_found" ]; then
        hb_found="non-bash shell"
    fi
    echo "ERROR: bash ${hb_need}.0+ required (found ${hb_found})" >&2
    case "$(uname -s 2>/dev/null)" in
        Darwin)
            echo "macOS ships with bash 3.2. Install newer bash: brew install bash" >&2
            echo "Then restart your terminal so Homebrew bash takes priority on PATH." >&2
            ;;
        Linux)
            echo "Update bash via your package manager (apt, dnf, pacman, etc.)" >&2
            ;;
        MINGW*|MSYS*|CYGWIN*)
            echo "Update Git Bash or use WSL with a modern bash version" >&2
            ;;
        *)
            echo "Install bash ${hb_need}.0 or later for your platform" >&2
            ;;
    esac
    exit 1
}

# homeboy_source_runtime_helper VAR FALLBACK [optional]: sources the file
# named by $VAR (or FALLBACK when $VAR is empty). A missing file is status 2
# with a message naming VAR, or status 0 when the mode is `optional`.
homeboy_source_runtime_helper() {
    local hb_var="${1:-}" hb_fallback="${2:-}" hb_mode="${3:-}" hb_candidate=""
    case "$hb_var" in
        ''|[0-9]*|*[!A-Za-z0-9_]*) ;;
        *) eval "hb_candidate=\"\${$hb_var:-}\"" ;;
    esac
    if [ -z "$hb_candidate" ]; then
        hb_candidate="$hb_fallback"
    fi
    if [ -n "$hb_candidate" ] && [ -f "$hb_candidate" ]; then
        # Sourced here, inside a function: the files' top-level assignments
        # are plain ones and stay global.
        . "$hb_candidate"
        return 0
    fi
    if [ "$hb_mode" = "optional" ]; then
        return 0
    fi
    echo "homeboy_runner_init: missing runtime helper for ${hb_var}: ${hb_candidate}" >&2
    return 2
}

# homeboy_runner_init [--bash N] [--project-alias NAME] [--component-alias NAME]
#                     [--steps] [--sidecar-writer] [--failure-trap]:
# prepares a runner's shell (runtime-helpers.md 8.2). Status 2 at the first
# failed step, with a message; an unknown option changes nothing.
homeboy_runner_init() {
    local hb_bash="" hb_project="PROJECT_PATH" hb_component="" hb_steps="" hb_sidecar="" hb_trap=""
    local hb_value hb_runtime
    while [ $# -gt 0 ]; do
        case "$1" in
            --bash|--project-alias|--component-alias)
                # A trailing option without a value means an empty value.
                hb_value=""
                if [ $# -ge 2 ]; then hb_value="$2"; fi
                case "$1" in
                    --bash) hb_bash="$hb_value" ;;
                    --project-alias) hb_project="$hb_value" ;;
                    *) hb_component="$hb_value" ;;
                esac
                if [ $# -ge 2 ]; then shift 2; else shift; fi
                ;;
            --steps) hb_steps=1; shift ;;
            --sidecar-writer) hb_sidecar=1; shift ;;
            --failure-trap) hb_trap=1; shift ;;
            *)
                echo "homeboy_runner_init: unknown argument: $1" >&2
                return 2
                ;;
        esac
    done

    if [ -n "$hb_bash" ]; then
        homeboy_require_bash_version "$hb_bash"
    fi
    hb_runtime="$(homeboy_runtime_dir)"
    homeboy_source_runtime_helper HOMEBOY_RUNTIME_RESOLVE_CONTEXT "$hb_runtime/resolve-context.sh" || return 2
    homeboy_resolve_context --project-alias "$hb_project" --component-alias "$hb_component" || return 2
    if [ -n "$hb_steps" ]; then
        homeboy_source_runtime_helper HOMEBOY_RUNTIME_RUNNER_STEPS "$hb_runtime/runner-steps.sh" || return 2
    fi
    if [ -n "$hb_sidecar" ]; then
        homeboy_source_runtime_helper HOMEBOY_RUNTIME_SIDECAR_WRITER "$hb_runtime/sidecar-writer.sh" optional || return 2
    fi
    if [ -n "$hb_trap" ]; then
        homeboy_source_runtime_helper HOMEBOY_RUNTIME_FAILURE_TRAP "$hb_runtime/failure-trap.sh" optional || return 2
        if declare -F homeboy_init_failure_trap >/dev/null 2>&1; then
            homeboy_init_failure_trap
        else
            FAILED_STEP=""
            FAILURE_OUTPUT=""
            FAILURE_REPLAY_MODE="full"
        fi
    fi
    return 0
}

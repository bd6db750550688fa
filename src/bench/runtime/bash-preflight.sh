# homeboy runtime: bash-preflight.sh (runtime-helpers.md section 8.7).
#
# Why: runners need bash 4 or later, and macOS still ships 3.2. Runners
# source this file (or the prelude, which carries the same function) and
# call `homeboy_require_bash_version 4` so an old shell fails with a message
# that says how to get a newer one instead of a syntax error further down.
# Sourcing it only defines the function; it must parse on bash 3.2.

# homeboy_require_bash_version N: returns 0 when this is bash N or newer;
# otherwise prints what was found and how to upgrade, and exits with 1.
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

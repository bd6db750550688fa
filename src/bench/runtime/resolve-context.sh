# homeboy runtime: resolve-context.sh (runtime-helpers.md section 8.3).
#
# Why: every runner needs the same four facts (where the extension is, where
# the component is, its id, the project root) whether homeboy started it or
# a developer ran it by hand. homeboy_resolve_context derives them from the
# HOMEBOY_* variables, falling back to the script's location and the current
# directory, and exports them. It never changes a HOMEBOY_* variable.

# homeboy_resolve_context [--project-alias NAME] [--component-alias NAME]:
# sets and exports EXTENSION_PATH, COMPONENT_PATH, COMPONENT_ID and
# PROJECT_PATH (plus the aliases); status 2 with a message when it cannot.
homeboy_resolve_context() {
    local hb_project_alias="PROJECT_PATH" hb_component_alias="" hb_extension="" hb_dir
    while [ $# -gt 0 ]; do
        case "$1" in
            --project-alias|--component-alias)
                # A trailing option without a value means an empty value.
                local hb_value=""
                if [ $# -ge 2 ]; then hb_value="$2"; fi
                if [ "$1" = "--project-alias" ]; then
                    hb_project_alias="$hb_value"
                else
                    hb_component_alias="$hb_value"
                fi
                if [ $# -ge 2 ]; then shift 2; else shift; fi
                ;;
            *)
                echo "homeboy_resolve_context: unknown argument: $1" >&2
                return 2
                ;;
        esac
    done

    if [ -n "${HOMEBOY_EXTENSION_PATH:-}" ]; then
        hb_extension="$HOMEBOY_EXTENSION_PATH"
    else
        if [ -z "${SCRIPT_DIR:-}" ]; then
            echo "homeboy_resolve_context: SCRIPT_DIR is required when HOMEBOY_EXTENSION_PATH is unset" >&2
            return 2
        fi
        # Walk up to the first directory holding a *.json (the manifest). The
        # walk stops at / and, for a relative SCRIPT_DIR, at . (whose parent
        # is itself).
        hb_dir="$SCRIPT_DIR"
        while [ -n "$hb_dir" ] && [ "$hb_dir" != "/" ]; do
            if homeboy_dir_has_json "$hb_dir"; then
                hb_extension="$hb_dir"
                break
            fi
            if [ "$hb_dir" = "." ]; then
                break
            fi
            hb_dir="$(dirname -- "$hb_dir")"
        done
        if [ -z "$hb_extension" ]; then
            echo "homeboy_resolve_context: could not find extension manifest above SCRIPT_DIR=$SCRIPT_DIR" >&2
            return 2
        fi
    fi

    EXTENSION_PATH="$hb_extension"
    COMPONENT_PATH="${HOMEBOY_COMPONENT_PATH:-}"
    if [ -z "$COMPONENT_PATH" ]; then
        COMPONENT_PATH="$(pwd)"
    fi
    COMPONENT_ID="${HOMEBOY_COMPONENT_ID:-}"
    if [ -z "$COMPONENT_ID" ]; then
        COMPONENT_ID="$(basename -- "$COMPONENT_PATH")"
    fi
    PROJECT_PATH="${HOMEBOY_PROJECT_PATH:-}"
    if [ -z "$PROJECT_PATH" ]; then
        PROJECT_PATH="$COMPONENT_PATH"
    fi
    export EXTENSION_PATH COMPONENT_PATH COMPONENT_ID PROJECT_PATH
    if [ -n "$hb_project_alias" ] && [ "$hb_project_alias" != "PROJECT_PATH" ]; then
        export "$hb_project_alias=$PROJECT_PATH"
    fi
    if [ -n "$hb_component_alias" ]; then
        export "$hb_component_alias=$COMPONENT_PATH"
    fi
    return 0
}

# homeboy_dir_has_json DIR: status 0 when DIR has a non-hidden *.json entry.
homeboy_dir_has_json() {
    local hb_entry
    for hb_entry in "$1"/*.json; do
        if [ -e "$hb_entry" ] || [ -L "$hb_entry" ]; then
            return 0
        fi
    done
    return 1
}

# shellcheck shell=bash
#
# bench-helper.sh: shared helpers for homeboy bench runner scripts.
#
# Homeboy writes this file to ~/.config/homeboy/runtime/ and exports its
# path as HOMEBOY_RUNTIME_BENCH_HELPER_SH. Runners load it with
#
#     source "$HOMEBOY_RUNTIME_BENCH_HELPER_SH"
#
# The shared contract with the JS helper (bench-helper.mjs) and the PHP helper
# (bench-helper.php):
#
#   * scenario slug: a workload path becomes a scenario id by taking the
#     basename, dropping the extension, splitting camelCase, lowercasing and
#     collapsing every run of other characters into "-".
#   * percentiles use the R-7 percentile definition (Hyndman-Fan type 7, the
#     same as Excel PERCENTILE.INC) over values sorted ascending:
#     rank = p * (n - 1), then linear interpolation between the neighbours.
#   * the results file is a JSON object whose first keys are component_id,
#     iterations and scenarios (a list of {id, iterations, metrics, ...}).
#
# Conventions for every function below:
#   * nothing is printed on stdout unless the function's job is to print;
#   * argument or environment problems print "<function>: <reason>" on stderr
#     and return 2;
#   * a failure of the JSON step (python3) returns its exit status (1).
#
# The file only defines functions and is safe under `set -euo pipefail`.

# Print the current time as integer milliseconds since the epoch.
__homeboy_bench_now_ms() {
    local now="${EPOCHREALTIME:-}"
    if [[ -n "$now" ]]; then
        # EPOCHREALTIME is "seconds<decimal point>microseconds"; the decimal
        # point follows the locale, so accept either "." or ",".
        now="${now/[.,]/}"
        printf '%s' "$(( 10#$now / 1000 ))"
        return 0
    fi
    local ms
    ms="$(date +%s%3N 2>/dev/null)" || ms=""
    if [[ "$ms" =~ ^[0-9]+$ ]]; then
        printf '%s' "$ms"
    else
        # date without %N support (e.g. BSD): whole seconds are good enough.
        printf '%s' "$(( $(date +%s) * 1000 ))"
    fi
}

# Return 0 when python3 is on PATH, otherwise complain as <caller> and return 2.
__homeboy_bench_require_python3() {
    if ! command -v python3 >/dev/null 2>&1; then
        printf '%s: python3 is required\n' "$1" >&2
        return 2
    fi
}

# homeboy_bench_scenario_id [path]
#
# Print the scenario slug for a workload path, without a trailing newline.
# Examples: "bench/cold-boot.bench.ts" -> "cold-boot-bench",
# "src/bin/bench_http.rs" -> "bench-http", "parseJSONFast.js" -> "parse-jsonfast".
# Always returns 0; the slug may be empty (".hidden", "").
homeboy_bench_scenario_id() {
    local name="${1:-}"

    # Basename: drop trailing slashes, then everything up to the last "/".
    while [[ "$name" == */ ]]; do
        name="${name%/}"
    done
    name="${name##*/}"

    # Extension: remove the shortest suffix that starts at the last ".".
    name="${name%.*}"

    # The remaining steps work on bytes in the C locale, so any non-ASCII
    # byte counts as a separator:
    #   1. put "-" between a lowercase letter/digit and a following capital;
    #   2. replace each run of non-alphanumerics with a single "-";
    #   3. trim "-" from both ends;
    #   4. lowercase.
    # Newlines are turned into separators first so sed sees a single line.
    local slug
    slug="$(
        printf '%s\n' "$name" \
            | LC_ALL=C tr '\n' '-' \
            | LC_ALL=C sed -e 's/\([a-z0-9]\)\([A-Z]\)/\1-\2/g' \
                           -e 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g' \
                           -e 's/^-*//' \
                           -e 's/-*$//' \
            | LC_ALL=C tr 'A-Z' 'a-z'
    )" || slug=""
    printf '%s' "$slug"
    return 0
}

# homeboy_bench_scenario_selected <id> [list]
#
# Succeed when scenario <id> is selected. The list is comma-separated exact
# ids and defaults to $HOMEBOY_BENCH_SCENARIOS (also when passed empty); an
# empty list selects everything. Items are not trimmed, so "cold, warm" does
# not select "warm". An empty id is never selected.
homeboy_bench_scenario_selected() {
    local id="${1:-}"
    local list="${2:-${HOMEBOY_BENCH_SCENARIOS:-}}"

    [[ -n "$id" ]] || return 1
    [[ -n "$list" ]] || return 0
    [[ ",${list}," == *",${id},"* ]]
}

# homeboy_bench_artifact_ref_json <path> [kind] [label]
#
# Print one compact JSON object plus "\n": {"path":...} followed by "kind"
# and "label" when they are non-empty. Non-ASCII is written as \uXXXX.
homeboy_bench_artifact_ref_json() {
    local fn="homeboy_bench_artifact_ref_json"
    if [[ -z "${1:-}" ]]; then
        printf '%s: path is required\n' "$fn" >&2
        return 2
    fi
    __homeboy_bench_require_python3 "$fn" || return 2

    python3 -c '
import json, sys
path, kind, label = sys.argv[1:4]
ref = {"path": path}
if kind:
    ref["kind"] = kind
if label:
    ref["label"] = label
sys.stdout.write(json.dumps(ref, separators=(",", ":"), ensure_ascii=True) + "\n")
' "$1" "${2:-}" "${3:-}"
}

# homeboy_bench_responsiveness_ping [label]
#
# Append one line to $HOMEBOY_BENCH_RESPONSIVENESS_FILE (no-op when unset):
#   {"at":"2026-01-02T03:04:05Z","t_ms":12,"label":"..."}
# t_ms counts from this shell's first ping. The start time lives in a global,
# non-exported variable, so a separate process starts its own clock.
homeboy_bench_responsiveness_ping() {
    local fn="homeboy_bench_responsiveness_ping"
    local file="${HOMEBOY_BENCH_RESPONSIVENESS_FILE:-}"
    [[ -n "$file" ]] || return 0

    local now
    now="$(__homeboy_bench_now_ms)"
    if [[ -z "${__homeboy_bench_responsiveness_started_ms:-}" ]]; then
        __homeboy_bench_responsiveness_started_ms="$now"
    fi
    local elapsed=$(( now - __homeboy_bench_responsiveness_started_ms ))
    (( elapsed >= 0 )) || elapsed=0

    __homeboy_bench_require_python3 "$fn" || return 2
    mkdir -p -- "$(dirname -- "$file")" || return 1

    # The clock was read above, so python's start-up time is not counted.
    python3 -c '
import json, sys, time
path, now_ms, elapsed, label = sys.argv[1:5]
line = {
    "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(now_ms) / 1000.0)),
    "t_ms": int(elapsed),
}
if label:
    line["label"] = label
with open(path, "a", encoding="utf-8") as handle:
    handle.write(json.dumps(line, separators=(",", ":"), ensure_ascii=True) + "\n")
' "$file" "$now" "$elapsed" "${1:-}"
}

# homeboy_bench_measure_instructions <scenario-id> [--payload FILE] -- <command> [args...]
#
# Count the user-space instructions of one run of <command>, the way
# `homeboy bench --measure instructions` counts them (hardware counters, else
# Valgrind's cachegrind; "$HOMEBOY_BIN" runtime count-instructions --json),
# and append the count as one sample to the scenario's payload file, by
# default "$HOMEBOY_RUN_DIR/instructions-<scenario-id>.json" (created when
# missing; other keys in it are kept):
#   {"instructions":[123456,...],"cache_misses":[...],"instruction_counter":"cachegrind (valgrind)"}
# cache_misses only where the counter gives them. Call it once per iteration,
# then pass "<scenario-id>=<payload file>" as a record to
# homeboy_write_bench_results_from_payload_files, which turns the samples into
# the metric `instructions` (their median, with their distribution) and its
# default policy (lower is better, 1 %). The command's stdout is discarded.
# Returns 2 on usage errors or without HOMEBOY_BIN; when the command fails or
# cannot be counted, homeboy's exit code with its message on stderr.
homeboy_bench_measure_instructions() {
    local fn="homeboy_bench_measure_instructions"
    local id="${1:-}"
    local payload=""
    if [[ -z "$id" || "$id" == -* || "$id" == */* ]]; then
        printf '%s: usage: %s <scenario-id> [--payload FILE] -- <command> [args...]\n' "$fn" "$fn" >&2
        return 2
    fi
    shift
    if [[ "${1:-}" == "--payload" ]]; then
        payload="${2:-}"
        shift 2 || shift
    fi
    if [[ "${1:-}" != "--" || $# -lt 2 ]]; then
        printf '%s: usage: %s <scenario-id> [--payload FILE] -- <command> [args...]\n' "$fn" "$fn" >&2
        return 2
    fi
    shift
    if [[ -z "${HOMEBOY_BIN:-}" ]]; then
        printf '%s: HOMEBOY_BIN is required (homeboy bench exports it to runners)\n' "$fn" >&2
        return 2
    fi
    if [[ -z "$payload" ]]; then
        if [[ -z "${HOMEBOY_RUN_DIR:-}" ]]; then
            printf '%s: HOMEBOY_RUN_DIR is required without --payload\n' "$fn" >&2
            return 2
        fi
        payload="$HOMEBOY_RUN_DIR/instructions-$id.json"
    fi
    __homeboy_bench_require_python3 "$fn" || return 2

    local counted status=0
    counted="$("$HOMEBOY_BIN" runtime count-instructions --json -- "$@")" || status=$?
    if (( status != 0 )); then
        # The error envelope's message says why (counter missing, command failed).
        printf '%s' "$counted" | python3 -c '
import json, sys
try:
    message = json.load(sys.stdin)["error"]["message"]
except Exception:
    message = "homeboy runtime count-instructions failed"
sys.stderr.write("%s: %s\n" % (sys.argv[1], message))
' "$fn" || true
        return "$status"
    fi
    mkdir -p -- "$(dirname -- "$payload")" || return 1
    printf '%s' "$counted" | python3 -c '
import json, os, sys
path = sys.argv[1]
count = json.load(sys.stdin)["data"]["payload"]
data = {}
if os.path.exists(path):
    with open(path, "r", encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        sys.stderr.write("%s: payload %s must be a JSON object\n" % (sys.argv[2], path))
        sys.exit(1)
data.setdefault("instructions", []).append(count["instructions"])
if count.get("cache_misses") is not None:
    data.setdefault("cache_misses", []).append(count["cache_misses"])
data["instruction_counter"] = count["counter"]
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as handle:
    json.dump(data, handle, separators=(",", ":"))
    handle.write("\n")
os.replace(tmp, path)
' "$payload" "$fn"
}

# homeboy_write_empty_bench_results [component] [iterations] [file]
#
# Overwrite the results file with a result that has no scenarios:
#   {"component_id":"<component>","iterations":<iterations>,"scenarios":[]}
# Defaults (also for empty arguments): $HOMEBOY_COMPONENT_ID, 0 and
# $HOMEBOY_BENCH_RESULTS_FILE. The values are written as given, without JSON
# escaping; homeboy's tests pin these exact bytes.
homeboy_write_empty_bench_results() {
    local fn="homeboy_write_empty_bench_results"
    local component="${1:-${HOMEBOY_COMPONENT_ID:-}}"
    local iterations="${2:-0}"
    local file="${3:-${HOMEBOY_BENCH_RESULTS_FILE:-}}"

    if [[ -z "$component" ]]; then
        printf '%s: component id is required\n' "$fn" >&2
        return 2
    fi
    if [[ -z "$file" ]]; then
        printf '%s: HOMEBOY_BENCH_RESULTS_FILE is required\n' "$fn" >&2
        return 2
    fi

    mkdir -p -- "$(dirname -- "$file")" || return 1
    printf '{"component_id":"%s","iterations":%s,"scenarios":[]}\n' \
        "$component" "$iterations" >"$file"
}

# homeboy_write_bench_scenario_inventory [options] [records...]
#
# List-only variant: same as
#   homeboy_write_bench_results_from_payload_files --inventory ...
homeboy_write_bench_scenario_inventory() {
    homeboy_write_bench_results_from_payload_files --inventory "$@"
}

# homeboy_write_bench_results_from_payload_files [options] [records...]
#
# Build the results file (or, with --inventory, the scenario inventory) from
# per-scenario payload files.
#
# Options (may be mixed with records; "--" ends option parsing):
#   --inventory                 write an inventory instead of results
#   --results-file F            default $HOMEBOY_BENCH_RESULTS_FILE
#   --component ID              default $HOMEBOY_COMPONENT_ID
#   --component-id ID           same as --component
#   --iterations N              default $HOMEBOY_BENCH_ITERATIONS, else 0
#   --metadata-json J           default {}
#   --metric-groups-json J      default {}
#   --span-definitions-json J   default {}
#   --artifacts-json J          default {}
#   --timeline-json J           default []
#   --extras-file F             JSON object whose metadata, metric_groups,
#                               span_definitions, artifacts and timeline keys
#                               replace the option values above
# The *-json values are used verbatim; an empty value means the default.
# A valued option given last without its value counts as empty and ends
# parsing.
#
# Records are "id=payload=file=source", split on the first three "=" only.
# Empty records are skipped, so "${records[@]:-}" is safe to pass. When
# source is empty and payload is a non-empty, non-"null" word followed by a
# non-empty file, the record is read as "id=file=source" (no payload):
#   bench-http=src/bin/bench-http.rs=native-bin
# A payload of "" or "null" stands for {}; otherwise it names a JSON file
# with the optional keys timings_ns, peak_rss_bytes, metrics, tags, file,
# source, metadata and artifacts.
#
# In results mode, timings_ns (nanoseconds) become mean_ms, p50_ms, p95_ms,
# p99_ms (R-7 percentile, rank p * (n - 1)), min_ms and max_ms; numeric
# payload metrics (booleans included) are then merged over them. A scenario
# without timings is dropped with a WORKLOAD_WARN line on stderr.
#
# The file is written with 2-space indentation, \uXXXX escapes and a
# trailing newline. Returns 2 on missing component id / results file,
# 1 when a payload, option value or the extras file cannot be used (in that
# case no file is written).
homeboy_write_bench_results_from_payload_files() {
    local fn="homeboy_write_bench_results_from_payload_files"
    local inventory=0
    local results_file="" component="" iterations=""
    local metadata_json="" metric_groups_json="" span_definitions_json=""
    local artifacts_json="" timeline_json="" extras_file=""
    local -a records=()
    local opt value

    while (( $# > 0 )); do
        case "$1" in
            --)
                shift
                records+=("$@")
                break
                ;;
            --inventory)
                inventory=1
                shift
                ;;
            --results-file|--component|--component-id|--iterations|\
            --metadata-json|--metric-groups-json|--span-definitions-json|\
            --artifacts-json|--timeline-json|--extras-file)
                opt="$1"
                if (( $# >= 2 )); then
                    value="$2"
                    shift 2
                else
                    # Option given last without a value: treat it as empty.
                    # The shift empties "$@", which ends the loop.
                    value=""
                    shift
                fi
                case "$opt" in
                    --results-file) results_file="$value" ;;
                    --component|--component-id) component="$value" ;;
                    --iterations) iterations="$value" ;;
                    --metadata-json) metadata_json="$value" ;;
                    --metric-groups-json) metric_groups_json="$value" ;;
                    --span-definitions-json) span_definitions_json="$value" ;;
                    --artifacts-json) artifacts_json="$value" ;;
                    --timeline-json) timeline_json="$value" ;;
                    --extras-file) extras_file="$value" ;;
                esac
                ;;
            *)
                records+=("$1")
                shift
                ;;
        esac
    done

    component="${component:-${HOMEBOY_COMPONENT_ID:-}}"
    results_file="${results_file:-${HOMEBOY_BENCH_RESULTS_FILE:-}}"
    iterations="${iterations:-${HOMEBOY_BENCH_ITERATIONS:-0}}"

    if [[ -z "$component" ]]; then
        printf '%s: component id is required\n' "$fn" >&2
        return 2
    fi
    if [[ -z "$results_file" ]]; then
        printf '%s: HOMEBOY_BENCH_RESULTS_FILE is required\n' "$fn" >&2
        return 2
    fi
    __homeboy_bench_require_python3 "$fn" || return 2
    mkdir -p -- "$(dirname -- "$results_file")" || return 1

    # Settings travel through the environment of python3 only; records are
    # passed as arguments. The program reads everything first and writes the
    # file last, so any error leaves no (new) results file behind.
    __HB_FN="$fn" \
    __HB_INVENTORY="$inventory" \
    __HB_RESULTS_FILE="$results_file" \
    __HB_COMPONENT="$component" \
    __HB_ITERATIONS="$iterations" \
    __HB_METADATA_JSON="$metadata_json" \
    __HB_METRIC_GROUPS_JSON="$metric_groups_json" \
    __HB_SPAN_DEFINITIONS_JSON="$span_definitions_json" \
    __HB_ARTIFACTS_JSON="$artifacts_json" \
    __HB_TIMELINE_JSON="$timeline_json" \
    __HB_EXTRAS_FILE="$extras_file" \
    python3 -c '
import json
import math
import os
import sys

env = os.environ
FN = env["__HB_FN"]


def fail(message):
    sys.stderr.write("%s\n" % message)
    sys.exit(1)


def option_json(var, default):
    # Option values are taken verbatim; empty means "not given".
    text = env.get("__HB_" + var, "")
    if text == "":
        return default
    try:
        return json.loads(text)
    except ValueError as err:
        fail("%s must be valid JSON: %s" % (var, err))


def percentile(values, p):
    # R-7 percentile over ascending values; rank = p * (n - 1).
    # The weighted form v[lo]*(1-frac) + v[hi]*frac is deliberate: it gives
    # the same floats as the JS and PHP helpers.
    n = len(values)
    if n == 0:
        return 0.0
    if n == 1:
        return float(values[0])
    rank = p * (n - 1)
    lo = int(math.floor(rank))
    hi = int(math.ceil(rank))
    if lo == hi:
        return float(values[lo])
    frac = rank - lo
    return values[lo] * (1 - frac) + values[hi] * frac


def is_number(value):
    # Booleans are ints in Python and are kept on purpose (see the spec).
    return isinstance(value, (int, float))


def load_payload(name):
    if name in ("", "null"):
        return {}
    try:
        with open(name, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:
        fail("%s: cannot read payload %s: %s" % (FN, name, err))
    if not isinstance(data, dict):
        fail("%s: payload %s must be a JSON object" % (FN, name))
    return data


inventory = env["__HB_INVENTORY"] == "1"
component = env["__HB_COMPONENT"]
results_file = env["__HB_RESULTS_FILE"]
try:
    iterations = int(env["__HB_ITERATIONS"])
except ValueError:
    fail("%s: iterations must be an integer: %s" % (FN, env["__HB_ITERATIONS"]))

extras = {
    "metadata": option_json("METADATA_JSON", {}),
    "metric_groups": option_json("METRIC_GROUPS_JSON", {}),
    "span_definitions": option_json("SPAN_DEFINITIONS_JSON", {}),
    "artifacts": option_json("ARTIFACTS_JSON", {}),
    "timeline": option_json("TIMELINE_JSON", []),
}

extras_file = env["__HB_EXTRAS_FILE"]
if extras_file:
    try:
        with open(extras_file, "r", encoding="utf-8") as handle:
            extra_doc = json.load(handle)
    except (OSError, ValueError) as err:
        fail("%s: cannot read extras file %s: %s" % (FN, extras_file, err))
    if not isinstance(extra_doc, dict):
        fail("%s: extras file %s must be a JSON object" % (FN, extras_file))
    for key in extras:
        if key in extra_doc:
            extras[key] = extra_doc[key]

scenarios = []
counted_metrics = set()
for record in sys.argv[1:]:
    if record == "":
        continue
    parts = record.split("=", 3)
    parts += [""] * (4 - len(parts))
    scenario_id, payload_name, record_file, record_source = parts

    # "id=file=source" records (inventory without payload) arrive shifted
    # by one field; move them back.
    if record_source == "" and payload_name not in ("", "null") and record_file != "":
        record_file, record_source, payload_name = payload_name, record_file, ""

    payload = load_payload(payload_name)
    scenario = {"id": scenario_id}

    if inventory:
        scenario["iterations"] = 0
        scenario["default_iterations"] = iterations
        tags = payload.get("tags")
        scenario["tags"] = tags if isinstance(tags, list) else []
        metrics = payload.get("metrics")
        scenario["metrics"] = metrics if isinstance(metrics, dict) else {}
    else:
        timings = payload.get("timings_ns")
        if not isinstance(timings, list):
            timings = []
        try:
            samples = sorted(float(value) / 1e6 for value in timings)
        except (TypeError, ValueError) as err:
            fail("%s: %s: invalid timings_ns: %s" % (FN, scenario_id, err))
        counts = payload.get("instructions")
        if not isinstance(counts, list):
            counts = []
        try:
            counts = [float(value) for value in counts]
            misses = [float(value) for value in payload.get("cache_misses") or []]
        except (TypeError, ValueError) as err:
            fail("%s: %s: invalid instruction counts: %s" % (FN, scenario_id, err))
        if not samples and not counts:
            sys.stderr.write("WORKLOAD_WARN: %s emitted no timings\n" % scenario_id)
            continue
        metrics = {}
        if samples:
            metrics = {
                "mean_ms": sum(samples) / len(samples),
                "p50_ms": percentile(samples, 0.50),
                "p95_ms": percentile(samples, 0.95),
                "p99_ms": percentile(samples, 0.99),
                "min_ms": samples[0],
                "max_ms": samples[-1],
            }
        if counts:
            # homeboy_bench_measure_instructions samples, in the order taken.
            metrics["instructions"] = percentile(sorted(counts), 0.50)
            metrics["distributions"] = {"instructions": counts}
            if len(misses) == len(counts):
                metrics["cache_misses"] = percentile(sorted(misses), 0.50)
                metrics["distributions"]["cache_misses"] = misses
                counted_metrics.add("cache_misses")
            counted_metrics.add("instructions")
            counter = payload.get("instruction_counter")
            if isinstance(counter, str):
                scenario.setdefault("metadata", {})["instruction_counter"] = counter
        extra_metrics = payload.get("metrics")
        if isinstance(extra_metrics, dict):
            for name, value in extra_metrics.items():
                if is_number(value):
                    metrics[name] = value
        scenario["iterations"] = len(samples) or len(counts)
        scenario["metrics"] = metrics

    if record_file not in ("", "null"):
        scenario["file"] = record_file
    elif isinstance(payload.get("file"), str):
        scenario["file"] = payload["file"]

    if record_source != "":
        scenario["source"] = record_source
    elif isinstance(payload.get("source"), str):
        scenario["source"] = payload["source"]

    for key in ("metadata", "artifacts"):
        if isinstance(payload.get(key), dict):
            merged = dict(scenario.get(key, {}))
            merged.update(payload[key])
            scenario[key] = merged

    if "peak_rss_bytes" in payload:
        try:
            scenario["memory"] = {"peak_bytes": int(payload["peak_rss_bytes"])}
        except (TypeError, ValueError) as err:
            fail("%s: %s: invalid peak_rss_bytes: %s" % (FN, scenario_id, err))

    scenarios.append(scenario)

envelope = {
    "component_id": component,
    "iterations": 0 if inventory else iterations,
    "scenarios": scenarios,
}
for key in ("metadata", "metric_groups", "span_definitions", "artifacts", "timeline"):
    if extras[key]:
        envelope[key] = extras[key]
if counted_metrics:
    # The default policy of counted metrics, as bench --measure instructions
    # declares it: a count barely moves with load, so 1 % of the median is real.
    thresholds = {"instructions": 1.0, "cache_misses": 10.0}
    envelope["metric_policies"] = {
        name: {
            "direction": "lower_is_better",
            "variance_aware": False,
            "regression_test": "point_delta",
            "regression_threshold_percent": thresholds[name],
        }
        for name in sorted(counted_metrics)
    }

text = json.dumps(envelope, indent=2, ensure_ascii=True) + "\n"
with open(results_file, "w", encoding="utf-8") as handle:
    handle.write(text)
' ${records[@]+"${records[@]}"}
}

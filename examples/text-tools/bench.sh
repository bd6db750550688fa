#!/usr/bin/env bash
# Example bench runner: times real text-processing work (sort, gzip, sha256)
# on a generated data file and writes homeboy's results contract, with every
# iteration's wall time as a distribution so homeboy can compare samples, not
# just one summary number.
#
# Settings (homeboy bench example-text-tools --setting lines=400000):
#   lines  how many lines of data to process (default 200000)
set -euo pipefail

# The runtime helper gives us scenario selection exactly as homeboy means it.
# shellcheck source=/dev/null
source "${HOMEBOY_RUNTIME_BENCH_HELPER_SH:?run me through homeboy bench}"

results=${HOMEBOY_BENCH_RESULTS_FILE:?}
iterations=${HOMEBOY_BENCH_ITERATIONS:-10}
warmup=${HOMEBOY_BENCH_WARMUP_ITERATIONS:-1}
lines=$(printf '%s' "${HOMEBOY_SETTINGS_JSON:-{\}}" | sed -n 's/.*"lines":[[:space:]]*"\{0,1\}\([0-9][0-9]*\).*/\1/p')
lines=${lines:-200000}

scenarios=(sort-numeric gzip-fast gzip-best sha256)
declare -A commands=(
  [sort-numeric]='sort -n "$data" >/dev/null'
  [gzip-fast]='gzip -1 -c "$data" >/dev/null'
  [gzip-best]='gzip -9 -c "$data" >/dev/null'
  [sha256]='sha256sum "$data" >/dev/null'
)

policies='"metric_policies": {
    "wall_ms": {"direction": "lower_is_better", "regression_threshold_percent": 10.0,
                "variance_aware": true, "min_iterations_for_variance": 5,
                "regression_test": "mann_whitney_u"}
  }'

if [[ "${HOMEBOY_BENCH_LIST_ONLY:-0}" == "1" ]]; then
  {
    printf '{"component_id": "%s", "iterations": 0, "scenarios": [' "$HOMEBOY_COMPONENT_ID"
    sep=""
    for id in "${scenarios[@]}"; do
      printf '%s{"id": "%s", "iterations": 0, "metrics": {}, "source": "bench.sh", "default_iterations": %s, "tags": ["text"]}' \
        "$sep" "$id" "$iterations"
      sep=", "
    done
    printf ']}\n'
  } >"$results"
  exit 0
fi

data="$HOMEBOY_RUN_DIR/data.txt"
# Deterministic pseudo-random numbers (an LCG), so every run sorts and
# compresses the same bytes.
awk -v n="$lines" 'BEGIN { x = 12345; for (i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x } }' >"$data"

now_ns() { date +%s%N; }

scenario_json=()
for id in "${scenarios[@]}"; do
  homeboy_bench_scenario_selected "$id" || continue
  cmd=${commands[$id]}
  for ((i = 0; i < warmup; i++)); do eval "$cmd"; done
  samples=()
  for ((i = 0; i < iterations; i++)); do
    start=$(now_ns)
    eval "$cmd"
    end=$(now_ns)
    samples+=("$(( (end - start) / 1000 ))")   # microseconds
  done
  echo "bench.sh: $id done ($iterations iterations)" >&2
  # Summary statistics (R-7 percentiles) from the microsecond samples, sorted
  # by value with their iteration numbers; the distribution is written in
  # iteration order, so drift and outlier positions mean something.
  scenario_json+=("$(printf '%s\n' "${samples[@]}" | awk '{ print NR, $1 }' | sort -k2,2n | awk -v id="$id" -v n="$iterations" '
    { v[NR] = $2 / 1000.0; o[$1] = v[NR]; sum += v[NR] }
    function pct(p,   r, lo, hi, f) { r = p * (NR - 1); lo = int(r); hi = (r > lo) ? lo + 1 : lo;
      f = r - lo; return v[lo + 1] * (1 - f) + v[hi + 1] * f }
    END {
      printf "{\"id\": \"%s\", \"iterations\": %d, \"metrics\": {", id, n
      printf "\"wall_ms\": %.3f, \"mean_ms\": %.3f, \"p50_ms\": %.3f, \"p95_ms\": %.3f, ", pct(0.5), sum / NR, pct(0.5), pct(0.95)
      printf "\"min_ms\": %.3f, \"max_ms\": %.3f, \"distributions\": {\"wall_ms\": [", v[1], v[NR]
      for (i = 1; i <= NR; i++) printf "%s%.3f", (i > 1 ? ", " : ""), o[i]
      printf "]}}, \"source\": \"bench.sh\"}"
    }')")
done

{
  printf '{\n  "component_id": "%s",\n  "iterations": %s,\n  %s,\n  "metadata": {"lines": %s},\n  "scenarios": [\n    ' \
    "$HOMEBOY_COMPONENT_ID" "$iterations" "$policies" "$lines"
  sep=""
  for s in "${scenario_json[@]}"; do printf '%s%s' "$sep" "$s"; sep=$',\n    '; done
  printf '\n  ]\n}\n'
} >"$results"
rm -f "$data"

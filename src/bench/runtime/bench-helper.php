<?php
/**
 * bench-helper.php: shared helpers for homeboy bench runners written in PHP.
 *
 * Homeboy writes this file to ~/.config/homeboy/runtime/ and exports its
 * path as HOMEBOY_RUNTIME_BENCH_HELPER_PHP. Runners load it with
 *
 *     require getenv('HOMEBOY_RUNTIME_BENCH_HELPER_PHP');
 *
 * It follows the same contract as bench-helper.sh and bench-helper.mjs
 * (R-7 percentiles, scenario slugs, the {component_id, iterations,
 * scenarios} results envelope), with PHP's own JSON style: 4-space
 * indentation, \uXXXX escapes, zero-fraction floats printed as integers and
 * no trailing newline.
 *
 * All functions are declared inside one guard so that loading the file a
 * second time (require instead of require_once) is harmless.
 */

if (!function_exists('homeboy_bench_percentile')) {

    /**
     * R-7 percentile (Hyndman-Fan type 7, Excel PERCENTILE.INC) of a list
     * already sorted ascending and indexed from 0; $p is in [0, 1].
     * rank = p * (n - 1); the weighted form v[lo]*(1-frac) + v[hi]*frac
     * keeps results identical to the SH and JS helpers.
     */
    function homeboy_bench_percentile(array $sorted, float $p): float
    {
        $n = count($sorted);
        if ($n === 0) {
            return 0.0;
        }
        if ($n === 1) {
            return (float) $sorted[0];
        }
        $rank = $p * ($n - 1);
        $lo = (int) floor($rank);
        $hi = (int) ceil($rank);
        if ($lo === $hi) {
            return (float) $sorted[$lo];
        }
        $frac = $rank - $lo;
        return $sorted[$lo] * (1 - $frac) + $sorted[$hi] * $frac;
    }

    /**
     * Scenario slug for a file name. Unlike the SH and JS helpers there is no
     * basename step, so "/" acts as a separator ("src/bin/bench_http.rs"
     * gives "src-bin-bench-http"). May return ''.
     */
    function homeboy_bench_scenario_id(string $basename): string
    {
        $slug = preg_replace('/\.[^.]+$/D', '', $basename);
        $slug = preg_replace('/([a-z0-9])([A-Z])/', '$1-$2', $slug);
        // ASCII-only lowercasing, independent of the current locale.
        $slug = strtr($slug, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
        $slug = preg_replace('/[^a-z0-9]+/', '-', $slug);
        return trim($slug, '-');
    }

    /**
     * Selected scenario ids from a comma-separated list (by default the
     * HOMEBOY_BENCH_SCENARIOS environment variable): trimmed, empty items
     * dropped, reindexed from 0.
     */
    function homeboy_bench_selected_scenarios(?string $scenarios = null): array
    {
        if ($scenarios === null) {
            $from_env = getenv('HOMEBOY_BENCH_SCENARIOS');
            $scenarios = $from_env === false ? '' : $from_env;
        }
        $items = array_map('trim', explode(',', $scenarios));
        return array_values(array_filter($items, static function ($item) {
            return $item !== '';
        }));
    }

    /**
     * Whether a scenario runs: always when the selection is empty, otherwise
     * only on an exact (strict) match.
     */
    function homeboy_bench_scenario_selected(string $id, ?array $selected = null): bool
    {
        if ($selected === null) {
            $selected = homeboy_bench_selected_scenarios();
        }
        return count($selected) === 0 || in_array($id, $selected, true);
    }

    /** Artifact reference: path, plus kind and label when not null or ''. */
    function homeboy_bench_artifact_ref(string $path, ?string $kind = null, ?string $label = null): array
    {
        if ($path === '') {
            throw new InvalidArgumentException('homeboy_bench_artifact_ref requires a path');
        }
        $ref = ['path' => $path];
        if ($kind !== null && $kind !== '') {
            $ref['kind'] = $kind;
        }
        if ($label !== null && $label !== '') {
            $ref['label'] = $label;
        }
        return $ref;
    }

    /** Results envelope: component_id, iterations, scenarios. */
    function homeboy_bench_results_envelope(string $component_id, int $iterations, array $scenarios): array
    {
        return [
            'component_id' => $component_id,
            'iterations' => $iterations,
            'scenarios' => $scenarios,
        ];
    }

    /**
     * One inventory (list-only) scenario. Keys in order: id, iterations (0),
     * tags, metrics, default_iterations (when the key exists, as int), then
     * file, source, metadata, provenance and artifacts when they hold
     * something (not null, [] or '').
     */
    function homeboy_bench_scenario_inventory_entry(array $scenario): array
    {
        if (empty($scenario['id'])) {
            throw new InvalidArgumentException('homeboy_bench_scenario_inventory_entry requires an id');
        }
        $entry = [
            'id' => $scenario['id'],
            'iterations' => 0,
            'tags' => $scenario['tags'] ?? [],
            'metrics' => $scenario['metrics'] ?? [],
        ];
        if (array_key_exists('default_iterations', $scenario)) {
            $entry['default_iterations'] = (int) $scenario['default_iterations'];
        }
        foreach (['file', 'source', 'metadata', 'provenance', 'artifacts'] as $key) {
            if (!isset($scenario[$key])) {
                continue;
            }
            $value = $scenario[$key];
            if ($value === [] || $value === '') {
                continue;
            }
            $entry[$key] = $value;
        }
        return $entry;
    }

    /**
     * Inventory envelope: items without default_iterations get $default,
     * each item becomes an inventory entry, and iterations is 0.
     */
    function homeboy_bench_scenario_inventory_envelope(string $component_id, int $default_iterations, array $scenarios): array
    {
        $entries = [];
        foreach ($scenarios as $scenario) {
            if (!array_key_exists('default_iterations', $scenario)) {
                $scenario['default_iterations'] = $default_iterations;
            }
            $entries[] = homeboy_bench_scenario_inventory_entry($scenario);
        }
        return homeboy_bench_results_envelope($component_id, 0, $entries);
    }

    /**
     * Write $data as pretty JSON (4-space indent, slashes unescaped,
     * non-ASCII as \uXXXX, no trailing newline), creating parent directories.
     * Internal to this file.
     */
    function homeboy_bench_write_json_file(string $path, array $data): void
    {
        $json = json_encode($data, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES);
        if ($json === false) {
            throw new RuntimeException('json_encode failed: ' . json_last_error_msg());
        }
        $dir = dirname($path);
        if (!is_dir($dir) && !@mkdir($dir, 0777, true) && !is_dir($dir)) {
            throw new RuntimeException('failed to create ' . $dir);
        }
        if (@file_put_contents($path, $json) === false) {
            throw new RuntimeException('failed to write ' . $path);
        }
    }

    /** Write a results file. */
    function homeboy_write_bench_results(string $path, string $component_id, int $iterations, array $scenarios): void
    {
        homeboy_bench_write_json_file($path, homeboy_bench_results_envelope($component_id, $iterations, $scenarios));
    }

    /** Write a results file with no scenarios. */
    function homeboy_write_empty_bench_results(string $path, string $component_id, int $iterations = 0): void
    {
        homeboy_write_bench_results($path, $component_id, $iterations, []);
    }

    /** Write a scenario inventory (list-only mode). */
    function homeboy_write_bench_scenario_inventory(string $path, string $component_id, int $default_iterations, array $scenarios): void
    {
        homeboy_bench_write_json_file(
            $path,
            homeboy_bench_scenario_inventory_envelope($component_id, $default_iterations, $scenarios)
        );
    }

    /**
     * Append {"at":"<UTC, seconds>Z","t_ms":<ms since first call>, ...$event}
     * as one line to HOMEBOY_BENCH_RESPONSIVENESS_FILE (no-op when unset).
     * The clock starts on the first call even when no file is configured.
     * Event keys override at/t_ms in place and may add keys.
     */
    function homeboy_bench_responsiveness_ping(array $event = []): void
    {
        static $started = null;
        if ($started === null) {
            $started = microtime(true);
        }
        $file = getenv('HOMEBOY_BENCH_RESPONSIVENESS_FILE');
        if ($file === false || $file === '') {
            return;
        }
        $line = [
            'at' => gmdate('Y-m-d\TH:i:s\Z'),
            't_ms' => max(0, (int) round((microtime(true) - $started) * 1000)),
        ];
        $line = array_replace($line, $event);
        $json = json_encode($line, JSON_UNESCAPED_SLASHES);
        if ($json === false) {
            throw new RuntimeException('json_encode failed: ' . json_last_error_msg());
        }
        $dir = dirname($file);
        if (!is_dir($dir) && !@mkdir($dir, 0777, true) && !is_dir($dir)) {
            throw new RuntimeException('failed to create ' . $dir);
        }
        if (@file_put_contents($file, $json . "\n", FILE_APPEND | LOCK_EX) === false) {
            throw new RuntimeException('failed to write ' . $file);
        }
    }
}

#!/usr/bin/env python3
"""Benchmarks of homeboy itself (issue #2's targets). Stdlib only.

    python3 bench/run_benchmarks.py [--build build] [--runs 100000] [--rounds 40]

Prints one Markdown table per target; bench/RESULTS.md records the figures.
Timings are whole processes (what a user or CI waits for), medians over
interleaved rounds so machine noise hits both sides of a comparison alike.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FIXED_RESULTS = {
    "component_id": "overhead",
    "iterations": 10,
    "scenarios": [
        {"id": "cold", "iterations": 10,
         "metrics": {"p95_ms": 12.5, "p50_ms": 10.0, "distributions": {"p95_ms": [10, 11, 12, 12.5, 13, 11, 10, 12, 12, 11]}}},
        {"id": "warm", "iterations": 10,
         "metrics": {"p95_ms": 2.5, "p50_ms": 2.0, "distributions": {"p95_ms": [2, 2.1, 2.4, 2.5, 2, 2.2, 2.3, 2, 2.1, 2]}}},
    ],
}


def timed(cmd, env, cwd=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode()}")
    return elapsed


def make_env(tmp):
    env = dict(os.environ)
    env["HOME"] = os.path.join(tmp, "home")
    env["HOMEBOY_DATA_DIR"] = os.path.join(tmp, "data")
    env["CI"] = "1"
    env["NO_COLOR"] = "1"
    os.makedirs(env["HOME"], exist_ok=True)
    return env


def make_component(tmp):
    comp = os.path.join(tmp, "overhead")
    os.makedirs(comp)
    with open(os.path.join(comp, "results.json"), "w") as f:
        json.dump(FIXED_RESULTS, f)
    runner = os.path.join(comp, "runner.sh")
    with open(runner, "w") as f:
        f.write('#!/bin/sh\ncat "$(dirname "$0")/results.json" > "$HOMEBOY_BENCH_RESULTS_FILE"\n')
    os.chmod(runner, 0o755)
    with open(os.path.join(comp, "homeboy.json"), "w") as f:
        json.dump({"id": "overhead", "scripts": {"bench": ["./runner.sh"]}}, f)
    return comp, runner


def harness_overhead(homeboy, rounds):
    tmp = tempfile.mkdtemp(prefix="hb-bench-overhead-")
    try:
        env = make_env(tmp)
        comp, runner = make_component(tmp)
        direct_env = dict(env, HOMEBOY_BENCH_RESULTS_FILE=os.path.join(tmp, "direct.json"))
        # Like homeboy, run the script through /bin/sh -c in its directory.
        direct = ["/bin/sh", "-c", "./runner.sh"]
        via = [homeboy, "bench", "overhead", "--ignore-baseline"]
        timed(via, env, comp)  # warm caches, create the store
        a, b = [], []
        for _ in range(rounds):
            pair = [("homeboy", via, env), ("direct", direct, direct_env)]
            random.shuffle(pair)
            for name, cmd, e in pair:
                (a if name == "homeboy" else b).append(timed(cmd, e, comp))
        diffs = [x - y for x, y in zip(a, b)]
        return {
            "homeboy_median_ms": statistics.median(a),
            "direct_median_ms": statistics.median(b),
            "added_median_ms": statistics.median(diffs),
            "rounds": rounds,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def store_size(data_dir):
    db = os.path.join(data_dir, "homeboy.sqlite")
    subprocess.run(["sqlite3", db, "PRAGMA wal_checkpoint(TRUNCATE);"], check=True, stdout=subprocess.DEVNULL)
    total = 0
    for dirpath, _, files in os.walk(data_dir):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
    return total


def bytes_per_run(homeboy, count=40):
    tmp = tempfile.mkdtemp(prefix="hb-bench-size-")
    try:
        env = make_env(tmp)
        comp, _ = make_component(tmp)
        timed([homeboy, "bench", "overhead", "--ignore-baseline"], env, comp)
        before = store_size(env["HOMEBOY_DATA_DIR"])
        for _ in range(count):
            timed([homeboy, "bench", "overhead", "--ignore-baseline"], env, comp)
        after = store_size(env["HOMEBOY_DATA_DIR"])
        results_size = len(json.dumps(FIXED_RESULTS))
        per_run = (after - before) / count
        return {"bytes_per_run": per_run, "results_file_bytes": results_size,
                "overhead_bytes": per_run - results_size, "runs": count}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def readers(homeboy, seed, runs, rounds):
    tmp = tempfile.mkdtemp(prefix="hb-bench-readers-")
    try:
        env = make_env(tmp)
        db = os.path.join(env["HOMEBOY_DATA_DIR"], "homeboy.sqlite")
        t0 = time.perf_counter()
        subprocess.run([seed, db, str(runs)], check=True, stdout=subprocess.DEVNULL)
        seed_s = time.perf_counter() - t0
        out = subprocess.run([homeboy, "runs", "list", "--limit", "1", "--json"], env=env,
                             check=True, capture_output=True).stdout
        some_id = json.loads(out)["data"]["payload"]["runs"][0]["id"]
        out = subprocess.run([homeboy, "runs", "list", "--component", "component-7", "--limit", "2", "--json"],
                             env=env, check=True, capture_output=True).stdout
        newer, older = (r["id"] for r in json.loads(out)["data"]["payload"]["runs"])
        cases = {
            "runs list --limit 20": ["runs", "list", "--limit", "20"],
            "runs list --kind bench": ["runs", "list", "--limit", "20", "--kind", "bench"],
            "runs list --component component-7": ["runs", "list", "--limit", "20", "--component", "component-7"],
            "runs list --rig none": ["runs", "list", "--limit", "20", "--rig", "none"],
            "runs list --scenario api-list": ["runs", "list", "--limit", "20", "--scenario", "api-list"],
            "runs list --status failed": ["runs", "list", "--limit", "20", "--status", "failed"],
            "runs list --since 1h": ["runs", "list", "--limit", "20", "--since", "1h"],
            "runs list --until 1d": ["runs", "list", "--limit", "20", "--until", "1d"],
            "runs show <id>": ["runs", "show", some_id],
            "runs latest-run": ["runs", "latest-run"],
            "runs latest-run --component component-3": ["runs", "latest-run", "--component", "component-3"],
            "bench history component-7 --metric p95_ms --scenario api-list":
                ["bench", "history", "component-7", "--metric", "p95_ms", "--scenario", "api-list"],
            "runs bench-compare (two runs of component-7)":
                ["runs", "bench-compare", "--from-run", older, "--to-run", newer],
        }
        samples = {name: [] for name in cases}
        for _ in range(rounds):
            order = list(cases.items())
            random.shuffle(order)
            for name, args in order:
                samples[name].append(timed([homeboy] + args, env))
        return seed_s, {name: statistics.median(v) for name, v in samples.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    homeboy = os.path.join(args.build, "homeboy")
    seed = os.path.join(args.build, "bench", "seed_store")
    for path in (homeboy, seed):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: run ./scripts/build first")
    random.seed(1)

    o = harness_overhead(homeboy, args.rounds)
    print("## Harness overhead (target: median added wall time <= 10 ms)\n")
    print("| homeboy bench (median) | runner directly (median) | added, median of paired differences | rounds |")
    print("|---|---|---|---|")
    print(f"| {o['homeboy_median_ms']:.1f} ms | {o['direct_median_ms']:.1f} ms | {o['added_median_ms']:.1f} ms | {o['rounds']} |\n")

    s = bytes_per_run(homeboy)
    print("## Store growth per bench run (target: results file + 20 KB)\n")
    print("| bytes per run | results file | added beyond the results file | runs |")
    print("|---|---|---|---|")
    print(f"| {s['bytes_per_run']:.0f} | {s['results_file_bytes']} | {s['overhead_bytes']:.0f} | {s['runs']} |\n")

    seed_s, r = readers(homeboy, seed, args.runs, args.rounds)
    print(f"## Readers over {args.runs:,} runs (target: <= 15 ms median, whole process)\n")
    print(f"Seeded in {seed_s:.1f} s.\n")
    print("| command | median |")
    print("|---|---|")
    for name, ms in r.items():
        print(f"| `{name}` | {ms:.1f} ms |")


if __name__ == "__main__":
    main()

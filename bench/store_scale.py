#!/usr/bin/env python3
"""The observation store at scale (issue #4): readers over 1,000,000 runs and
3,000,000 artifact rows, `runs query` over 10,000 JSON artifacts of ~5 KB,
`runs distribution` over 1,000 runs. Whole processes, medians over rounds
(commands interleaved in a shuffled order each round).

    python3 bench/store_scale.py [--build build] [--runs 1000000] [--rounds 15]

Builds nothing: run ./scripts/build first (homeboy and bench/seed_store).
Needs about 3 GB of disk for the big store (in a temporary directory).
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


def env_for(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOMEBOY_", "XDG_"))}
    env.update(HOME=data_dir, HOMEBOY_DATA_DIR=data_dir, NO_COLOR="1")
    return env


def timed(cmd, env):
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - t) * 1000
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr.decode()}")
    return elapsed


def measure(homeboy, env, cases, rounds):
    samples = {name: [] for name in cases}
    for _ in range(rounds):
        order = list(cases.items())
        random.shuffle(order)
        for name, args in order:
            samples[name].append(timed([homeboy] + args, env))
    return {name: statistics.median(v) for name, v in samples.items()}


def seed(seed_store, data_dir, runs, artifacts, json_dir=None):
    os.makedirs(data_dir, exist_ok=True)
    cmd = [seed_store, os.path.join(data_dir, "homeboy.sqlite"), str(runs), "20", str(artifacts)]
    if json_dir:
        cmd.append(json_dir)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def table(title, target_ms, results):
    print(f"### {title}\n")
    print("| command | median | target |")
    print("|---|---|---|")
    for name, ms in results.items():
        target = target_ms(name)
        verdict = "met" if ms <= target else "NOT met"
        print(f"| `{name}` | {ms:.1f} ms | <= {target} ms, {verdict} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--keep", help="seed into this directory and keep it (reused if seeded)")
    args = parser.parse_args()
    homeboy = os.path.join(args.build, "homeboy")
    seed_store = os.path.join(args.build, "bench", "seed_store")
    for path in (homeboy, seed_store):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: run ./scripts/build first")
    random.seed(1)
    tmp = args.keep or tempfile.mkdtemp(prefix="hb-store-scale-")
    try:
        big = os.path.join(tmp, "big")
        if os.path.exists(os.path.join(big, "homeboy.sqlite")):
            seeded = "reused"
        else:
            seeded = f"{seed(seed_store, big, args.runs, 3):.0f} s"
        env = env_for(big)
        out = subprocess.run([homeboy, "runs", "list", "--limit", "1", "--json"], env=env,
                             check=True, capture_output=True).stdout
        some_id = json.loads(out)["data"]["payload"]["runs"][0]["id"]
        size = os.path.getsize(os.path.join(big, "homeboy.sqlite"))
        print(f"{args.runs:,} runs, {3 * args.runs:,} artifact rows, 4 scenarios with 10 samples "
              f"each per run; store {size / 1e9:.2f} GB; seeded in {seeded}; "
              f"load average {os.getloadavg()[0]:.2f}.\n")
        readers = {
            "runs list --limit 20": ["runs", "list", "--limit", "20"],
            "runs list --kind bench": ["runs", "list", "--kind", "bench"],
            "runs list --component component-7": ["runs", "list", "--component", "component-7"],
            "runs list --rig none": ["runs", "list", "--rig", "none"],
            "runs list --scenario api-list": ["runs", "list", "--scenario", "api-list"],
            "runs list --status failed": ["runs", "list", "--status", "failed"],
            "runs list --since 1h": ["runs", "list", "--since", "1h"],
            "runs list --until 1d": ["runs", "list", "--until", "1d"],
            "runs latest-run": ["runs", "latest-run"],
            "runs latest-run --component component-3": ["runs", "latest-run", "--component",
                                                        "component-3"],
            "runs show <id>": ["runs", "show", some_id],
            "runs refs --since 1d": ["runs", "refs", "--since", "1d"],
            "runs compare --limit 100": ["runs", "compare", "--component", "component-5",
                                         "--metric", "p95_ms", "--limit", "100"],
        }
        results = measure(homeboy, env, readers, args.rounds)
        table(f"Readers over {args.runs:,} runs", lambda n: 100 if "compare" in n else 20, results)

        small = os.path.join(tmp, "json")
        if not os.path.exists(os.path.join(small, "homeboy.sqlite")):
            seed(seed_store, small, 10_000, 1, os.path.join(small, "files"))
        env = env_for(small)
        analyses = {
            "runs query over 10,000 JSON artifacts": [
                "runs", "query", "--select", "$.suite", "--group-by", "$.os", "--count",
                "--artifact-kind", "json", "--limit", "10000"],
            "runs distribution over 1,000 runs": [
                "runs", "distribution", "--field", "runner.os", "--field", "tags",
                "--limit", "1000"],
        }
        results = measure(homeboy, env, analyses, max(3, args.rounds // 3))
        table("Analyses (10,000 runs, one ~5 KB JSON artifact file each)",
              lambda n: 2000 if "query" in n else 100, results)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The decision-quality study on a real machine (issue 12).

The synthetic study (decision_quality --study sessions) models session noise;
this one makes it. A load generator started and stopped by this script
changes the machine's background load at random moments (none; 1, 2 or 3
busy processes on a machine of 2 cores; a memory streamer; an I/O writer),
while homeboy benches three `--exec` workloads against a baseline saved on
the quiet machine:

  sha256  sha256sum over a data file        (CPU)
  sort    sort -n over a file of numbers    (CPU, memory)
  gzip    gzip -1 over the data file        (CPU)

Phase 1 changes nothing: every `regressed` or `improved` is false. Phase 2
makes each workload do 10 % more work (files 10 % larger), and 2 % more for
the instruction counts: every metric should be `regressed`.

Each configuration has its own store and component, so one cannot feed the
other's history:

  old      the verdicts before issue 12 (--no-session-aware), 1 session a side
  new      the defaults, 1 session a side (the store's history builds up)
  new-3    the defaults with --runs 3 on both sides
  instr    --measure instructions, 3 iterations (only when this homeboy has it)

Usage:
  bench/decision-quality/real_machine.py [--trials 20] [--homeboy build/homeboy]
      [--iterations 10] [--configs old,new,new-3,instr] [--seed 1] [--out FILE.json]

Prints a Markdown table (the one in bench/RESULTS.md) and writes the raw
verdicts to --out. Takes about 15 minutes on 2 cores at the defaults.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LEVELS = ["idle", "busy1", "busy2", "busy3", "memory", "io"]


# --- the load generator -------------------------------------------------------

BUSY = "while :; do :; done"
MEMORY = ("import array, time\n"
          "a = array.array('d', bytes(256 * 1024 * 1024))\n"
          "while True:\n"
          "    for i in range(0, len(a), 512):\n"
          "        a[i] += 1.0\n")
IO = ("set -e; f=$(mktemp -p \"$1\"); trap 'rm -f \"$f\"' EXIT; "
      "while :; do dd if=/dev/zero of=\"$f\" bs=1M count=128 conv=fsync status=none; "
      "cat \"$f\" > /dev/null; done")


def start_level(level, scratch):
    """Starts the processes of one load level; returns them."""
    procs = []
    def spawn(argv):
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
    if level.startswith("busy"):
        for _ in range(int(level[4:])):
            spawn(["bash", "-c", BUSY])
    elif level == "memory":
        spawn([sys.executable, "-c", MEMORY])
    elif level == "io":
        spawn(["bash", "-c", IO, "io", str(scratch)])
    return procs


def stop(procs):
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for p in procs:
        p.wait()


def load_generator(seed, scratch, mean_seconds):
    """Runs forever in a child process: a new random level every
    exponential(mean_seconds) seconds, logged to stdout."""
    rng = random.Random(seed)
    procs = []
    def quit_(*_):
        stop(procs)
        sys.exit(0)
    signal.signal(signal.SIGTERM, quit_)
    while True:
        level = rng.choice(LEVELS)
        stop(procs)
        procs[:] = start_level(level, scratch)
        print(f"{time.time():.3f} {level}", flush=True)
        time.sleep(min(rng.expovariate(1 / mean_seconds), 4 * mean_seconds))


# --- the workloads ------------------------------------------------------------

def write_workload(dir_, scale, seed):
    rng = random.Random(seed)
    data = rng.randbytes(int(3 * 1024 * 1024 * scale))
    (dir_ / "data.bin").write_bytes(data)
    n = int(120_000 * scale)
    (dir_ / "nums.txt").write_text("\n".join(str(rng.randrange(10**9)) for _ in range(n)) + "\n")


def exec_args(dir_):
    return ["--exec", f"sha256=sha256sum {dir_ / 'data.bin'}",
            "--exec", f"sort=sort -n {dir_ / 'nums.txt'}",
            "--exec", f"gzip=gzip -1 -c {dir_ / 'data.bin'}"]


CONFIGS = {
    "old": {"args": ["--no-session-aware"], "runs": 1},
    "new": {"args": [], "runs": 1},
    "new-3": {"args": [], "runs": 3},
    # Counted under Valgrind where the machine has no hardware counters: about
    # 50x slower, and the counts barely move, so 3 iterations suffice.
    "instr": {"args": ["--measure", "instructions"], "runs": 1, "iterations": 3},
}


def homeboy_has_measure(homeboy):
    out = subprocess.run([homeboy, "bench", "--help"], capture_output=True, text=True)
    return "--measure" in out.stdout


def bench(homeboy, home, cfg, workdir, iterations, baseline=False):
    env = dict(os.environ, HOME=str(home), HOMEBOY_DATA_DIR=str(home / "data"), NO_COLOR="1")
    env.pop("HOMEBOY_TEST_SPEED_INDEX", None)
    argv = [homeboy, "bench", "--iterations", str(cfg.get("iterations", iterations)), "--runs",
            str(cfg["runs"]), "--json", *cfg["args"], *exec_args(workdir)]
    if baseline:
        argv.append("--baseline")
    r = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True)
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"homeboy printed no JSON (exit {r.returncode}): {r.stderr[-2000:]}")
    return r.returncode, doc


def verdicts(doc, config):
    """{scenario/metric: verdict} of the metrics this configuration judges."""
    payload = doc.get("data", {}).get("payload", doc.get("data", doc))
    comparison = payload.get("baseline_comparison") or {}
    out = {}
    for s in comparison.get("scenarios", []):
        for d in s["metric_deltas"]:
            is_instr = d["name"].startswith("instructions")
            if (config == "instr") == is_instr:
                out[f"{s['id']}/{d['name']}"] = d["verdict"]
    return out, payload.get("machine_speed") or {}


# --- the study ----------------------------------------------------------------

def wilson(k, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d
    return (max(0.0, c - h) * 100, min(1.0, c + h) * 100)


def pct(k, n):
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.0f} % [{lo:.0f}, {hi:.0f}]" if n else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--homeboy", default="build/homeboy")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--configs", default="old,new,new-3,instr")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load-seconds", type=float, default=2.0,
                    help="mean time between load changes")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    homeboy = str(Path(a.homeboy).resolve())
    configs = [c for c in a.configs.split(",") if c]
    if "instr" in configs and not homeboy_has_measure(homeboy):
        print("note: this homeboy has no --measure; the instr configuration is left out",
              file=sys.stderr)
        configs.remove("instr")

    root = Path(tempfile.mkdtemp(prefix="hb-study-"))
    started = time.time()
    results = {c: {"nochange": [], "change": []} for c in configs}
    gen = None
    try:
        dirs = {}
        for c in configs:
            dirs[c] = root / c
            (dirs[c] / "home").mkdir(parents=True)
            write_workload(dirs[c], 1.0, a.seed)
            code, doc = bench(homeboy, dirs[c] / "home", CONFIGS[c], dirs[c], a.iterations,
                              baseline=True)
            if code != 0:
                raise SystemExit(f"{c}: the baseline run failed (exit {code}): "
                                 f"{json.dumps(doc)[:2000]}")
        print(f"baselines saved on the quiet machine ({time.time() - started:.0f} s)",
              file=sys.stderr)
        log = open(root / "load.log", "w")
        gen = subprocess.Popen([sys.executable, __file__, "--_loadgen", str(a.seed), str(root),
                                str(a.load_seconds)], stdout=log, start_new_session=True)
        for phase in ("nochange", "change"):
            if phase == "change":
                for c in configs:
                    write_workload(dirs[c], 1.02 if c == "instr" else 1.10, a.seed)
            for t in range(a.trials):
                for c in configs:
                    code, doc = bench(homeboy, dirs[c] / "home", CONFIGS[c], dirs[c], a.iterations)
                    v, speed = verdicts(doc, c)
                    results[c][phase].append({"exit": code, "verdicts": v,
                                              "speed": speed.get("index")})
                print(f"{phase} trial {t + 1}/{a.trials} ({time.time() - started:.0f} s)",
                      file=sys.stderr)
    finally:
        if gen:
            os.killpg(gen.pid, signal.SIGTERM)
            gen.wait()
    levels = [line.split()[1] for line in (root / "load.log").read_text().split("\n") if line]

    print(f"\n{a.trials} trials per phase and configuration, {a.iterations} iterations, "
          f"seed {a.seed}, {time.time() - started:.0f} s; {len(levels)} load changes "
          f"({', '.join(f'{l} {levels.count(l)}' for l in LEVELS)}).\n")
    print("| configuration | no change: runs with any false verdict | no change: metrics "
          "unchanged / inconclusive | 10 % more work (instr: 2 %): metrics regressed | change: "
          "runs with a false `improved` |")
    print("|---|---|---|---|---|")
    for c in configs:
        nc = results[c]["nochange"]
        ch = results[c]["change"]
        false_runs = sum(1 for r in nc if any(v in ("regressed", "improved")
                                                for v in r["verdicts"].values()))
        metrics = [v for r in nc for v in r["verdicts"].values()]
        changed = [v for r in ch for v in r["verdicts"].values()]
        improved_runs = sum(1 for r in ch if "improved" in r["verdicts"].values())
        print(f"| {c} | {pct(false_runs, len(nc))} | "
              f"{100 * metrics.count('unchanged') / max(1, len(metrics)):.0f} % / "
              f"{100 * metrics.count('inconclusive') / max(1, len(metrics)):.0f} % | "
              f"{pct(changed.count('regressed'), len(changed))} | "
              f"{pct(improved_runs, len(ch))} |")
    if a.out:
        Path(a.out).write_text(json.dumps({"configs": results, "levels": levels}, indent=1))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--_loadgen":
        load_generator(int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))
    else:
        main()

#!/usr/bin/env python3
"""`bench --exec` against hyperfine: per-command means and whole-process time.

    python3 bench/exec_vs_hyperfine.py [--build build] [--rounds 10] [--runs 100]
                                       [--homeboy PATH]

For `true`, `sleep 0.01` and a ~50 ms workload (`gzip -9 -c` of a generated
file, sized at start-up), runs hyperfine -N (shell-less, --runs 100,
--warmup 3, --export-json) and our timing engine with the same counts,
alternating which tool goes first in each round. Reports the median over
rounds of each tool's mean per command and of each tool's whole-process wall
time, and the medians of the rounds' paired ratios (ours / hyperfine).
Targets: our mean within 2 % of hyperfine's for the non-trivial commands;
our whole process no slower than hyperfine's.

By default "our tool" is build/bench/time_commands (bench/time_commands_main.cpp,
a driver around bench::time_commands). With --homeboy PATH it is instead
`PATH bench --exec NAME=CMD --iterations N --warmup 3 --json`, once the CLI is
wired. Installs nothing: without hyperfine it says so and stops. Stdlib only.
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
WARMUP = 3
TARGET_WORKLOAD_MS = 50.0


def run_timed(cmd, env=None, cwd=None):
    """Runs cmd, returns (whole-process wall ms, stdout text); exits on failure."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=cwd)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return elapsed, proc.stdout


def make_workload(tmp):
    """A text file that `gzip -9 -c` compresses in about TARGET_WORKLOAD_MS."""
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
                  for _ in range(5000)]
    path = os.path.join(tmp, "workload.txt")

    def write(size):
        with open(path, "w") as f:
            written = 0
            while written < size:
                line = " ".join(rng.choice(vocabulary) for _ in range(12)) + "\n"
                f.write(line)
                written += len(line)

    def gzip_ms():
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(["gzip", "-9", "-c", path], stdout=subprocess.DEVNULL, check=True)
            samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)

    size = 1 << 20
    for _ in range(3):
        write(size)
        ms = gzip_ms()
        if abs(ms - TARGET_WORKLOAD_MS) < 0.1 * TARGET_WORKLOAD_MS:
            break
        size = int(size * TARGET_WORKLOAD_MS / ms)
    return path, size


def hyperfine_mean(name, command, runs, tmp):
    out = os.path.join(tmp, "hyperfine.json")
    cmd = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", str(WARMUP),
           "--export-json", out, command]
    wall, _ = run_timed(cmd)
    with open(out) as f:
        result = json.load(f)["results"][0]
    return result["mean"] * 1000, (result["user"] + result["system"]) * 1000, wall


def find_scenario(node, name):
    """The scenario object with this id anywhere in a JSON document."""
    if isinstance(node, dict):
        if node.get("id") == name and isinstance(node.get("metrics"), dict):
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = find_scenario(child, name)
        if found is not None:
            return found
    return None


def homeboy_env(tmp):
    """A scratch HOME and data dir, so runs never land in the user's store."""
    env = dict(os.environ)
    env["HOME"] = os.path.join(tmp, "home")
    env["HOMEBOY_DATA_DIR"] = os.path.join(tmp, "data")
    env["CI"] = "1"
    env["NO_COLOR"] = "1"
    os.makedirs(env["HOME"], exist_ok=True)
    return env


def ours_mean(tool, homeboy, name, command, runs, tmp):
    env = None
    if homeboy:
        cmd = [homeboy, "bench", "--exec", f"{name}={command}", "--iterations", str(runs),
               "--warmup", str(WARMUP), "--json"]
        env = homeboy_env(tmp)
    else:
        cmd = [tool, "--iterations", str(runs), "--warmup", str(WARMUP), f"{name}={command}"]
    wall, out = run_timed(cmd, env=env, cwd=tmp)
    scenario = find_scenario(json.loads(out), name)
    if scenario is None:
        sys.exit(f"no scenario {name} in the output of {' '.join(cmd)}")
    metrics = scenario["metrics"]
    if metrics.get("failed_iterations", 0):
        sys.exit(f"{name}: {metrics['failed_iterations']} failed iterations")
    return metrics["mean_ms"], metrics["user_ms"] + metrics["sys_ms"], wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--homeboy", help="time with `HOMEBOY bench --exec` instead of the driver")
    args = parser.parse_args()

    if not shutil.which("hyperfine"):
        print("hyperfine is not installed (Debian: apt-get install hyperfine); nothing measured.")
        return 1
    # Absolute: our tool runs in the scratch directory.
    tool = os.path.abspath(os.path.join(args.build, "bench", "time_commands"))
    homeboy = os.path.abspath(args.homeboy) if args.homeboy else None
    if not homeboy and not os.access(tool, os.X_OK):
        sys.exit(f"{tool} is missing; build it first (ninja -C {args.build} time_commands)")
    ours_label = "homeboy bench --exec" if args.homeboy else "time_commands driver"

    with tempfile.TemporaryDirectory(prefix="hb-exec-bench-") as tmp:
        workload, size = make_workload(tmp)
        commands = [("true", "true"), ("sleep", "sleep 0.01"),
                    ("gzip", f"gzip -9 -c {workload}")]
        results = {name: {f"{tool_}_{what}": [] for tool_ in ("hf", "hb")
                          for what in ("mean", "cpu", "wall")}
                   for name, _ in commands}
        for round_ in range(args.rounds):
            for name, command in commands:
                steps = [("hf", lambda: hyperfine_mean(name, command, args.runs, tmp)),
                         ("hb", lambda: ours_mean(tool, homeboy, name, command, args.runs,
                                                  tmp))]
                if round_ % 2:
                    steps.reverse()
                for key, step in steps:
                    for what, value in zip(("mean", "cpu", "wall"), step()):
                        results[name][f"{key}_{what}"].append(value)
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    load = os.getloadavg()[0]
    print(f"\n{args.runs} runs + {WARMUP} warmup per tool and command, {args.rounds} rounds; "
          f"ours: {ours_label}; gzip input {size / 1e6:.1f} MB; load average {load:.2f}\n")
    print("Means and process times are medians over rounds; ratios (ours / hyperfine) are "
          "medians of the rounds' paired ratios. Noise: how much hyperfine's own mean moved "
          "between rounds (median absolute deviation from its median). CPU: the commands' "
          "mean user + system time, which machine load disturbs less than wall time.\n")
    print("| command | hyperfine mean | ours mean | mean ratio | noise | CPU ratio "
          "| hyperfine process | ours process | process ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    verdicts = []
    for name, command in commands:
        res = results[name]
        r = {k: statistics.median(v) for k, v in res.items()}
        mean_ratio = statistics.median(b / a for a, b in zip(res["hf_mean"], res["hb_mean"]))
        wall_ratio = statistics.median(b / a for a, b in zip(res["hf_wall"], res["hb_wall"]))
        cpu_ratio = statistics.median(b / a for a, b in zip(res["hf_cpu"], res["hb_cpu"])
                                      if a > 0)
        noise = statistics.median(abs(x - r["hf_mean"]) for x in res["hf_mean"]) / r["hf_mean"]
        shown = command.replace(workload, "<file>")
        print(f"| `{shown}` | {r['hf_mean']:.3f} ms | {r['hb_mean']:.3f} ms | {mean_ratio:.3f} "
              f"| {noise * 100:.1f} % | {cpu_ratio:.3f} | {r['hf_wall']:.0f} ms "
              f"| {r['hb_wall']:.0f} ms | {wall_ratio:.3f} |")
        if name != "true":
            verdicts.append((f"{name}: mean within 2 %", abs(mean_ratio - 1) <= 0.02))
        verdicts.append((f"{name}: whole process <= hyperfine's", wall_ratio <= 1.0))
    print()
    for label, ok in verdicts:
        print(f"- {label}: {'yes' if ok else 'NO'}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The `bench --against` study (issue 14, "Measured").

A test git repository with two commits of one component whose
bench.commands are two few-millisecond CPU workloads:

  hash    sha256sum data.bin     (commit 2: data.bin 10 % larger)
  steady  sha256sum steady.bin   (the same in both commits)

While the load generator of bench/decision-quality/real_machine.py (started
and stopped here) changes the machine's background load at random moments,
each trial runs every configuration once, in a shuffled order:

  against   homeboy bench --against HEAD~1 (change) / --against HEAD (no
            change): one interleaved session, the ref's cached worktree first
  rig-seq   homeboy bench --rig a,b with rig a -> the ref's tree and rig b ->
            the working tree: the original's sequential cross-rig comparison
            (left out, and said so, when this homeboy has no --rig a,b)
  against-N the same with --iterations N (a column beside the defaults);
            against-NrR adds --rounds R
  against-instr  the same with --measure instructions: instructions retired
            (hardware counter, else Valgrind's cachegrind) instead of time
  baseline  a saved-baseline comparison: `homeboy bench --baseline` in a copy
            of the ref's tree, then `homeboy bench` after the copy got the
            working tree's files (two sessions one after the other)

"no change": the reference and the current tree hold the same files, so
every `regressed` or `improved` is false. "change": `hash` does 10 % more work
in the current tree; power = the runs whose hash/wall_ms is `regressed`.

Before the load starts, the harness overhead of a two-arm interleaved
comparison over running the two benches directly is measured on a trivial
command (`true`): (time of `bench --against` - time of the two benches) per
round, medians of --overhead-reps repetitions.

Usage:
  bench/against/study.py [--trials 40] [--homeboy build/homeboy] [--iterations 10]
      [--configs against,rig-seq,baseline] [--seed 1] [--out FILE.json]

Prints a Markdown table (the one in bench/RESULTS.md). About 15 minutes on 2
cores at the defaults.
"""

import argparse
import importlib.util
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("real_machine",
                                               HERE.parent / "decision-quality" / "real_machine.py")
real_machine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real_machine)
pct = real_machine.pct

DATA_BYTES = 16 * 1024 * 1024  # sha256sum: ~50 ms of CPU, so process start-up is ~2 %


def run(argv, cwd, env, check=True):
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r


def make_repo(root, seed, change=1.10, data_bytes=DATA_BYTES):
    """<root>/repo with commit 1 (data.bin) and commit 2 (data.bin x `change`)."""
    rng = random.Random(seed)
    repo = root / "repo"
    repo.mkdir()
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null")
    git = lambda *a: run(["git", *a], repo, env)
    git("init", "--quiet", "-b", "main")
    git("config", "user.email", "study@example.com")
    git("config", "user.name", "study")
    data = rng.randbytes(int(data_bytes * change))
    (repo / "steady.bin").write_bytes(rng.randbytes(data_bytes))
    (repo / "data.bin").write_bytes(data[:data_bytes])
    (repo / "homeboy.json").write_text(json.dumps({
        "id": "study",
        "bench": {"commands": {"hash": "sha256sum data.bin", "steady": "sha256sum steady.bin"}},
    }, indent=2))
    git("add", ".")
    git("commit", "--quiet", "-m", "base")
    (repo / "data.bin").write_bytes(data)
    git("commit", "--quiet", "-am", f"hash does {change - 1:.0%} more work")
    return repo


def homeboy_env(home):
    env = dict(os.environ, HOME=str(home), HOMEBOY_DATA_DIR=str(home / "data"), NO_COLOR="1")
    env.pop("HOMEBOY_TEST_SPEED_INDEX", None)
    return env


def payload_of(r):
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"homeboy printed no JSON (exit {r.returncode}): {r.stderr[-2000:]}")
    if not doc.get("success"):
        raise SystemExit(f"homeboy failed: {json.dumps(doc)[:2000]}")
    return doc["data"]["payload"]


def diff_verdicts(payload, arm):
    out = {}
    for scenario, metrics in payload.get("diff", {}).get("by_scenario", {}).items():
        for metric, cells in metrics.items():
            cell = cells.get(arm, {})
            if "verdict" in cell:
                out[f"{scenario}/{metric}"] = cell["verdict"]
    return out


def baseline_verdicts(payload):
    out = {}
    for s in (payload.get("baseline_comparison") or {}).get("scenarios", []):
        for d in s["metric_deltas"]:
            out[f"{s['id']}/{d['name']}"] = d["verdict"]
    return out


class Study:
    def __init__(self, a, root, repo):
        self.a = a
        self.root = root
        self.repo = repo
        self.homeboy = str(Path(a.homeboy).resolve())
        self.home = root / "home"
        (self.home / "data").mkdir(parents=True)
        self.env = homeboy_env(self.home)
        self.iters = ["--iterations", str(a.iterations)]
        # The two trees as plain directories for the baseline configuration.
        self.base_dir = root / "baseline"
        self.base_dir.mkdir()

    def against(self, ref, iterations=None, rounds=None, extra=()):
        iters = ["--iterations", str(iterations)] if iterations else list(self.iters)
        if rounds:
            iters += ["--rounds", str(rounds)]
        iters += list(extra)
        r = run([self.homeboy, "bench", "--against", ref, *iters, "--json"], self.repo,
                self.env, check=False)
        return r.returncode, diff_verdicts(payload_of(r), "working-tree")

    def ref_tree(self, ref):
        """The cached worktree of `ref` (made by a first --against run)."""
        sha = run(["git", "rev-parse", ref], self.repo, self.env).stdout.strip()
        for p in (self.home / "data" / "worktrees").glob(f"*/{sha}"):
            return p
        raise SystemExit(f"no cached worktree of {ref}")

    def write_rigs(self, reference_tree):
        rigs = self.home / ".config" / "homeboy" / "rigs"
        rigs.mkdir(parents=True, exist_ok=True)
        for rid, path in (("a", reference_tree), ("b", self.repo)):
            (rigs / f"{rid}.json").write_text(json.dumps(
                {"id": rid, "components": {"study": {"path": str(path)}}}))

    def rig_supported(self):
        r = run([self.homeboy, "bench", "study", "--rig", "a,b", "--iterations", "1", "--json"],
                self.repo, self.env, check=False)
        try:
            return bool(json.loads(r.stdout).get("success"))
        except json.JSONDecodeError:
            return False

    def rig_seq(self, _ref):
        r = run([self.homeboy, "bench", "study", "--rig", "a,b", *self.iters, "--json"],
                self.repo, self.env, check=False)
        return r.returncode, diff_verdicts(payload_of(r), "b")

    def baseline(self, ref):
        src = self.ref_tree(ref)
        for name in ("homeboy.json", "steady.bin", "data.bin"):
            shutil.copyfile(src / name, self.base_dir / name)
        # `homeboy bench --baseline` stores into homeboy.json; a fresh one each trial.
        run([self.homeboy, "bench", *self.iters, "--baseline", "--json"], self.base_dir,
            self.env, check=False)
        shutil.copyfile(self.repo / "data.bin", self.base_dir / "data.bin")
        r = run([self.homeboy, "bench", *self.iters, "--json"], self.base_dir, self.env,
                check=False)
        return r.returncode, baseline_verdicts(payload_of(r))

    def overhead(self):
        """(against - two benches) / rounds on `true`, quiet machine, in ms."""
        tree = self.ref_tree("HEAD")
        n = self.a.iterations
        rounds = min(n, 10)
        exec_ = ["--exec", "noop=true", "--iterations", str(n), "--json"]
        per_round, totals = [], []
        for _ in range(self.a.overhead_reps):
            t0 = time.perf_counter()
            # Exit 1 is a verdict (a `regressed` noop), not a failure: payload_of checks.
            r0 = run([self.homeboy, "bench", *exec_, "--against", "HEAD"], self.repo, self.env,
                     check=False)
            t1 = time.perf_counter()
            r1 = run([self.homeboy, "bench", *exec_, "--path", str(tree)], self.repo, self.env,
                     check=False)
            r2 = run([self.homeboy, "bench", *exec_], self.repo, self.env, check=False)
            t2 = time.perf_counter()
            for r in (r0, r1, r2):
                payload_of(r)
            per_round.append(((t1 - t0) - (t2 - t1)) * 1000 / rounds)
            totals.append(((t1 - t0) * 1000, (t2 - t1) * 1000))
        return {"rounds": rounds, "per_round_ms": per_round,
                "against_ms": [t[0] for t in totals], "two_benches_ms": [t[1] for t in totals]}


def summarize(results):
    rows = []
    for c, phases in results.items():
        nc, ch = phases["nochange"], phases["change"]
        false_runs = sum(1 for r in nc if any(v in ("regressed", "improved")
                                              for v in r["verdicts"].values()))
        false_exit = sum(1 for r in nc if r["exit"] != 0)
        found_wall = sum(1 for r in ch if r["verdicts"].get("hash/wall_ms") == "regressed")
        # The run finds the change when a time of `hash` regressed: wall time,
        # or CPU time (user + system), which other jobs' load does not inflate.
        # With --measure instructions (against-instr) the metric is the count.
        found = sum(1 for r in ch if "regressed" in (r["verdicts"].get("hash/wall_ms"),
                                                     r["verdicts"].get("hash/cpu_ms"),
                                                     r["verdicts"].get("hash/instructions")))
        ch_false = sum(1 for r in ch if any(v in ("regressed", "improved")
                                            for k, v in r["verdicts"].items()
                                            if not k.startswith("hash/"))
                       or "improved" in (r["verdicts"].get("hash/wall_ms"),
                                         r["verdicts"].get("hash/cpu_ms"),
                                         r["verdicts"].get("hash/instructions")))
        ch_exit = sum(1 for r in ch if r["exit"] == 1)
        rows.append(f"| {c} | {pct(found, len(ch))} | {pct(found_wall, len(ch))} | "
                    f"{pct(ch_exit, len(ch))} | "
                    f"{pct(false_runs, len(nc))} | {pct(false_exit, len(nc))} | "
                    f"{pct(ch_false, len(ch))} |")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--homeboy", default="build/homeboy")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--configs", default="against,rig-seq,baseline")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load-seconds", type=float, default=2.0,
                    help="mean time between load changes")
    ap.add_argument("--overhead-reps", type=int, default=7)
    ap.add_argument("--change", type=float, default=1.10,
                    help="data.bin of commit 2 over commit 1 (1.10: 10 %% more bytes to hash)")
    ap.add_argument("--data-mb", type=float, default=DATA_BYTES / 2**20,
                    help="bytes each sha256sum hashes, in MiB (small sizes make process start-up "
                         "a large share of the time, so 10 %% more bytes is less than 10 %% more time)")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    configs = [c for c in a.configs.split(",") if c]
    root = Path(tempfile.mkdtemp(prefix="hb-against-study-"))
    started = time.time()
    gen = None
    notes = []
    try:
        repo = make_repo(root, a.seed, a.change, int(a.data_mb * 2**20))
        s = Study(a, root, repo)
        # Make both cached worktrees (HEAD~1 and HEAD) on the quiet machine.
        for ref in ("HEAD~1", "HEAD"):
            s.against(ref)
        overhead = s.overhead()
        if "rig-seq" in configs:
            s.write_rigs(s.ref_tree("HEAD~1"))
            if not s.rig_supported():
                configs.remove("rig-seq")
                notes.append("rig-seq left out: this homeboy has no `bench --rig a,b` yet")
                print(f"note: {notes[-1]}", file=sys.stderr)
        results = {c: {"nochange": [], "change": []} for c in configs}
        log = open(root / "load.log", "w")
        gen = subprocess.Popen([sys.executable, str(HERE.parent / "decision-quality" /
                                                    "real_machine.py"),
                                "--_loadgen", str(a.seed), str(root), str(a.load_seconds)],
                               stdout=log, start_new_session=True)
        rng = random.Random(a.seed)
        for t in range(a.trials):
            for phase, ref in (("nochange", "HEAD"), ("change", "HEAD~1")):
                order = configs[:]
                rng.shuffle(order)
                for c in order:
                    if c == "rig-seq":
                        s.write_rigs(s.ref_tree(ref))
                    if c == "against-instr":  # instructions retired instead of time
                        code, v = s.against(ref, extra=("--measure", "instructions"))
                    elif c.startswith("against-"):  # against-N[rR]: N iterations, R rounds
                        n, _, r = c.split("-")[1].partition("r")
                        code, v = s.against(ref, int(n), int(r) if r else None)
                    else:
                        code, v = {"against": s.against, "rig-seq": s.rig_seq,
                                   "baseline": s.baseline}[c](ref)
                    results[c][phase].append({"exit": code, "verdicts": v})
            print(f"trial {t + 1}/{a.trials} ({time.time() - started:.0f} s)", file=sys.stderr)
    finally:
        if gen:
            os.killpg(gen.pid, signal.SIGTERM)
            gen.wait()
    levels = [l.split()[1] for l in (root / "load.log").read_text().split("\n") if l]
    LEVELS = real_machine.LEVELS
    print(f"\n{a.trials} trials per phase and configuration, {a.iterations} iterations "
          f"(the default), seed {a.seed}, {time.time() - started:.0f} s; {len(levels)} load "
          f"changes ({', '.join(f'{l} {levels.count(l)}' for l in LEVELS)}).\n")
    for n in notes:
        print(f"Note: {n}.\n")
    print("| configuration | 10 % change found: hash/wall_ms, cpu_ms or instructions `regressed` (power) "
          "| of which by wall_ms | change: exit 1 | no change: runs with any false verdict | "
          "no change: exit != 0 | change: false verdicts elsewhere |")
    print("|---|---|---|---|---|---|---|")
    for row in summarize(results):
        print(row)
    med = statistics.median
    print(f"\nHarness overhead (quiet machine, `--exec noop=true`, {a.iterations} iterations, "
          f"{overhead['rounds']} rounds, median of {a.overhead_reps}): `bench --against` "
          f"{med(overhead['against_ms']):.0f} ms, the two benches directly "
          f"{med(overhead['two_benches_ms']):.0f} ms: "
          f"{med(overhead['per_round_ms']):+.1f} ms per round "
          f"(range {min(overhead['per_round_ms']):+.1f} to {max(overhead['per_round_ms']):+.1f}).")
    if a.out:
        Path(a.out).write_text(json.dumps({"configs": results, "levels": levels,
                                           "overhead": overhead, "notes": notes}, indent=1))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

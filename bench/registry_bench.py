#!/usr/bin/env python3
"""The run registry's performance targets (issue #5), whole processes:

  1. 10,000 submits: through the batch API (`runs submit --batch`, one
     transaction), and one `homeboy runs submit` process per run (two
     submitters at once, as two CI jobs would).
  2. 1,000 runs of `true` executed by 2 workers (`homeboy worker --once`),
     from the first claim to the last settle; with the default concurrency
     (1 per worker) and with --concurrency 4.
  3. Submit-to-running latency with an idle worker: a run is submitted every
     150 ms; latency = the run's started_at - created_at (the store's own
     clock: the submit's insert to the supervisor's `running` write).
  4. `runs status <id>` of one run among 1,000,000 (seeded by
     bench/seed_store), median of whole processes.

    python3 bench/registry_bench.py [--build build] [--skip-million | --seeded DIR]

Builds nothing: run ./scripts/build first (homeboy and bench/seed_store).
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_for(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOMEBOY_", "XDG_"))}
    env.update(HOME=data_dir, HOMEBOY_DATA_DIR=data_dir, NO_COLOR="1")
    return env


def run(cmd, env, **kw):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()}")
    return p.stdout.decode()


def store_rows(data_dir, sql):
    con = sqlite3.connect(os.path.join(data_dir, "homeboy.sqlite"))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def submits(homeboy, tmp, n):
    data = os.path.join(tmp, "submits")
    env = env_for(data)
    batch = os.path.join(tmp, "batch.jsonl")
    with open(batch, "w") as f:
        for i in range(n):
            f.write(json.dumps({"argv": ["true"], "name": f"r{i}"}) + "\n")
    run([homeboy, "runs", "list"], env)  # create the store first
    t = time.perf_counter()
    out = run([homeboy, "runs", "submit", "--batch", batch], env, cwd=tmp)
    batch_s = time.perf_counter() - t
    assert len(out.split()) == n

    per_process = min(n, 2000)  # extrapolated: every submit is the same work
    data2 = os.path.join(tmp, "submits2")
    env2 = env_for(data2)
    run([homeboy, "runs", "list"], env2)

    def submitter(count):
        for _ in range(count):
            run([homeboy, "runs", "submit", "--", "true"], env2, cwd=tmp)

    t = time.perf_counter()
    threads = [threading.Thread(target=submitter, args=(per_process // 2,)) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    proc_s = time.perf_counter() - t
    return batch_s, proc_s, per_process


def thousand_true(homeboy, tmp, n, concurrency):
    data = os.path.join(tmp, f"thousand-{concurrency}")
    env = env_for(data)
    batch = os.path.join(tmp, "true.jsonl")
    with open(batch, "w") as f:
        for _ in range(n):
            f.write('{"argv": ["true"]}\n')
    run([homeboy, "runs", "submit", "--batch", batch], env, cwd=tmp)
    t = time.perf_counter()
    workers = [subprocess.Popen([homeboy, "worker", "--once", "--quiet", "--concurrency",
                                 str(concurrency)], env=env, cwd=tmp) for _ in range(2)]
    for w in workers:
        if w.wait() != 0:
            sys.exit("a worker failed")
    wall = time.perf_counter() - t
    rows = store_rows(data, "SELECT status, count(*), min(created_at), max(finished_at) FROM runs "
                            "GROUP BY status")
    settled = {status: count for status, count, _, _ in rows}
    if settled.get("succeeded") != n:
        sys.exit(f"not all runs succeeded: {settled}")
    first_claim = store_rows(data, "SELECT min(at) FROM events WHERE type = 'status' AND "
                                   "json_extract(data, '$.to') = 'booting'")[0][0]
    last_settle = max(r[3] for r in rows)
    return wall, (last_settle - first_claim) / 1000.0


def latency(homeboy, tmp, n):
    data = os.path.join(tmp, "latency")
    env = env_for(data)
    run([homeboy, "runs", "list"], env)
    worker = subprocess.Popen([homeboy, "worker", "--quiet", "--concurrency", "4"], env=env, cwd=tmp)
    time.sleep(0.5)
    try:
        for _ in range(n):
            run([homeboy, "runs", "submit", "--", "true"], env, cwd=tmp)
            time.sleep(0.15)
        deadline = time.time() + 30
        while time.time() < deadline:
            left = store_rows(data, "SELECT count(*) FROM runs WHERE status != 'succeeded'")[0][0]
            if left == 0:
                break
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait()
    lat = [r[0] for r in store_rows(data, "SELECT started_at - created_at FROM runs")]
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.9)], lat[-1]


def status_among_million(homeboy, seed_store, tmp, runs, rounds, seeded=None):
    data = seeded or os.path.join(tmp, "million")
    if not seeded:
        os.makedirs(data, exist_ok=True)
        subprocess.run([seed_store, os.path.join(data, "homeboy.sqlite"), str(runs), "20", "0"],
                       check=True, stdout=subprocess.DEVNULL)
    runs = store_rows(data, "SELECT count(*) FROM runs")[0][0]
    env = env_for(data)
    run_id = store_rows(data, f"SELECT id FROM runs ORDER BY created_at LIMIT 1 OFFSET {runs // 2}")[0][0]
    samples = {"full id": [], "8-char prefix": []}
    for _ in range(rounds):
        for name, arg in (("full id", run_id), ("8-char prefix", run_id[:8])):
            t = time.perf_counter()
            run([homeboy, "runs", "status", arg], env)
            samples[name].append((time.perf_counter() - t) * 1000)
    return runs, {k: statistics.median(v) for k, v in samples.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--submits", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--latency-runs", type=int, default=60)
    ap.add_argument("--million", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--skip-million", action="store_true")
    ap.add_argument("--seeded", help="a data dir already seeded by bench/seed_store (seeding "
                                     "1,000,000 runs takes minutes)")
    args = ap.parse_args()
    homeboy = os.path.join(args.build, "homeboy")
    seed_store = os.path.join(args.build, "bench", "seed_store")
    tmp = tempfile.mkdtemp(prefix="hb-registry-bench-")
    try:
        batch_s, proc_s, per = submits(homeboy, tmp, args.submits)
        print(f"submit, batch API: {args.submits} runs in {batch_s:.2f} s (target <= 5 s)")
        print(f"submit, one process each, 2 submitters: {per} runs in {proc_s:.2f} s = "
              f"{proc_s / per * 1000:.2f} ms a run; {args.submits} would take "
              f"{proc_s / per * args.submits:.1f} s")
        for c in (1, 4):
            wall, span = thousand_true(homeboy, tmp, args.runs, c)
            print(f"{args.runs} runs of `true`, 2 workers --concurrency {c}: all settled in "
                  f"{wall:.2f} s of worker time, first claim to last settle {span:.2f} s "
                  f"(target <= 10 s)")
        p50, p90, worst = latency(homeboy, tmp, args.latency_runs)
        print(f"submit-to-running with an idle worker ({args.latency_runs} runs): p50 {p50} ms, "
              f"p90 {p90} ms, max {worst} ms (target p50 <= 50 ms)")
        if not args.skip_million:
            runs, med = status_among_million(homeboy, seed_store, tmp, args.million, args.rounds,
                                             args.seeded)
            for name, ms in med.items():
                print(f"runs status ({name}) among {runs} runs: median {ms:.1f} ms "
                      f"(target <= 15 ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

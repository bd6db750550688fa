#!/usr/bin/env python3
"""Issue 18's figures: the shared PostgreSQL store next to SQLite, in one run
on this machine (bench/RESULTS.md, "Issue 18").

  bench/fleet_perf.py [--build build] [--runs-1m 1000000] [--quick]

Starts a throw-away PostgreSQL server (scripts/pg-test-server), then for each
store, side by side:
  1. 10,000 submits through the batch path (`runs submit --batch`), one process;
  2. 8 workers claim, start and settle 2,000 `true` runs (fleet_store_bench:
     store time per run, every run settled once);
  3. submit to running with an idle `homeboy worker`: p50 of started_at -
     created_at over 30 runs (the worker wakes on inotify / LISTEN);
  4. `runs list` and `runs status ID` as whole processes over 1,000,000 runs
     (medians of 15); on PostgreSQL also through libpq (HOMEBOY_PG_CLIENT=
     libpq), alternating with the built-in client.
--quick uses 100,000 runs for 4. Everything is written under a temporary
directory that is removed at the end.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(argv, env=None, check=True, **kw):
    r = subprocess.run(argv, env=env, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{r.stdout}\n{r.stderr}")
    return r


def timed(argv, env):
    t0 = time.perf_counter()
    r = sh(argv, env)
    return (time.perf_counter() - t0) * 1000, r


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


class Store:
    def __init__(self, name, tmp, homeboy, url=None):
        self.name = name
        self.homeboy = homeboy
        self.data = os.path.join(tmp, name)
        os.makedirs(self.data, exist_ok=True)
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("HOMEBOY_"):
                del self.env[k]
        self.env.update(HOME=os.path.join(tmp, "home"), HOMEBOY_DATA_DIR=self.data,
                        HOMEBOY_TEST_RESOURCE_STATE="cold")
        if url:
            self.env["HOMEBOY_STORE"] = url
            self.spec = url
        else:
            self.spec = "sqlite:" + os.path.join(self.data, "homeboy.sqlite")

    def hb(self, *args):
        return sh([self.homeboy, *args], self.env)


def pg_schema(url, name):
    sh(["psql", "-X", "-q", url, "-c", f"CREATE SCHEMA {name}"])
    return f"{url}&options=-csearch_path%3D{name}"


def submit_10k(store, tmp):
    path = os.path.join(tmp, "10k.jsonl")
    with open(path, "w") as f:
        for i in range(10000):
            f.write(json.dumps({"argv": ["true"], "name": f"job-{i}"}) + "\n")
    ms, r = timed([store.homeboy, "runs", "submit", "--batch", path, "--json"], store.env)
    assert json.loads(r.stdout)["data"]["payload"]["count"] == 10000
    return ms


def claim_settle(store, build):
    r = sh([os.path.join(build, "bench", "fleet_store_bench"), store.spec, "2000", "8"], check=False)
    if r.returncode != 0:
        sys.exit(f"fleet_store_bench failed on {store.name}:\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout)


def submit_to_running(store, n=30):
    worker = subprocess.Popen([store.homeboy, "worker"], env=store.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)  # idle: its first reaper pass and claim are done
        lat = []
        for _ in range(n):
            rid = store.hb("runs", "submit", "--", "true").stdout.strip()
            store.hb("runs", "status", rid, "--wait", "--timeout", "30s")
            run = json.loads(store.hb("runs", "show", rid, "--json").stdout)["data"]["payload"]["run"]
            lat.append(ts(run["started_at"]) - ts(run["created_at"]))
            time.sleep(0.2)  # the worker is idle again before the next submit
        return statistics.median(lat), max(lat)
    finally:
        worker.terminate()
        worker.wait()


SEED_PG = """
INSERT INTO runs (id, kind, status, component_id, created_at, started_at, finished_at, metadata)
SELECT 'seed-' || lpad(i::text, 7, '0'), CASE WHEN i % 3 = 0 THEN 'task' ELSE 'bench' END,
       'succeeded', 'c' || (i % 20), 1700000000000 + i, 1700000000000 + i, 1700000000100 + i, '{}'
FROM generate_series(1, %d) AS s(i);
ANALYZE runs;
"""

SEED_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
INSERT INTO runs (id, kind, status, component_id, created_at, started_at, finished_at, metadata)
SELECT 'seed-' || printf('%%07d', i), CASE WHEN i %% 3 = 0 THEN 'task' ELSE 'bench' END,
       'succeeded', 'c' || (i %% 20), 1700000000000 + i, 1700000000000 + i, 1700000000100 + i, '{}'
FROM n;
ANALYZE;
"""


def readers(store, count, url=None, reps=15):
    store.hb("store", "migrate")
    if url:
        sh(["psql", "-X", "-q", url, "-c", SEED_PG.replace("%d", str(count))])
    else:
        sh(["sqlite3", store.spec[len("sqlite:"):], SEED_SQLITE % count])
    some = "seed-" + str(count // 2).zfill(7)
    # On PostgreSQL also through libpq (HOMEBOY_PG_CLIENT=libpq), alternating
    # with the built-in client so both see the same machine.
    clients = [("", store.env)]
    if url:
        clients.append((" (libpq)", dict(store.env, HOMEBOY_PG_CLIENT="libpq")))
    out = {}
    for label, args in (("runs list", ["runs", "list"]), ("runs status", ["runs", "status", some])):
        times = {suffix: [] for suffix, _ in clients}
        for _ in range(reps):
            for suffix, env in clients:
                ms, _ = timed([store.homeboy, *args], env)
                times[suffix].append(ms)
        for suffix, _ in clients:
            out[label + suffix] = (statistics.median(times[suffix]), max(times[suffix]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs-1m", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--phases", default="submit,claim,latency,readers",
                    help="a comma list of: submit, claim, latency, readers")
    a = ap.parse_args()
    count = 100_000 if a.quick else a.runs_1m
    homeboy = os.path.join(a.build, "homeboy")
    tmp = tempfile.mkdtemp(prefix="hb-fleet-perf.")
    state = os.path.join(tmp, "pg")
    url = sh([os.path.join(ROOT, "scripts", "pg-test-server"), "start", state]).stdout.strip()
    try:
        rows = []
        for phase in a.phases.split(","):
            for backend in ("sqlite", "postgres"):
                name = f"{backend}-{phase}"
                s_url = pg_schema(url, name.replace("-", "_")) if backend == "postgres" else None
                store = Store(name, tmp, homeboy, s_url)
                if phase == "submit":
                    rows.append((backend, "10,000 submits (batch, one process)", f"{submit_10k(store, tmp):.0f} ms", "<= 5,000 ms"))
                elif phase == "claim":
                    r = claim_settle(store, a.build)
                    rows.append((backend, "8 workers x 2,000 runs: store time per run",
                                 f"{r['store_ms_per_run']:.2f} ms (wall {r['wall_ms']:.0f} ms, settled {r['settled']}, duplicates {r['duplicates']})",
                                 "<= 10 ms"))
                elif phase == "latency":
                    p50, worst = submit_to_running(store)
                    rows.append((backend, "submit to running, idle worker (30 runs)", f"p50 {p50:.0f} ms, max {worst:.0f} ms", "p50 <= 50 ms"))
                else:
                    r = readers(store, count, s_url)
                    for label, (med, worst) in r.items():
                        target = "(for comparison)" if "libpq" in label else "<= 20 ms"
                        rows.append((backend, f"{label} over {count:,} runs (process)", f"median {med:.1f} ms, max {worst:.1f} ms", target))
                print(rows[-1], file=sys.stderr, flush=True)
        print("| store | measure | figure | target |")
        print("| --- | --- | --- | --- |")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    finally:
        sh([os.path.join(ROOT, "scripts", "pg-test-server"), "stop", state], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue #4's bundle targets: `runs export` and `runs import` of 100,000 runs
within 60 s each way, and a byte-identical re-export. Stdlib only.

    python3 bench/bundle_bench.py [--build build] [--runs 100000] [--rounds 3]

Seeds a store with bench/seed_store (4 scenarios with 10 samples each and one
artifact per run), then times whole processes: export (--since), a second
export (compared byte for byte with the first), import into a fresh data dir,
the same import again (everything already present), and an export from the
imported store (compared with the first). Prints a Markdown table; the
figures are recorded in bench/RESULTS.md.
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Timing:
    """One process: wall seconds, CPU seconds (user + sys), peak RSS in MB."""

    def __init__(self, wall, cpu, rss_mb):
        self.wall, self.cpu, self.rss_mb = wall, cpu, rss_mb


def timed(cmd, env):
    """Runs `cmd`; returns (Timing, stdout) from the child's own rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.read().decode()}")
        timing = Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        return timing, out.read().decode()


def tree_digest(path):
    """sha256 over every file's relative path and content, in sorted order."""
    digest = hashlib.sha256()
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            digest.update(os.path.relpath(full, path).encode() + b"\0")
            with open(full, "rb") as f:
                data = f.read()
            total += len(data)
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest(), total


def env_for(tmp, data):
    env = dict(os.environ)
    env["HOME"] = os.path.join(tmp, "home")
    env["HOMEBOY_DATA_DIR"] = data
    env["CI"] = "1"
    env["NO_COLOR"] = "1"
    os.makedirs(env["HOME"], exist_ok=True)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of each timing")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    homeboy = os.path.join(args.build, "homeboy")
    seed = os.path.join(args.build, "bench", "seed_store")
    for tool in (homeboy, seed):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} not found: build first (cmake --build {args.build})")

    tmp = tempfile.mkdtemp(prefix="hb-bench-bundle-")
    try:
        source = os.path.join(tmp, "source")
        os.makedirs(source)
        subprocess.run([seed, os.path.join(source, "homeboy.sqlite"), str(args.runs)], check=True,
                       stdout=subprocess.DEVNULL)
        src_env = env_for(tmp, source)
        since = "3650d"
        rows = []

        exports = []
        for i in range(args.rounds):
            out = os.path.join(tmp, f"export-{i}")
            t, _ = timed([homeboy, "runs", "export", "--since", since, "--output", out], src_env)
            exports.append((t, out))
        digests = {tree_digest(out) for _, out in exports}
        first = exports[0][1]
        first_digest, size = tree_digest(first)
        rows.append(("export", [t for t, _ in exports],
                     f"{len(exports)} exports, byte-identical: {'yes' if len(digests) == 1 else 'NO'}; "
                     f"bundle {size / 1e6:.0f} MB"))

        imports, reimports = [], []
        for i in range(args.rounds):
            data = os.path.join(tmp, f"imported-{i}")
            env = env_for(tmp, data)
            t, _ = timed([homeboy, "runs", "import", first], env)
            imports.append(t)
            t, out = timed([homeboy, "runs", "import", first], env)
            reimports.append(t)
            if "Nothing changed" not in out:
                sys.exit(f"the second import changed something:\n{out}")
        rows.append(("import into a fresh data dir", imports, f"{args.rounds} imports"))
        rows.append(("import again (all already present)", reimports, "nothing changed"))

        env = env_for(tmp, os.path.join(tmp, "imported-0"))
        again = os.path.join(tmp, "export-of-import")
        t, _ = timed([homeboy, "runs", "export", "--since", since, "--output", again], env)
        same = tree_digest(again)[0] == first_digest
        rows.append(("export of the imported store", [t],
                     f"byte-identical to the first export: {'yes' if same else 'NO'}"))

        print(f"{args.runs} runs (seed_store: 4 scenarios x 10 samples, 1 artifact per run); "
              f"median of {args.rounds}; whole processes\n")
        print("| step | wall s (median) | wall s (max) | CPU s (user+sys) | peak RSS MB | notes |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for name, timings, notes in rows:
            print(f"| {name} | {statistics.median(t.wall for t in timings):.1f} "
                  f"| {max(t.wall for t in timings):.1f} "
                  f"| {statistics.median(t.cpu for t in timings):.1f} "
                  f"| {max(t.rss_mb for t in timings):.0f} | {notes} |")
        if len(digests) != 1 or not same:
            sys.exit("re-export was not byte-identical")
    finally:
        if args.keep:
            print(f"\nkept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""SSE fan-out delay for issue 16 (bench/daemon_perf.sh runs it): opens N
subscribers to /api/v1/events, queues one run through POST /api/v1/runs, and
measures, per subscriber, the delay from each event's write (its `at`, the
store's write time) to its receipt here, for each of the run's events: its
`submitted` event and every `status` change (queued -> booting by the
daemon's worker, booting -> running and running -> succeeded by the run's
supervisor).

    sse_fanout.py HOST:PORT TOKEN CWD [--subscribers 200] [--timeout 10]

Prints one JSON object. One thread reads every socket (selectors), so the
client adds little to the 2-core machine the daemon shares.
"""

import argparse
import json
import selectors
import socket
import statistics
import sys
import time


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def open_stream(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("a subscriber's connection closed before the headers")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status:
        raise SystemExit(f"a subscriber was refused: {status.decode()} {rest[:300]!r}")
    s.setblocking(False)
    return s, rest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("token")
    ap.add_argument("cwd")
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()
    host, port = a.address.rsplit(":", 1)
    port = int(port)

    sel = selectors.DefaultSelector()
    streams = []
    for i in range(a.subscribers):
        s, rest = open_stream(host, port)
        st = {"sock": s, "buf": rest, "got": {}}
        streams.append(st)
        sel.register(s, selectors.EVENT_READ, st)
    # Each stream starts at the latest event when it opened; let the last one settle.
    time.sleep(0.5)

    body = json.dumps({"argv": ["true"], "cwd": a.cwd, "name": "sse-fanout"}).encode()
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(
        (f"POST /api/v1/runs HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {a.token}\r\n"
         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
    reply = b""
    deadline = time.time() + a.timeout
    terminal = ("succeeded", "failed", "cancelled", "timed_out")

    def parse(st):
        # Chunked transfer framing is stripped loosely: SSE lines are found by
        # their prefixes, chunk-size lines are ignored.
        while b"\n\n" in st["buf"]:
            block, st["buf"] = st["buf"].split(b"\n\n", 1)
            for line in block.split(b"\n"):
                line = line.strip(b"\r")
                if line.startswith(b"data: "):
                    try:
                        ev = json.loads(line[6:])
                    except ValueError:
                        continue
                    if ev.get("type") in ("submitted", "status"):
                        st["got"].setdefault((ev.get("run_id"), ev["seq"]), (ev, time.time()))

    while time.time() < deadline:
        if c is not None:
            try:
                c.settimeout(0.001)
                chunk = c.recv(65536)
                if chunk:
                    reply += chunk
                else:
                    c.close()
                    c = None
            except socket.timeout:
                pass
        for key, _ in sel.select(timeout=0.01):
            st = key.data
            try:
                chunk = st["sock"].recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(st["sock"])
                continue
            st["buf"] += chunk
            parse(st)
        if all(any(ev["data"].get("to") in terminal for ev, _ in st["got"].values()) for st in streams):
            break
    if c is not None:
        c.close()
    if b" 201 " not in reply.split(b"\r\n", 1)[0]:
        raise SystemExit(f"the submit failed: {reply[:500]!r}")

    out = {"subscribers": a.subscribers, "events": []}
    keys = sorted({k for st in streams for k in st["got"]}, key=lambda k: k[1])
    for key in keys:
        delays = []
        label = None
        for st in streams:
            if key in st["got"]:
                ev, received = st["got"][key]
                label = ev["type"] + (f" {ev['data'].get('from')} -> {ev['data'].get('to')}" if ev["type"] == "status" else "")
                delays.append(received * 1000 - parse_at(ev["at"]))
        out["events"].append({
            "event": label,
            "received": len(delays),
            "missing": a.subscribers - len(delays),
            "max_ms": round(max(delays), 1),
            "p99_ms": round(percentile(delays, 99), 1),
            "median_ms": round(statistics.median(delays), 1),
        })
    out["worst_ms"] = max((e["max_ms"] for e in out["events"]), default=None)
    for st in streams:
        st["sock"].close()
    print(json.dumps(out))


def parse_at(text):
    # "2026-12-06T16:00:00.123Z" -> ms since the epoch (UTC).
    import datetime
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return t.timestamp() * 1000


if __name__ == "__main__":
    sys.exit(main())

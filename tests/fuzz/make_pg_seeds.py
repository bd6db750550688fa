#!/usr/bin/env python3
# Writes the seeds of pg_wire_fuzz (a fake server's whole answer: start-up,
# authentication, then the replies to the fuzz target's four statements)
# and pg_uri_fuzz. Run from the repository root: python3 tests/fuzz/make_pg_seeds.py
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def msg(kind, body=b""):
    return kind + struct.pack("!I", len(body) + 4) + body


def auth(code, extra=b""):
    return msg(b"R", struct.pack("!I", code) + extra)


def ready(status=b"I"):
    return msg(b"Z", status)


def row_description(*names):
    body = struct.pack("!H", len(names))
    for n in names:
        body += n + b"\0" + struct.pack("!IHIhih", 0, 0, 25, -1, -1, 0)
    return msg(b"T", body)


def data_row(*values):
    body = struct.pack("!H", len(values))
    for v in values:
        body += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
    return msg(b"D", body)


def complete(tag):
    return msg(b"C", tag + b"\0")


def error(severity, code, text):
    return msg(b"E", b"S" + severity + b"\0V" + severity + b"\0C" + code + b"\0M" + text + b"\0\0")


STARTED = auth(0) + msg(b"S", b"server_version\x0015.0\0") + msg(b"K", struct.pack("!II", 1, 2)) + ready()
SELECT_1 = row_description(b"?column?") + data_row(b"1") + complete(b"SELECT 1") + ready()
PREPARED = msg(b"1") + ready()
EXECUTED = msg(b"1") + msg(b"2") + row_description(b"a", b"b") + data_row(b"x", None) + complete(b"SELECT 1") + ready()
AFTER = (msg(b"1") + msg(b"2") + msg(b"n") + complete(b"BEGIN") + msg(b"2") + row_description(b"a", b"b")
         + data_row(b"\\x00ff", None) + complete(b"SELECT 1") + ready(b"T"))
NOTIFY = msg(b"A", struct.pack("!I", 7) + b"homeboy_runs\0\0")
WHOLE = STARTED + SELECT_1 + PREPARED + EXECUTED + AFTER + NOTIFY

write("pg_wire_fuzz", "trust-whole-session", WHOLE)
write("pg_wire_fuzz", "md5", auth(5, b"\1\2\3\4") + WHOLE)
write("pg_wire_fuzz", "cleartext", auth(3) + WHOLE)
write("pg_wire_fuzz", "scram-wrong-nonce",
      auth(10, b"SCRAM-SHA-256\0\0") + auth(11, b"r=notours,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") + WHOLE)
write("pg_wire_fuzz", "scram-huge-iterations",
      auth(10, b"SCRAM-SHA-256\0\0") + auth(11, b"r=x,s=AAAA,i=2147483647"))
write("pg_wire_fuzz", "sasl-other-mechanism", auth(10, b"SCRAM-SHA-256-PLUS\0\0"))
write("pg_wire_fuzz", "gssapi", auth(7))
write("pg_wire_fuzz", "fatal-at-start", error(b"FATAL", b"28000", b'role "fuzz" does not exist'))
write("pg_wire_fuzz", "errors-then-fatal",
      STARTED + error(b"ERROR", b"42P01", b"no such table") + ready()
      + error(b"FATAL", b"57P01", b"terminating connection due to administrator command"))
write("pg_wire_fuzz", "short-data-row",
      STARTED + row_description(b"a", b"b", b"c") + data_row(b"1") + complete(b"SELECT 1") + ready())
write("pg_wire_fuzz", "wide-data-row",
      STARTED + row_description(b"a") + data_row(b"1", b"2", b"3") + complete(b"SELECT 1") + ready())
write("pg_wire_fuzz", "value-longer-than-message",
      STARTED + msg(b"T", struct.pack("!H", 1)) + msg(b"D", struct.pack("!Hi", 1, 1 << 30) + b"ab") + ready())
write("pg_wire_fuzz", "huge-length", STARTED + b"D\xff\xff\xff\xff")
write("pg_wire_fuzz", "negative-length", b"R\x00\x00\x00\x02")
write("pg_wire_fuzz", "truncated", WHOLE[: len(WHOLE) // 2])
write("pg_wire_fuzz", "empty", b"")

write("pg_uri_fuzz", "socket", b"postgres://homeboy@/homeboy?host=/tmp/x&port=5433")
write("pg_uri_fuzz", "tcp-options", b"postgresql://ci@db.example:5432/perf?sslmode=prefer&options=-csearch_path%3Dx")
write("pg_uri_fuzz", "ipv6", b"postgres://[::1]:7/d?application_name=a%20b")
write("pg_uri_fuzz", "bad-percent", b"postgres://h/d%z")
write("pg_uri_fuzz", "unterminated-ipv6", b"postgres://[::1/d")
write("pg_uri_fuzz", "keywords", b"host=/tmp dbname=x")
write("pg_uri_fuzz", "nul-escape", b"postgres://h/d?x=%00")

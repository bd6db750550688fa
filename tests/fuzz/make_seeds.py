#!/usr/bin/env python3
# Writes the hostile seeds of issue 11 into every JSON fuzz target's corpus
# (tests/fuzz/corpus/<target>/issue11-*), so they are reproducible and the
# replay tests keep exercising them: 100,000 nested arrays, nested objects,
# 0xFF bytes in strings and keys, a 100 KB id, 1e999, overflowing durations.
# Run from the repository root: python3 tests/fuzz/make_seeds.py
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    assert len(data) < 200 * 1024, (target, name, len(data))
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


DEEP_ARRAYS = b"[" * 100_000 + b"]" * 100_000
DEEP_ARRAYS_OPEN = b"[" * 100_000  # truncated: never closed
DEEP_OBJECTS = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
BIG_ID = "x" * 100_000


def hostile(target, wrap):
    """wrap(value_bytes) -> document bytes that puts the value where this
    target reads untrusted text."""
    write(target, "issue11-deep-arrays", wrap(DEEP_ARRAYS))
    write(target, "issue11-deep-arrays-open", wrap(DEEP_ARRAYS_OPEN))
    write(target, "issue11-deep-objects", wrap(DEEP_OBJECTS))
    write(target, "issue11-ff-in-string", wrap(b'"a\xffb"'))
    write(target, "issue11-ff-in-key", wrap(b'{"k\xff\xfe": "v", "\xff": {"\xc3": 1}}'))
    write(target, "issue11-big-id", wrap(json.dumps(BIG_ID).encode()))
    write(target, "issue11-1e999", wrap(b"1e999"))
    write(target, "issue11-neg-1e999", wrap(b"-1e999"))
    write(target, "issue11-huge-int", wrap(b"123456789012345678901234567890"))


def main():
    # results file: the value goes into a scenario id / metric.
    def results(v):
        return (b'{"component_id":"c","iterations":1,"scenarios":[{"id":' + v +
                b',"iterations":1,"metrics":{"x":1}}]}')
    hostile("results_parser_fuzz", results)
    write("results_parser_fuzz", "issue11-root-deep", DEEP_ARRAYS)
    write("results_parser_fuzz", "issue11-unknown-key-deep",
          b'{"component_id":"c","iterations":1,"scenarios":[{"id":"a","iterations":1,'
          b'"metrics":{"x":1},"extra":' + DEEP_ARRAYS + b"}]}")

    # homeboy.json / registry entry.
    def component(v):
        return b'{"id":' + v + b',"scripts":{"bench":["./bench.sh"]},"settings":{"k":1}}'
    hostile("component_config_fuzz", component)
    write("component_config_fuzz", "issue11-root-deep", DEEP_ARRAYS)
    write("component_config_fuzz", "valid-example", open("examples/text-tools/homeboy.json", "rb").read())
    write("component_config_fuzz", "valid-full", json.dumps({
        "id": "web", "local_path": "/srv/web",
        "extensions": {"wordpress": {"settings": {"php": "8.3"}}},
        "scripts": {"bench": ["./bench.sh", "make bench"]},
        "bench": {"commands": {"sort": "sort -n data.txt", "grep": "grep -c x data.txt"}},
        "env": {"LC_ALL": "C"}, "settings": {"lines": 1000}}).encode())
    write("component_config_fuzz", "valid-extension-list", b'{"extensions":["a","b"],"scripts":{"bench":"./b"}}')
    write("component_config_fuzz", "invalid-id-number", b'{"id": 5}')
    write("component_config_fuzz", "invalid-id-null", b'{"id": null, "local_path": 3}')
    write("component_config_fuzz", "invalid-not-object", b'["id"]')
    write("component_config_fuzz", "invalid-bench-empty", b'{"bench":{"commands":{"a":""}}}')
    write("component_config_fuzz", "invalid-env-number", b'{"env":{"A":1}}')
    write("component_config_fuzz", "invalid-scripts", b'{"scripts":{"bench":[1]}}')
    write("component_config_fuzz", "invalid-truncated", b'{"id": "a", "settings": {')
    write("component_config_fuzz", "empty", b"")

    # runs submit --batch: one object per line.
    def batch(v):
        return b'{"argv":["true"]}\n{"argv":["echo","x"],"labels":{"k":' + v + b"}}\n"
    hostile("batch_line_fuzz", batch)
    write("batch_line_fuzz", "issue11-root-deep", DEEP_ARRAYS)
    write("batch_line_fuzz", "issue11-timeout-overflow", b'{"argv":["true"],"timeout":"106751991000d"}\n')
    write("batch_line_fuzz", "issue11-heartbeat-overflow", b'{"argv":["true"],"heartbeat_timeout":"106751991000d"}\n')
    write("batch_line_fuzz", "issue11-timeout-infs", b'{"argv":["true"],"timeout":"infs"}\n')
    write("batch_line_fuzz", "issue11-timeout-nan", b'{"argv":["true"],"timeout":"nans"}\n')
    write("batch_line_fuzz", "valid-two", b'{"argv":["make","test"],"cwd":"/tmp","timeout":"30s","env":{"A":"1"},'
          b'"labels":{"ci":"yes"},"artifacts":["out/*.log"],"kind":"task"}\n\n'
          b'{"argv":["true"],"name":"n","retain_for":"7d","start_timeout":"1m","heartbeat_timeout":"10s",'
          b'"secret_env":["TOKEN"]}\n')
    write("batch_line_fuzz", "invalid-env-type", b'{"argv":["true"],"env":{"A":1}}\n')
    write("batch_line_fuzz", "invalid-argv-type", b'{"argv":[1,2]}\n')
    write("batch_line_fuzz", "invalid-no-argv", b'{"name":"x"}\n')
    write("batch_line_fuzz", "invalid-secret-env", b'{"argv":["true"],"env":{"API_TOKEN":"x"}}\n')
    write("batch_line_fuzz", "invalid-artifact-escape", b'{"argv":["true"],"artifacts":["../x"]}\n')
    write("batch_line_fuzz", "invalid-cwd", b'{"argv":["true"],"cwd":"/nonexistent/dir"}\n')
    write("batch_line_fuzz", "blank", b"\n \t\r\n")

    # runs heartbeat --preview.
    def preview(v):
        return b'{"url":"http://localhost:8080","api_token":"t","progress":' + v + b"}"
    hostile("preview_json_fuzz", preview)
    write("preview_json_fuzz", "issue11-root-deep", DEEP_ARRAYS)
    write("preview_json_fuzz", "valid", b'{"url":"http://localhost:8080","progress":0.5,"nested":{"password":"p"}}')
    write("preview_json_fuzz", "invalid-array", b"[1,2]")
    write("preview_json_fuzz", "invalid-string", b'"x"')
    write("preview_json_fuzz", "invalid-trailing", b'{"a":1} x')

    # runs import: runs.json and siblings.
    def bundle(v):
        return (b'[{"id":' + v + b',"kind":"bench","status":"pass","started_at":"2026-01-01T00:00:00Z",'
                b'"metadata_json":{"k":1}}]')
    hostile("bundle_file_fuzz", bundle)
    write("bundle_file_fuzz", "issue11-root-deep", DEEP_ARRAYS)
    for name in ("runs.json", "artifacts.json", "manifest.json", "trace_spans.json", "findings.json",
                 "artifact_bytes.json"):
        write("bundle_file_fuzz", "valid-" + name,
              open(os.path.join("tests/fixtures/homeboy-bundle-v1", name), "rb").read())
    write("bundle_file_fuzz", "invalid-not-array", b'{"id":"x"}')
    write("bundle_file_fuzz", "invalid-status", b'[{"id":"x","status":7,"path":"a/b\\\\c"}]')

    # JSONPath: query, newline, document.
    def jsonpath(v):
        return b"$..*\n" + v
    hostile("jsonpath_fuzz", jsonpath)
    write("jsonpath_fuzz", "issue11-deep-parens", b"$[?" + b"(" * 5000 + b"@.a" + b")" * 5000 + b"]")
    write("jsonpath_fuzz", "issue11-deep-not", b"$[?" + b"!" * 5000 + b"@.a]")
    write("jsonpath_fuzz", "issue11-deep-functions", b"$[?" + b"length(" * 2000 + b"@" + b")" * 2000 + b"==1]")
    write("jsonpath_fuzz", "issue11-ff-in-query", b"$['\xff']")
    write("jsonpath_fuzz", "issue11-big-name", b"$." + b"a" * 100_000)
    write("jsonpath_fuzz", "issue11-huge-index", b"$[99999999999999999999]")
    write("jsonpath_fuzz", "issue11-huge-slice", b"$[-9007199254740991:9007199254740991:-9007199254740991]")
    for i, query in enumerate([
            "$", "$.scenarios[*].id", "$..p50_ms", "$.scenarios[?@.metrics.p50_ms > 1]",
            "$.scenarios[?match(@.id, 's.*')]", "$.scenarios[?search(@.id, '[a-z]+')].metrics",
            "$.scenarios[?count(@.tags[*]) > 1]", "$.scenarios[?length(@.id) == 4]",
            "$.scenarios[?value(@..c) == 1]", "$['labels']['ci']", "$.nested..[0]",
            "$.scenarios[1:3:2]", "$.scenarios[::-1]", "$[?@.a==1 || (@.b!=2 && !@.c)]",
            "$.labels[?@ == null]", "$..*", "$.", "$[", "$[?@.a", "$[?match(@.a)]"]):
        write("jsonpath_fuzz", "query-%02d" % i, query.encode())
    cts = json.load(open("tests/fixtures/jsonpath-cts/cts.json"))["tests"]
    for i, case in enumerate(cts[::20]):
        doc = json.dumps(case.get("document", None)).encode()
        write("jsonpath_fuzz", "cts-%03d" % i, case["selector"].encode("utf-8", "surrogatepass") + b"\n" + doc)

    # Durations and times.
    for name, text in [
            ("issue11-overflow-days", "106751991000d"), ("issue11-overflow-weeks", "15250284000000w"),
            ("issue11-infs", "infs"), ("issue11-inf-ms", "infms"), ("issue11-nan", "nans"),
            ("issue11-1e999", "1e999s"), ("issue11-max-double", "1.7976931348623157e308ms"),
            ("valid-ms", "500ms"), ("valid-s", "30s"), ("valid-m", "15m"), ("valid-h", "24h"),
            ("valid-d", "7d"), ("valid-w", "2w"), ("valid-fraction", "1.5h"), ("valid-zero", "0s"),
            ("invalid-negative", "-1s"), ("invalid-unit", "3x"), ("invalid-empty", ""),
            ("invalid-space", "30 s"), ("invalid-hex", "0x10s"),
            ("time-z", "2026-01-31T12:00:00Z"), ("time-offset", "2026-01-31T12:00:00.123456+05:30"),
            ("time-max", "9999-12-31T23:59:59.999Z"), ("time-min", "0000-01-01T00:00:00-23:59"),
            ("time-leap", "2024-02-29T00:00:00Z"), ("time-bad-month", "2026-13-01T00:00:00Z"),
            ("time-bad-day", "2026-02-31T00:00:00Z"), ("time-truncated", "2026-01-31T12:00"),
            ("time-lower", "2026-01-31t12:00:00z"), ("time-ff", "2026-01-31T12:00:00\xffZ")]:
        write("duration_fuzz", name, text.encode("latin-1"))


if __name__ == "__main__":
    main()

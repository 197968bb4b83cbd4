#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small OTLP/HTTP JSON logs receiver for the scenario tests.

usage: otlp_receiver.py PORTFILE OUTFILE [--fail N] [--delay S]

Listens on 127.0.0.1, port 0, and writes the port to PORTFILE (atomically)
once listening. Each POST /v1/logs is checked strictly against the OTLP JSON
shape zeroserve sends; a valid one appends one JSON line per log record to
OUTFILE, {"time", "severity", "body", "attrs": {key: plain value}}, and gets
200 {}; an invalid one gets 400 with the reason, which also goes to stderr.
--fail N answers the first N POSTs 503 (their records are not written);
--delay S waits S seconds before each answer. Exits on SIGTERM or SIGINT.
Python 3.11 standard library only.
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 << 20
DIGITS = re.compile(r"[0-9]+")
INT = re.compile(r"-?[0-9]+")

# ExportLogsServiceRequest and the messages under it, by their JSON names.
RESOURCE_LOGS_KEYS = {"resource", "scopeLogs", "schemaUrl"}
RESOURCE_KEYS = {"attributes", "droppedAttributesCount"}
SCOPE_LOGS_KEYS = {"scope", "logRecords", "schemaUrl"}
SCOPE_KEYS = {"name", "version", "attributes", "droppedAttributesCount"}
RECORD_KEYS = {
    "timeUnixNano", "observedTimeUnixNano", "severityNumber", "severityText", "body",
    "attributes", "droppedAttributesCount", "flags", "traceId", "spanId", "eventName",
}
VALUE_KINDS = {"stringValue", "intValue", "doubleValue", "boolValue"}


class Invalid(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Invalid(why)


def check_keys(obj, allowed, where):
    check(isinstance(obj, dict), f"{where}: not an object")
    unknown = set(obj) - allowed
    check(not unknown, f"{where}: unknown keys {sorted(unknown)}")


def plain(value, where):
    """An AnyValue as a plain Python value."""
    check(isinstance(value, dict), f"{where}: value is not an object")
    kinds = set(value)
    check(len(kinds) == 1 and kinds <= VALUE_KINDS,
          f"{where}: value must have exactly one of {sorted(VALUE_KINDS)}, has {sorted(kinds)}")
    kind = kinds.pop()
    v = value[kind]
    if kind == "stringValue":
        check(isinstance(v, str), f"{where}: stringValue is not a string")
        return v
    if kind == "intValue":
        # int64 is a string in OTLP JSON; zeroserve sends them so.
        check(isinstance(v, str) and INT.fullmatch(v),
              f"{where}: intValue {v!r} is not a string of digits")
        return int(v)
    if kind == "doubleValue":
        check(isinstance(v, (int, float)) and not isinstance(v, bool),
              f"{where}: doubleValue {v!r} is not a number")
        return float(v)
    check(isinstance(v, bool), f"{where}: boolValue {v!r} is not a boolean")
    return v


def attributes(attrs, where):
    check(isinstance(attrs, list), f"{where}: attributes is not a list")
    out = {}
    for i, a in enumerate(attrs):
        w = f"{where}.attributes[{i}]"
        check_keys(a, {"key", "value"}, w)
        check(isinstance(a.get("key"), str) and a["key"], f"{w}: key is not a non-empty string")
        check("value" in a, f"{w}: no value")
        check(a["key"] not in out, f"{w}: key {a['key']!r} repeated")
        out[a["key"]] = plain(a["value"], f"{w} ({a['key']})")
    return out


def time_field(rec, key, where, required):
    if key not in rec:
        check(not required, f"{where}: no {key}")
        return None
    v = rec[key]
    check(isinstance(v, str) and DIGITS.fullmatch(v),
          f"{where}: {key} {v!r} is not a decimal string")
    return v


def records(doc):
    """The log records of a request, flattened; raises Invalid."""
    check_keys(doc, {"resourceLogs"}, "request")
    rls = doc.get("resourceLogs")
    check(isinstance(rls, list) and rls, "resourceLogs: not a non-empty list")
    out = []
    for i, rl in enumerate(rls):
        w = f"resourceLogs[{i}]"
        check_keys(rl, RESOURCE_LOGS_KEYS, w)
        check_keys(rl.get("resource"), RESOURCE_KEYS, f"{w}.resource")
        res = attributes(rl["resource"].get("attributes"), f"{w}.resource")
        check(isinstance(res.get("service.name"), str) and res["service.name"],
              f"{w}.resource: no service.name stringValue")
        sls = rl.get("scopeLogs")
        check(isinstance(sls, list) and sls, f"{w}.scopeLogs: not a non-empty list")
        for j, sl in enumerate(sls):
            ws = f"{w}.scopeLogs[{j}]"
            check_keys(sl, SCOPE_LOGS_KEYS, ws)
            check_keys(sl.get("scope"), SCOPE_KEYS, f"{ws}.scope")
            check(isinstance(sl["scope"].get("name"), str) and sl["scope"]["name"],
                  f"{ws}.scope: name is not a non-empty string")
            if "version" in sl["scope"]:
                check(isinstance(sl["scope"]["version"], str),
                      f"{ws}.scope: version is not a string")
            lrs = sl.get("logRecords")
            check(isinstance(lrs, list) and lrs, f"{ws}.logRecords: not a non-empty list")
            for k, rec in enumerate(lrs):
                wr = f"{ws}.logRecords[{k}]"
                check_keys(rec, RECORD_KEYS, wr)
                t = time_field(rec, "timeUnixNano", wr, True)
                time_field(rec, "observedTimeUnixNano", wr, False)
                sev = rec.get("severityNumber")
                check(isinstance(sev, int) and not isinstance(sev, bool) and 1 <= sev <= 24,
                      f"{wr}: severityNumber {sev!r} is not an integer 1-24")
                if "severityText" in rec:
                    check(isinstance(rec["severityText"], str),
                          f"{wr}: severityText is not a string")
                body = rec.get("body")
                check(isinstance(body, dict) and set(body) == {"stringValue"}
                      and isinstance(body["stringValue"], str),
                      f"{wr}: body is not {{stringValue}}")
                out.append({
                    "time": t,
                    "severity": sev,
                    "body": body["stringValue"],
                    "attrs": attributes(rec.get("attributes", []), wr),
                })
    return out


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, outfile, fail, delay):
        super().__init__(("127.0.0.1", 0), Handler)
        self.outfile = outfile
        self.fail = fail
        self.delay = delay
        self.lock = threading.Lock()
        self.posts = 0


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as a collector: zeroserve reuses its connection.
    protocol_version = "HTTP/1.1"
    server_version = "otlp_receiver"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, status, why):
        print(f"otlp_receiver: {status}: {why}", file=sys.stderr, flush=True)
        self.answer(status, why + "\n", "text/plain")

    def do_POST(self):
        srv = self.server
        length = self.headers.get("Content-Length")
        if length is None or not DIGITS.fullmatch(length) or int(length) > MAX_BODY:
            # Without a length the body cannot be skipped: the connection goes.
            self.close_connection = True
            self.refuse(411 if length is None else 400, f"bad Content-Length {length!r}")
            return
        data = self.rfile.read(int(length))
        with srv.lock:
            srv.posts += 1
            failing = srv.posts <= srv.fail
        if srv.delay > 0:
            threading.Event().wait(srv.delay)
        if failing:
            self.answer(503, '{"code":14,"message":"told to fail"}')
            return
        if self.path != "/v1/logs":
            self.refuse(404, f"no such path {self.path!r}")
            return
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            self.refuse(400, f"Content-Type {ctype!r} is not application/json")
            return
        try:
            doc = json.loads(data.decode("utf-8"), parse_constant=reject_constant)
            recs = records(doc)
        except UnicodeDecodeError as e:
            self.refuse(400, f"body is not UTF-8: {e}")
            return
        except (ValueError, Invalid) as e:
            self.refuse(400, f"bad OTLP JSON: {e}")
            return
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
        with srv.lock, open(srv.outfile, "a", encoding="utf-8") as f:
            f.write(lines)
        self.answer(200, "{}")


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("portfile")
    ap.add_argument("outfile")
    ap.add_argument("--fail", type=int, default=0, metavar="N",
                    help="answer the first N POSTs 503")
    ap.add_argument("--delay", type=float, default=0.0, metavar="S",
                    help="wait S seconds before answering")
    args = ap.parse_args()

    srv = Receiver(args.outfile, args.fail, args.delay)
    # There from the start: a test may count its lines before the first POST.
    open(args.outfile, "a", encoding="utf-8").close()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    tmp = f"{args.portfile}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.replace(tmp, args.portfile)
    while not stop.wait(0.2):
        pass
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

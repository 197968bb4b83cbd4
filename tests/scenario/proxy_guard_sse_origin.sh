#!/bin/sh
# SPDX-License-Identifier: MIT
# Server-sent events get the same Origin check: a GET with Accept:
# text/event-stream from a refused Origin gets zeroserve's 403 and the
# connection closes, the backend never sees it; from an allowed Origin the
# stream opens and its first event arrives while the backend is still
# sending.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "SSE and Origin"
import sys, time
import guard
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
sse = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]
guard.refused(port, build("GET", "/sse?n=3&interval=50&refused=1", host,
                          sse + [("Origin", "https://evil.example")]),
              "Origin", "https://evil.example", "SSE from https://evil.example")
guard.refused(port, build("GET", "/sse?n=3&interval=50&refused=2", host,
                          sse + [("Origin", "null")]),
              "Origin", "null", "SSE from Origin: null")

# 3 events 1 s apart: the first must arrive well before the stream ends.
c = Conn(port)
start = time.monotonic()
c.send(build("GET", "/sse?n=3&interval=1000&ok=1", host,
             sse + [("Origin", "http://localhost:5173")]))
r = c.read_head()
assert r.status == 200 and r.header("X-Backend") == "a", r
assert (r.header("Content-Type") or "").startswith("text/event-stream"), r
got = b""
for piece in c.iter_body(r):
    got += piece
    if b"\n\n" in got:
        break
took = time.monotonic() - start
assert got.startswith(b"data: event 0\n\n"), "first event: %r" % got
assert took < 1.5, "the first event took %.2f s (held back until the end?)" % took
c.close()
guard.never_reached(rec, "refused=")
assert len(guard.reached(rec, "ok=1")) == 1, guard.records(rec)
PY
exit 0

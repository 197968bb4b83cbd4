#!/bin/sh
# SPDX-License-Identifier: MIT
# Server-sent events stream through: each event reaches the client when the
# backend sends it (the first within 0.5 s), never held until the end;
# with a chunked and with a close-delimited backend response.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "SSE events were delayed"
import sys, time
from rawhttp import Conn
port = int(sys.argv[1])

def stream(target, n, interval):
    c = Conn(port, timeout=10)
    t0 = time.monotonic()
    c.send(b"GET %s HTTP/1.1\r\nHost: sse.localhost\r\nAccept: text/event-stream\r\n\r\n" % target.encode())
    r = c.read_head()
    assert r.status == 200, r
    assert (r.header("Content-Type") or "").startswith("text/event-stream"), r
    body, seen = b"", []
    for piece in c.iter_body(r):
        body += piece
        while len(seen) < n and b"data: event %d\n\n" % len(seen) in body:
            seen.append(time.monotonic() - t0)
    want = b"".join(b"data: event %d\n\n" % i for i in range(n))
    assert body == want, "%s: body %r" % (target, body)
    print("%s (%s): events at %s s" % (target, r.framing, ["%.3f" % t for t in seen]))
    assert seen[0] < 0.5, "%s: first event after %.3f s, want < 0.5 s" % (target, seen[0])
    for i in range(1, n):
        assert seen[i] < i * interval + 0.5, \
            "%s: event %d after %.3f s, sent at %.1f s" % (target, i, seen[i], i * interval)
        assert seen[i] > i * interval - 0.2, "%s: event %d early?" % (target, i)
    c.close()

stream("/sse?n=2&interval=2000", 2, 2.0)
stream("/sse?n=3&interval=700&close=1", 3, 0.7)
PY
exit 0

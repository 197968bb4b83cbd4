#!/bin/sh
# SPDX-License-Identifier: MIT
# A chunked response streams through: each chunk reaches the client when
# the backend sends it, not when the response is complete.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "chunks were delayed"
import sys, time
from rawhttp import Conn
c = Conn(int(sys.argv[1]), timeout=10)
n, interval = 5, 0.6
for k in range(2):  # twice on one connection
    t0 = time.monotonic()
    c.send(b"GET /chunks?n=%d&interval=%d HTTP/1.1\r\nHost: c.localhost\r\n\r\n" % (n, interval * 1000))
    r = c.read_head()
    assert r.status == 200, r
    body, seen = b"", []
    for piece in c.iter_body(r):
        body += piece
        while len(seen) < n and b"chunk %d\n" % len(seen) in body:
            seen.append(time.monotonic() - t0)
    assert body == b"".join(b"chunk %d\n" % i for i in range(n)), body
    print("round %d (%s): chunks at %s s" % (k, r.framing, ["%.3f" % t for t in seen]))
    for i in range(n):
        assert seen[i] < i * interval + 0.5, \
            "chunk %d after %.3f s, sent at %.1f s" % (i, seen[i], i * interval)
    assert r.framing in ("chunked", "close"), r
    if c.eof:
        break
PY
exit 0

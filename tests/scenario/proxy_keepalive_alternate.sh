#!/bin/sh
# SPDX-License-Identifier: MIT
# One client connection carries 100 keep-alive requests alternating between
# two backends; every response comes from the right backend, for the right
# request, and the connection is never closed.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start /echo/a=127.0.0.1:$PA /echo/b=127.0.0.1:$PB

zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive alternation failed"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(100):
    name = "ab"[i % 2]
    target = "/echo/%s/req?i=%d" % (name, i)
    r = c.request("GET", target, host="ka.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.header("X-Backend") == name, "request %d: X-Backend %r, want %s" % (i, r.header("X-Backend"), name)
    d = r.json()
    assert d["path"] == target, "request %d: backend saw %r, want %r" % (i, d["path"], target)
    assert "close" not in r.tokens("connection"), "request %d: zeroserve announced close: %r" % (i, r)
    assert not c.eof, "request %d: connection closed after the response" % i
assert not c.peer_closed(0.3), "zeroserve closed the connection after 100 requests"
# Still usable.
r = c.request("GET", "/echo/a/last", host="ka.localhost")
assert r.status == 200 and r.header("X-Backend") == "a", r
PY
exit 0

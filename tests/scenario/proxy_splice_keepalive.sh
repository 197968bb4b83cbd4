#!/bin/sh
# SPDX-License-Identifier: MIT
# Large Content-Length bodies (the splice(2) path) and small ones alternate
# on one client connection: every body byte exact, the connection kept, and
# one backend connection reused throughout.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "large and small bodies on one connection"
import sys
from rawhttp import Conn, pattern_bytes
c = Conn(int(sys.argv[1]), timeout=20)
conns = set()
for n in (10485760, 1000, 3145728, 0, 65536, 20000, 1048577, 17):
    r = c.request("GET", "/bytes/%d" % n)
    assert r.status == 200, r
    assert r.body == pattern_bytes(n), "/bytes/%d: %d bytes back, differ" % (n, len(r.body))
    assert not c.eof, "connection closed after /bytes/%d" % n
    conns.add(r.header("X-Conn-Id"))
assert len(conns) == 1, "backend connections used: %r" % conns
PY

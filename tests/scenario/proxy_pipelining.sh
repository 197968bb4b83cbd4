#!/bin/sh
# SPDX-License-Identifier: MIT
# Pipelined requests on one connection, alternating between a slow and a
# fast backend, get their responses in request order (RFC 9112 9.3.2),
# even when sent in a single write.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start /=127.0.0.1:$PA /echo/b=127.0.0.1:$PB

zs_python - "$ZS_PORT" <<'PY' || fail "pipelined responses out of order"
import sys
from rawhttp import Conn, build
c = Conn(int(sys.argv[1]), timeout=10)
plan = []
for i in range(10):
    if i % 2 == 0:
        plan.append(("/sleep/%d" % (200 if i == 0 else 50), "a", b"slept"))
    else:
        plan.append(("/echo/b/%d" % i, "b", b'"/echo/b/%d"' % i))
# With a body in the middle, which must not be taken for a request.
plan.insert(3, ("/echo/post", "a", b'"body_length": 14'))
data = b""
for target, _, _ in plan:
    if target == "/echo/post":
        data += build("POST", target, "pipe.localhost", body=b"GET / HTTP/1.1")
    else:
        data += build("GET", target, "pipe.localhost")
c.send(data)
for n, (target, backend, marker) in enumerate(plan):
    r = c.read_response("POST" if target == "/echo/post" else "GET")
    assert r.status == 200, "response %d (%s): %r" % (n, target, r)
    assert r.header("X-Backend") == backend and marker in r.body, \
        "response %d should answer %s (backend %s), got %r" % (n, target, backend, r)
assert not c.peer_closed(0.3) and not c.buf, "stray bytes after the last response: %r" % c.buf
PY
exit 0

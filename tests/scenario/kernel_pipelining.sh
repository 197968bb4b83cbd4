#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, pipelining on a connection the kernel already carries:
# after three GETs, 10 requests sent in one write (GETs of several sizes and
# a POST whose body reads like a request line) get their responses in
# request order, each the right one; GETs after them still work.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "pipelined requests after kernel requests"
import sys
from rawhttp import Conn, build, pattern_bytes
c = Conn(int(sys.argv[1]), timeout=10)
for i in range(3):
    r = c.request("GET", "/bytes/%d" % (100 + i), host="pipe.localhost")
    assert r.status == 200 and r.body == pattern_bytes(100 + i), "GET %d: %r" % (i, r)
plan = []
for i in range(10):
    if i == 4:
        plan.append(("POST", "/echo/post", b"GET /bytes/7 HTTP/1.1\r\n\r\n"))
    elif i % 2:
        plan.append(("GET", "/echo/p%d" % i, None))
    else:
        plan.append(("GET", "/bytes/%d" % (1000 * i + 1), None))
c.send(b"".join(build(m, t, "pipe.localhost", body=b) for m, t, b in plan))
for i, (method, target, body) in enumerate(plan):
    r = c.read_response(method)
    assert r.status == 200, "pipelined %d (%s %s): %r" % (i, method, target, r)
    if target.startswith("/bytes/"):
        n = int(target.split("/")[2])
        assert r.body == pattern_bytes(n), "pipelined %d: %d bytes, want the %d-byte pattern" % (i, len(r.body), n)
    else:
        d = r.json()
        assert (d["method"], d["path"]) == (method, target), "pipelined %d answered for %s %s" % (i, d["method"], d["path"])
        assert d["body_length"] == len(body or b""), "pipelined %d: body of %d bytes" % (i, d["body_length"])
for i in range(3):
    r = c.request("GET", "/bytes/%d" % (200 + i), host="pipe.localhost")
    assert r.status == 200 and r.body == pattern_bytes(200 + i), "GET after %d: %r" % (i, r)
PY
kmsg_check
exit 0

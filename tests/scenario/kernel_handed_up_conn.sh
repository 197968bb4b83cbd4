#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, what it hands up on a paired client connection: between
# GETs it carries, a chunked POST and a 5 MiB POST go up to userspace, which
# sends them on the backend connection paired with the client (unpaired
# meanwhile), not on a new one; a 5 MiB answer goes up too and is relayed
# from that same connection. Every request reaches the backend on one
# connection, as on the userspace engine, and the kernel carries the GETs
# after each (after the large upload too: it counts every byte it passed).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "kernel and handed-up requests on one connection"
import hashlib, sys
from rawhttp import Conn, pattern_bytes
c = Conn(int(sys.argv[1]), timeout=20)
used = []

def get(i, n=1000):
    r = c.request("GET", "/bytes/%d?i=%d" % (n, i))
    assert r.status == 200 and r.body == pattern_bytes(n), "GET %d: %r" % (i, r)
    used.append(("GET %d" % i, r.header("X-Conn-Id")))

def post(what, r, body):
    assert r.status == 200, "%s: %r" % (what, r)
    d = r.json()
    assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), "%s: body differs" % what
    used.append((what, r.header("X-Conn-Id")))

for i in range(3):
    get(i)
body = bytes(range(256)) * 300
c.send(b"POST /echo/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
       b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
post("chunked POST", c.read_response(), body)
for i in range(3, 6):
    get(i)
big = bytes(range(256)) * (5 << 12)
post("5 MiB POST", c.request("POST", "/echo/big", body=big), big)
for i in range(6, 9):
    get(i)
get(9, 5 << 20)
for i in range(10, 13):
    get(i)
assert not c.eof
assert len(set(v for _, v in used)) == 1, "backend connections: %r" % used
PY

zs_counters
[ "$(counter feature)" -ge 2 ] || fail "counters feature=$(counter feature): the POSTs were not handed up"
[ "$(counter response)" -ge 1 ] || fail "counters response=$(counter response): the 5 MiB answer was not handed up"
[ "$(counter requests)" -ge 12 ] || fail "counters requests=$(counter requests): the kernel carried fewer than 12 GETs"
kmsg_check
exit 0

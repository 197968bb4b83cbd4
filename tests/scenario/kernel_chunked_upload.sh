#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine hands a connection to userspace and back: on one client
# connection a few GETs (kernel), a chunked POST (the kernel passes it up:
# counters feature >= 1; userspace serves it: engine=user in the access
# log), then GETs again. Every response is the right one.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "GETs, chunked POST, GETs on one connection"
import hashlib, sys, time
from rawhttp import Conn
c = Conn(int(sys.argv[1]))

def get(i):
    target = "/echo/get?i=%d" % i
    r = c.request("GET", target, host="mix.localhost")
    assert r.status == 200, "GET %d: %r" % (i, r)
    d = r.json()
    assert d["method"] == "GET" and d["path"] == target, "GET %d answered for %r" % (i, d["path"])
    assert d["body_length"] == 0, "GET %d: backend saw a body of %d bytes" % (i, d["body_length"])

for i in range(5):
    get(i)
body = bytes(range(256)) * 300 + b"end"
c.send(b"POST /echo/chunked HTTP/1.1\r\nHost: mix.localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
pos = 0
for size in (1, 100, 4096, 30000, len(body)):
    piece = body[pos:pos + size]
    pos += len(piece)
    if piece:
        c.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        time.sleep(0.01)
c.send(b"0\r\n\r\n")
r = c.read_response()
assert r.status == 200, "chunked POST: %r" % r
d = r.json()
assert d["method"] == "POST" and d["path"] == "/echo/chunked", d
assert d["body_length"] == len(body), "chunked POST: %d of %d bytes" % (d["body_length"], len(body))
assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), "chunked POST: sha256 differs"
for i in range(5, 15):
    get(i)
assert not c.eof
c.close()
PY

zs_counters
feature=$(counter feature)
requests=$(counter requests)
[ "$feature" -ge 1 ] || fail "counters feature=$feature: the kernel did not pass the chunked request up"
[ "$requests" -ge 1 ] || fail "counters requests=$requests: no GET went through the kernel"
grep 'POST' "$T/access.log" | grep -q '/echo/chunked.*engine=user' ||
	fail "no engine=user access-log line for the chunked POST: $(cat "$T/access.log")"
kmsg_check
exit 0

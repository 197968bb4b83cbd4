#!/bin/sh
# SPDX-License-Identifier: MIT
# An HTTP/1.0 client gets correct, readable responses: no chunked encoding
# (a chunked backend response is de-chunked), the connection closed after
# the response unless it asked for keep-alive.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "HTTP/1.0 client"
import sys
from rawhttp import Conn, pattern_bytes
port = int(sys.argv[1])

def get10(target, headers=()):
    c = Conn(port, timeout=5)
    c.send(("GET %s HTTP/1.0\r\nHost: old.localhost\r\n%s\r\n" % (
        target, "".join("%s: %s\r\n" % h for h in headers))).encode())
    r = c.read_response()
    assert r.version in ("HTTP/1.0", "HTTP/1.1"), r
    assert r.tokens("transfer-encoding") == [], "%s: Transfer-Encoding sent to an HTTP/1.0 client: %r" % (target, r)
    return c, r

c, r = get10("/echo/old")
assert r.status == 200 and r.json()["path"] == "/echo/old", r
assert c.peer_closed(2), "connection of an HTTP/1.0 request without keep-alive not closed"

c, r = get10("/chunks?n=3&interval=50")
assert r.status == 200, r
assert r.body == b"chunk 0\nchunk 1\nchunk 2\n", "chunked backend response unreadable for HTTP/1.0: %r" % r.body

c, r = get10("/bytes/200000?chunked=1")
assert r.body == pattern_bytes(200000), "de-chunked body differs (%d bytes, %s)" % (len(r.body), r.framing)

c, r = get10("/bytes/5000")
assert r.body == pattern_bytes(5000), r

# HTTP/1.0 with keep-alive: if zeroserve keeps the connection it must frame
# the body with Content-Length, so a second request works.
c, r = get10("/bytes/3000", [("Connection", "keep-alive")])
assert r.body == pattern_bytes(3000), r
if not c.eof:
    c.send(b"GET /echo/again HTTP/1.0\r\nHost: old.localhost\r\nConnection: keep-alive\r\n\r\n")
    r = c.read_response()
    assert r.status == 200 and r.json()["path"] == "/echo/again", r
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# An upgrade request with a body (Content-Length or chunked) that the backend
# answers without switching: the body reaches the backend whole, when it
# comes in the same write as the head too.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "upgrade request with a body"
import hashlib, sys
from rawhttp import Conn
body = b"hello upgrade body"
want = hashlib.sha256(body).hexdigest()
head = (b"POST /echo HTTP/1.1\r\nHost: up.localhost\r\nConnection: Upgrade\r\n"
        b"Upgrade: websocket\r\n")
for framing, data in (
        (b"Content-Length: %d\r\n\r\n" % len(body), body),
        (b"Transfer-Encoding: chunked\r\n\r\n",
         b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))):
    c = Conn(int(sys.argv[1]), timeout=10)
    c.send(head + framing + data)
    r = c.read_response("POST")
    assert r.status == 200, "%r %r" % (framing, r)
    d = r.json()
    assert d["method"] == "POST", d
    assert (d["body_length"], d["body_sha256"]) == (len(body), want), (framing, d)
    c.close()
PY
exit 0

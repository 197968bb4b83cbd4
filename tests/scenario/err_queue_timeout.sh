#!/bin/sh
# SPDX-License-Identifier: MIT
# --queue-timeout: with --backend-max-conns 1 and the one connection busy
# with a 2 s answer, a second request waits in the backend's queue and gets
# 503 after the queue timeout (500 ms), with a body that says why; the first
# still gets its 200. A third request after them is served (the queue held
# nothing back).
. "$ZS_TESTS/lib.sh"

PB=$(backend_start b)
zs_start --backend-max-conns 1 --queue-timeout 500ms "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" "$PB" <<'PY' || fail "queue timeout"
import sys, time
from rawhttp import Conn
port, backend = int(sys.argv[1]), int(sys.argv[2])
slow = Conn(port)
slow.send(b"GET /sleep/2000 HTTP/1.1\r\nHost: localhost\r\n\r\n")
# The backend's /conns counts the connections it accepted, these queries
# included: one more means zeroserve's one connection is open.
for q in range(1, 100):
    b = Conn(backend)
    if int(b.request("GET", "/conns", host="localhost").body) > q:
        break
    b.close()
    time.sleep(0.02)
else:
    raise SystemExit("the slow request never reached the backend")
c = Conn(port)
t0 = time.monotonic()
r = c.request("GET", "/echo", host="localhost")
waited = time.monotonic() - t0
assert r.status == 503, r
assert b"queue timeout" in r.body, r.body
assert 0.4 <= waited < 1.5, "503 after %.2f s, want about 0.5 s" % waited
r = slow.read_response()
assert r.status == 200, r
r = c.request("GET", "/echo", host="localhost")
assert r.status == 200, r
PY
exit 0

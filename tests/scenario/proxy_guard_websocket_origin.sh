#!/bin/sh
# SPDX-License-Identifier: MIT
# WebSocket upgrades get the same checks: an upgrade from a refused Origin
# (another site, null) or with a refused Host gets zeroserve's 403 instead
# of 101 and the connection closes; the backend never sees the upgrade.
# From an allowed Origin the upgrade reaches the backend (101, the right
# Sec-WebSocket-Accept) and frames echo.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "WebSocket upgrades and Origin"
import sys
import guard
import wsclient
from rawhttp import Conn
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port

def refused(path, host, origin, kind, name):
    c = Conn(port)
    r = wsclient.handshake(c, path, host, origin)
    guard.check_refusal(r, kind, name, "upgrade %s, Host %s, Origin %s" % (path, host, origin))
    assert c.peer_closed(3), "upgrade from %s: no close within 3 s of the 403" % origin
    c.close()

refused("/ws?refused=1", host, "https://evil.example", "Origin", "https://evil.example")
refused("/ws?refused=2", host, "null", "Origin", "null")
refused("/ws?refused=3", "attacker.example:%d" % port, "http://attacker.example:%d" % port,
        "Host", "attacker.example")
refused("/ws?refused=4", "attacker.example", None, "Host", "attacker.example")

for origin in ("http://localhost:%d" % port, "http://localhost:5173"):
    c = Conn(port)
    r = wsclient.handshake(c, "/ws?ok=1", host, origin)
    assert wsclient.accepted(r, c.ws_key), "upgrade from %s: %r" % (origin, r)
    assert r.header("X-Backend") == "a", r
    for payload in (b"hello from " + origin.encode(), bytes(range(256)) * 300):
        op = 1 if payload.startswith(b"hello") else 2
        wsclient.send(c, op, payload)
        assert wsclient.recv(c) == (op, True, payload), "no echo of %d bytes" % len(payload)
    wsclient.close(c)
    assert c.peer_closed(3), "connection open 3 s after the close handshake"
    c.close()
guard.never_reached(rec, "refused=")
got = guard.reached(rec, "/ws?ok=1")
assert len(got) == 2, "the backend saw %d allowed upgrades, want 2" % len(got)
PY
exit 0

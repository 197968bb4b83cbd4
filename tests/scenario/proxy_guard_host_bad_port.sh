#!/bin/sh
# SPDX-License-Identifier: MIT
# A Host whose port is not a number (localhost:x, localhost:80@attacker.example,
# [::1]x) is never served, and zeroserve does not answer that an allowed
# name is not allowed: either 400, or a 403 whose hint does not name
# localhost or [::1] (--allow-host localhost would change nothing).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "Host with a bad port"
import sys
from rawhttp import Conn, build
import guard
port, rec = int(sys.argv[1]), sys.argv[2]
for i, host in enumerate(["localhost:x", "localhost:80@attacker.example", "localhost:8080:80",
                          "[::1]x", "[::1]:1:2"]):
    c = Conn(port)
    c.send(build("GET", "/echo/refused-%d" % i, host))
    r = c.read_response()
    c.close()
    assert r.status in (400, 403) and r.header("X-Backend") is None, "Host: %s: %r" % (host, r)
    if r.status == 403:
        body = r.body.decode()
        for name in ("localhost", "[::1]"):
            assert "Host '%s' is not" % name not in body and not body.rstrip().endswith(" " + name), \
                "Host: %s: the 403 blames an allowed name: %r" % (host, body)
guard.never_reached(rec, "/echo/refused")
PY
exit 0

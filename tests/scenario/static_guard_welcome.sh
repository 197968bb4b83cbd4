#!/bin/sh
# SPDX-License-Identifier: MIT
# Started without routes, zeroserve answers its welcome page to an allowed
# Host only: Host: attacker.example and a cross-site Origin get the 403.
. "$ZS_TESTS/lib.sh"

zs_start

zs_python - "$ZS_PORT" <<'PY' || fail "welcome page and the guard"
import sys
import guard
from rawhttp import Conn, build
port = int(sys.argv[1])
c = Conn(port)
r = c.request("GET", "/", host="localhost:%d" % port)
assert r.status == 200 and (r.header("Content-Type") or "").startswith("text/html"), r
welcome = r.body
c.close()
r = guard.refused(port, build("GET", "/", "attacker.example:%d" % port), "Host",
                  "attacker.example", "GET / with Host: attacker.example")
assert r.body != welcome, r
guard.refused(port, build("GET", "/", "127.0.0.1:%d" % port, [("Origin", "https://evil.example")]),
              "Origin", "https://evil.example", "GET / from https://evil.example")
PY
exit 0

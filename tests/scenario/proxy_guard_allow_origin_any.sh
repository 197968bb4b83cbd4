#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-origin '*' allows every Origin, null included; the Host check
# stays on.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-origin '*' "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "--allow-origin '*'"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
for i, origin in enumerate(["null", "https://evil.example", "http://attacker.example:%d" % port,
                            "http://localhost:5173"]):
    guard.served(port, build("GET", "/echo/served-%d" % i, host, [("Origin", origin)]), "a",
                 "Origin: " + origin)
guard.refused(port, build("GET", "/echo/refused-host", "attacker.example",
                          [("Origin", "http://attacker.example")]),
              "Host", "attacker.example", "Host: attacker.example")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

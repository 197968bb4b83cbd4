#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-host '*' turns the Host check off (any Host is served) and only
# that: a cross-site Origin, and Origin: null, are still refused.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-host '*' "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "--allow-host '*'"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
for i, host in enumerate(["attacker.example", "attacker.example:%d" % port,
                          "anything.invalid:1", "198.51.100.7", "localhost"]):
    guard.served(port, build("GET", "/echo/served-%d" % i, host), "a", "Host: " + host)
guard.refused(port, build("GET", "/echo/refused-1", "attacker.example",
                          [("Origin", "https://evil.example")]),
              "Origin", "https://evil.example", "Origin: https://evil.example")
guard.refused(port, build("GET", "/echo/refused-2", "attacker.example:%d" % port,
                          [("Origin", "http://attacker.example:%d" % port)]),
              "Origin", "http://attacker.example:%d" % port, "Origin: the Host's own, unnamed")
guard.refused(port, build("GET", "/echo/refused-3", "localhost", [("Origin", "null")]),
              "Origin", "null", "Origin: null")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

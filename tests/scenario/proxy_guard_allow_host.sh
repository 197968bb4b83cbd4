#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-host NAME (repeatable) allows that Host, any port, any case, and
# an Origin naming it; not its subdomains (no wildcard) and not other names.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-host attacker.example --allow-host Second.Test "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "--allow-host attacker.example"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
for i, host in enumerate(["attacker.example", "attacker.example:%d" % port,
                          "ATTACKER.EXAMPLE:80", "attacker.example.", "second.test",
                          "SECOND.test:%d" % port, "localhost:%d" % port]):
    r = guard.served(port, build("GET", "/echo/served-%d" % i, host), "a", "Host: " + host)
    assert guard.header(r.json(), "Host") == [host], r.json()
for i, origin in enumerate(["http://attacker.example:%d" % port, "https://attacker.example",
                            "http://second.test"]):
    guard.served(port, build("GET", "/echo/origin-%d" % i, "attacker.example:%d" % port,
                             [("Origin", origin)]), "a", "Origin: " + origin)
for i, host in enumerate(["sub.attacker.example", "attacker.example.evil", "other.example"]):
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host), "Host", host, "Host: " + host)
guard.refused(port, build("GET", "/echo/refused-origin", "attacker.example",
                          [("Origin", "https://sub.attacker.example")]),
              "Origin", "https://sub.attacker.example", "Origin: https://sub.attacker.example")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

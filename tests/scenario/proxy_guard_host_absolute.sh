#!/bin/sh
# SPDX-License-Identifier: MIT
# An absolute-form target (GET http://HOST/PATH) is checked by its
# authority, which RFC 9112 3.2.2 makes the request's host: refused for
# http://attacker.example/ even with an allowed Host field, served for
# http://localhost:PORT/.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "absolute-form targets"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
guard.refused(port, build("GET", "http://attacker.example/echo/refused-1", "localhost"),
              "Host", "attacker.example", "GET http://attacker.example/ with Host: localhost")
guard.refused(port, build("GET", "http://attacker.example:%d/echo/refused-2" % port,
                          "localhost:%d" % port),
              "Host", "attacker.example", "GET http://attacker.example:PORT/")
r = guard.served(port, build("GET", "http://localhost:%d/echo/served" % port,
                             "attacker.example"), "a",
                 "GET http://localhost:PORT/ with Host: attacker.example")
assert r.json()["path"] == "/echo/served", r.json()
guard.never_reached(rec, "/echo/refused")
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-host '*.example.test' allows every subdomain of example.test (at
# any depth, any port, any case, as Host and in an Origin) but not
# example.test itself nor names that only end in "example.test".
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-host '*.example.test' "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "--allow-host '*.example.test'"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
for i, host in enumerate(["a.example.test", "a.example.test:%d" % port, "A.B.Example.Test",
                          "deep.er.example.test:8080"]):
    guard.served(port, build("GET", "/echo/served-%d" % i, host), "a", "Host: " + host)
guard.served(port, build("GET", "/echo/served-origin", "a.example.test",
                         [("Origin", "https://app.example.test")]), "a",
             "Origin: https://app.example.test")
for i, host in enumerate(["example.test", "example.test:%d" % port, "xexample.test",
                          "a.example.test.evil"]):
    name = host.split(":")[0]
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host), "Host", name, "Host: " + host)
guard.refused(port, build("GET", "/echo/refused-origin", "a.example.test",
                          [("Origin", "https://example.test")]),
              "Origin", "https://example.test", "Origin: https://example.test")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

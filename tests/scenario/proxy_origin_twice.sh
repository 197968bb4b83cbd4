#!/bin/sh
# SPDX-License-Identifier: MIT
# A request with more than one Origin field is refused (403, close), even
# when each of them would be allowed alone: which one a backend reads is
# anyone's guess. Nothing reaches the backend.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "two Origin fields"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
ok = "http://localhost:%d" % port
pairs = [
    (ok, ok),
    (ok, "https://evil.example"),
    ("https://evil.example", ok),
    ("http://localhost:5173", "null"),
]
for i, (a, b) in enumerate(pairs):
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host,
                              [("Origin", a), ("Accept", "*/*"), ("origin", b)]),
                  "Origin", None, "Origin: %s and Origin: %s" % (a, b))
guard.served(port, build("GET", "/echo/after", host, [("Origin", ok)]), "a", "one Origin")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

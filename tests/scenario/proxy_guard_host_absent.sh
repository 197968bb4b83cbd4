#!/bin/sh
# SPDX-License-Identifier: MIT
# A request without a Host field (HTTP/1.0) is not refused by the Host
# check: it reaches the backend.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "HTTP/1.0 request without Host"
import sys
import guard
from rawhttp import build
port = int(sys.argv[1])
r = guard.served(port, build("GET", "/echo/no-host", None, version="HTTP/1.0"), "a",
                 "HTTP/1.0 GET without Host")
assert r.json()["path"] == "/echo/no-host", r
PY
exit 0

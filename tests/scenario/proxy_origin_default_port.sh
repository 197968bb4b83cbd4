#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-origin with the scheme's default port written out
# (https://app.example.test:443, http://tool.example.test:80) allows the
# Origin a browser sends for it, which omits that port (RFC 6454 6.1).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-origin https://app.example.test:443 --allow-origin http://tool.example.test:80 \
	"/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "--allow-origin with a default port"
import sys
import guard
from rawhttp import build
port = int(sys.argv[1])
for i, origin in enumerate(["https://app.example.test", "http://tool.example.test"]):
    guard.served(port, build("GET", "/echo/served-%d" % i, "localhost", [("Origin", origin)]), "a",
                 "Origin: %s" % origin)
PY
exit 0

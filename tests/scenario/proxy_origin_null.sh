#!/bin/sh
# SPDX-License-Identifier: MIT
# Origin: null (a sandboxed iframe, a file: page, a cross-origin redirect)
# is refused by default: 403 naming "--allow-origin null", the connection
# closes, nothing reaches the backend.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "Origin: null"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
guard.refused(port, build("GET", "/echo/refused-get", "localhost:%d" % port, [("Origin", "null")]),
              "Origin", "null", "GET with Origin: null")
guard.refused(port, build("POST", "/echo/refused-post", "127.0.0.1:%d" % port,
                          [("Origin", "null"), ("Content-Type", "text/plain")], b"x"),
              "Origin", "null", "POST with Origin: null")
guard.served(port, build("GET", "/echo/after", "localhost"), "a", "GET without Origin")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

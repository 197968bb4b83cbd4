#!/bin/sh
# SPDX-License-Identifier: MIT
# Cross-site requests refused by default: a request whose Origin names a
# host that is not allowed (another site, one that merely starts like
# localhost, an allowed Host with a foreign Origin, as after DNS rebinding
# on the same port) gets zeroserve's 403 naming "--allow-origin ORIGIN",
# and the connection closes; nothing reaches the backend, GET or POST.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "cross-site requests"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
origins = [
    "https://evil.example",
    "http://evil.example:8080",
    "http://attacker.example:%d" % port,
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io:%d" % port,
    "https://EVIL.example",
]
for i, origin in enumerate(origins):
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host, [("Origin", origin)]),
                  "Origin", origin, "GET with Origin: %s" % origin)
# A form post from another site, the classic CSRF shape.
guard.refused(port, build("POST", "/echo/refused-post", host,
                          [("Origin", "https://evil.example"),
                           ("Content-Type", "application/x-www-form-urlencoded")],
                          b"cmd=rm+-rf"),
              "Origin", "https://evil.example", "POST with Origin: https://evil.example")
# JSON-RPC to an MCP endpoint, as a page would send it.
guard.refused(port, build("POST", "/echo/refused-mcp", host,
                          [("Origin", "https://evil.example"),
                           ("Content-Type", "application/json"),
                           ("Accept", "application/json, text/event-stream")],
                          b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'),
              "Origin", "https://evil.example", "MCP POST with Origin: https://evil.example")
guard.served(port, build("GET", "/echo/after", host), "a", "GET without Origin")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# --allow-origin URL (repeatable) allows exactly that Origin (scheme, host
# and port; case-insensitive); another scheme or port is still refused, and
# it does not allow the URL's host as a Host.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --allow-origin https://evil.example --allow-origin http://tool.example:8080 \
	"/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "--allow-origin https://evil.example"
import sys
import guard
from rawhttp import build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
for i, origin in enumerate(["https://evil.example", "HTTPS://Evil.Example",
                            "http://tool.example:8080"]):
    r = guard.served(port, build("GET", "/echo/served-%d" % i, host, [("Origin", origin)]), "a",
                     "Origin: " + origin)
    assert guard.header(r.json(), "Origin") == [origin], r.json()
guard.served(port, build("POST", "/echo/served-post", host, [("Origin", "https://evil.example")],
                         b"{}"), "a", "POST from https://evil.example")
for i, origin in enumerate(["http://evil.example", "https://evil.example:8443",
                            "https://sub.evil.example", "http://tool.example",
                            "https://tool.example:8080", "null"]):
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host, [("Origin", origin)]),
                  "Origin", origin, "Origin: " + origin)
guard.refused(port, build("GET", "/echo/refused-host", "evil.example"),
              "Host", "evil.example", "Host: evil.example (an allowed Origin's host)")
guard.never_reached(rec, "/echo/refused")
PY
exit 0

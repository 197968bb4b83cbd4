#!/bin/sh
# SPDX-License-Identifier: MIT
# Requests whose Origin names an allowed host are served, with the Origin
# passed on unchanged: localhost (any port, e.g. a dev server's 5173, any
# case), its subdomains, loopback addresses, a route's host; and so are
# requests without an Origin (curl, SDK clients). Each on a connection of
# its own, then all of them twice on one keep-alive connection (which the
# kernel engine carries, after its first request).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start "/=127.0.0.1:$PA" "api.test=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "same-site requests"
import sys
import guard
from rawhttp import Conn, build
port = int(sys.argv[1])
host = "localhost:%d" % port
origins = [
    "http://localhost:5173",
    "http://localhost:%d" % port,
    "http://localhost",
    "https://localhost",
    "HTTP://LOCALHOST:5173",
    "http://app.localhost:%d" % port,
    "http://127.0.0.1:%d" % port,
    "http://127.5.6.7",
    "http://[::1]:%d" % port,
    "http://api.test:%d" % port,
    "https://api.test",
]
for i, origin in enumerate(origins):
    path = "/echo/served-%d" % i
    r = guard.served(port, build("GET", path, host, [("Origin", origin)]), "a",
                     "GET with Origin: %s" % origin)
    seen = [v for k, v in r.json()["headers"] if k.lower() == "origin"]
    assert seen == [origin], "Origin: %s reached the backend as %r" % (origin, seen)
r = guard.served(port, build("POST", "/echo/post", "api.test:%d" % port,
                             [("Origin", "http://api.test:%d" % port)], b"{}"), "b",
                 "POST to api.test from http://api.test:PORT")
guard.served(port, build("GET", "/echo/no-origin", host), "a", "GET without Origin")
c = Conn(port)
for i, origin in enumerate(origins * 2 + [None]):
    path = "/echo/keepalive-%d" % i
    r = c.request("GET", path, host=host, headers=[("Origin", origin)] if origin else [])
    assert r.status == 200 and r.header("X-Backend") == "a", \
        "keep-alive request %d, Origin: %s: %r" % (i, origin, r)
    assert r.json()["path"] == path, (origin, r.json())
c.close()
print("%d allowed Origins served" % len(origins))
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# The Host values allowed by default are served (and reach the backend as
# sent): localhost and its subdomains, any port, any case, one trailing dot;
# 127.0.0.0/8 dotted quads; [::1]; every host named in a route. Each on a
# connection of its own, then all of them twice on one keep-alive
# connection (which the kernel engine carries, after its first request).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start "/=127.0.0.1:$PA" "api.test=127.0.0.1:$PB"

zs_python - "$ZS_PORT" "$T/backend-a.requests" "$T/backend-b.requests" <<'PY' || fail "allowed Host values"
import sys
import guard
from rawhttp import Conn, build
port = int(sys.argv[1])

cases = [
    ("localhost", "a"),
    ("localhost:%d" % port, "a"),
    ("localhost:5173", "a"),
    ("LOCALHOST.", "a"),
    ("localhost.:%d" % port, "a"),
    ("app.localhost", "a"),
    ("app.localhost:%d" % port, "a"),
    ("App.LocalHost.:%d" % port, "a"),
    ("a.b.localhost", "a"),
    ("127.0.0.1", "a"),
    ("127.0.0.1:%d" % port, "a"),
    ("127.5.6.7", "a"),
    ("127.255.255.254:8080", "a"),
    ("[::1]", "a"),
    ("[::1]:%d" % port, "a"),
    ("api.test", "b"),
    ("api.test:%d" % port, "b"),
    ("API.Test", "b"),
]
for i, (host, backend) in enumerate(cases):
    path = "/echo/served-%d" % i
    r = guard.served(port, build("GET", path, host), backend, "GET with Host: %s" % host)
    d = r.json()
    assert d["path"] == path, (host, d)
    seen = [v for k, v in d["headers"] if k.lower() == "host"]
    assert seen == [host], "Host: %s reached the backend as %r" % (host, seen)
c = Conn(port)
for i, (host, backend) in enumerate(cases * 2):
    path = "/echo/keepalive-%d" % i
    r = c.request("GET", path, host=host)
    assert r.status == 200 and r.header("X-Backend") == backend, \
        "keep-alive request %d, Host: %s: %r" % (i, host, r)
    assert r.json()["path"] == path, (host, r.json())
c.close()
print("%d allowed Host values served" % len(cases))
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Host routing ignores one trailing dot: with routes app.localhost=A and /=B, a
# keep-alive connection whose first request went to B sends Host
# "app.localhost." and "APP.localhost.:8080": each is answered by A;
# "x.app.localhost." is not a name of app.localhost and goes to B
# (router_host_normalize). Then "app.localhost..", a name with an empty
# label, is no allowed Host: 403, and the connection closes.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start "app.localhost=127.0.0.1:$PA" "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "Host with a trailing dot"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
c = Conn(port)
for i, (host, want) in enumerate([("other.localhost", "b"), ("app.localhost.", "a"),
                                  ("APP.localhost.:8080", "a"), ("x.app.localhost.", "b"),
                                  ("app.localhost", "a"), ("app.localhost.", "a")]):
    r = c.request("GET", "/echo?i=%d" % i, host=host)
    assert r.status == 200, "%s request %d: %r" % (host, i, r)
    got = r.header("X-Backend")
    assert got == want, "%s request %d answered by %r, want %r" % (host, i, got, want)
    assert not c.eof, "%s request %d: connection closed" % (host, i)
r = c.request("GET", "/echo?dots", host="app.localhost..")
assert r.status == 403, "app.localhost..: %r" % r
assert c.peer_closed(), "app.localhost..: connection left open"
c.close()
PY
exit 0

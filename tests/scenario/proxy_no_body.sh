#!/bin/sh
# SPDX-License-Identifier: MIT
# HEAD, 204 and 304 responses carry no body (HEAD keeps the GET length in
# Content-Length) and the connection stays usable for the next request.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "no-body responses broke the connection"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]), timeout=5)

def next_ok(what, k):
    # Any stray body byte of the previous response would make this fail to
    # parse; a proxy waiting for a body that never comes makes it time out.
    r = c.request("GET", "/echo/after-%s-%d" % (what, k))
    assert r.status == 200, "request after %s: %r" % (what, r)
    assert r.json()["path"] == "/echo/after-%s-%d" % (what, k), r

for k in range(2):
    for target in ("/bytes/1000", "/bytes/5000?chunked=1", "/echo/head", "/status/404"):
        r = c.request("HEAD", target)
        assert r.body == b"", r
        want = {"/bytes/1000": 200, "/bytes/5000?chunked=1": 200,
                "/echo/head": 200, "/status/404": 404}[target]
        assert r.status == want, "HEAD %s: %r" % (target, r)
        if target == "/bytes/1000":
            assert r.header("Content-Length") == "1000", "HEAD %s: %r" % (target, r)
        next_ok("head", k)
    for code in (204, 304):
        r = c.request("GET", "/status/%d" % code)
        assert r.status == code, r
        assert r.header("X-Backend") == "a", r
        assert r.tokens("transfer-encoding") == [], "%d with Transfer-Encoding: %r" % (code, r)
        next_ok(str(code), k)
# Nothing left over on the connection.
assert not c.peer_closed(0.3) and not c.buf, "stray bytes or close: %r" % c.buf
PY
exit 0

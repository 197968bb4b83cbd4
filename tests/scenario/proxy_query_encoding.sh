#!/bin/sh
# SPDX-License-Identifier: MIT
# Request targets reach the backend byte exact: percent-encoding, '+',
# query strings, double slashes and dot segments are not decoded or
# normalised, also behind a prefix-replacing route.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start /=127.0.0.1:$PA "/api/=http://127.0.0.1:$PB/echo/"

zs_python - "$ZS_PORT" <<'PY' || fail "request targets were altered"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
cases = [
    ("/echo/a%20b%2Fc?x=%41&y=1+2", "/echo/a%20b%2Fc?x=%41&y=1+2", "a"),
    ("/echo/%E2%82%AC/%7e?q=%26%3D&empty=&flag", "/echo/%E2%82%AC/%7e?q=%26%3D&empty=&flag", "a"),
    ("/echo//double//slash?next=/a/b?c", "/echo//double//slash?next=/a/b?c", "a"),
    ("/echo/x/%2e%2e/y?a=%2f%2F", "/echo/x/%2e%2e/y?a=%2f%2F", "a"),
    ("/echo?", "/echo?", "a"),
    ("/echo/semi;p=1?x=;&y=%00z", "/echo/semi;p=1?x=;&y=%00z", "a"),
    ("/api/a%20b%2Fc?x=%41&y=1+2", "/echo/a%20b%2Fc?x=%41&y=1+2", "b"),
    ("/api/%2e%2e/?q=%3F", "/echo/%2e%2e/?q=%3F", "b"),
]
for sent, want, backend in cases:
    r = c.request("GET", sent)
    assert r.status == 200, "%s: %r" % (sent, r)
    assert r.header("X-Backend") == backend, "%s went to %s" % (sent, r.header("X-Backend"))
    got = r.json()["path"]
    assert got == want, "sent %r: backend saw %r, want %r" % (sent, got, want)
PY
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, header names compared whole: a request carrying
# "Content-Lengtx: 9" (same length and first bytes as Content-Length) has no
# body. The kernel must not count the next request's first 9 bytes as its
# body: 20 such requests on one keep-alive connection, alternating with
# plain ones, are each answered for their own path, and the kernel carried
# them (counters requests >= 15).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "look-alike Content-Length field"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(40):
    target = "/echo/req?i=%d" % i
    extra = [("Content-Lengtx", "9")] if i % 2 == 0 else []
    r = c.request("GET", target, host="look.localhost", headers=extra)
    assert r.status == 200, "request %d: %r" % (i, r)
    d = r.json()
    assert d["path"] == target, "request %d: backend saw %r, want %r" % (i, d["path"], target)
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 30 ] || fail "counters requests=$requests: the kernel carried fewer than 30 of 40 requests"
kmsg_check
exit 0

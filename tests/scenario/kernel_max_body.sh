#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, --max-body 1k: on a client connection the kernel carries,
# POSTs of up to 1 KiB stay on the kernel path (counters requests grows),
# and a Content-Length over the limit goes up to userspace, which answers
# 413 and closes, as for a first request; the backend never sees it.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --max-body 1k "/=127.0.0.1:$PA"
before=$(counter requests "$(zs_counters)")

zs_python - "$ZS_PORT" <<'PY' || fail "POSTs around --max-body"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
for first in (True, False):
    c = Conn(port, timeout=5)
    if not first:
        for i in range(10):
            r = c.request("POST", "/echo/small?i=%d" % i, host="mb.localhost", body=b"x" * 1024)
            assert r.status == 200, "POST %d of 1024 bytes: %r" % (i, r)
            assert r.json()["body_length"] == 1024, r.json()
    c.send(b"POST /echo/big HTTP/1.1\r\nHost: mb.localhost\r\nContent-Length: 1025\r\n\r\n" + b"y" * 1025)
    r = c.read_response()
    assert r.status == 413, "POST of 1025 bytes (first request: %s): %r" % (first, r)
    assert c.peer_closed(2.0), "connection still open after the 413"
    c.close()
PY

zs_counters
after=$(counter requests)
[ $((after - before)) -ge 8 ] ||
	fail "the kernel carried $((after - before)) of the 10 small POSTs, want >= 8"
kmsg_check
exit 0

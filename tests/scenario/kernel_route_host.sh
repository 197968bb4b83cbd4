#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, Host routing in the kernel: with routes
# my-application.localhost/echo/api=A and /=B, keep-alive requests with Host
# "My-Application.LOCALHOST:8080" and path /echo/api/... go to A, the same Host
# with /echo/apis (not a segment of /echo/api) and another Host go to B; each
# connection's 20 requests are answered by the right backend, and the kernel
# carried most of them (counters requests >= 45 of 60). The lookalike Host is
# no localhost name: --allow-host lets it through the guard.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
PB=$(backend_start b)
zs_start_kernel --allow-host my-application.localhost.evil \
	"my-application.localhost/echo/api=127.0.0.1:$PA" "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "Host routes on the kernel path"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
cases = [("My-Application.LOCALHOST:8080", "/echo/api/items", "a"),
         ("My-Application.LOCALHOST:8080", "/echo/apis", "b"),
         ("my-application.localhost.evil", "/echo/api/items", "b")]
for host, path, want in cases:
    c = Conn(port)
    for i in range(20):
        target = "%s?i=%d" % (path, i)
        r = c.request("GET", target, host=host)
        assert r.status == 200, "%s %s request %d: %r" % (host, path, i, r)
        got = r.header("X-Backend")
        assert got == want, "%s %s request %d answered by %r, want %r" % (host, path, i, got, want)
        assert not c.eof, "%s %s request %d: connection closed" % (host, path, i)
    c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 45 ] || fail "counters requests=$requests: the kernel carried fewer than 45 of 60 requests"
kmsg_check
exit 0

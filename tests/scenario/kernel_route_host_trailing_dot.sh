#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, Host with a trailing dot: with routes app.test=A and /=B,
# a keep-alive connection the kernel carries for B sends Host "app.test.":
# every such request is answered by A (the kernel passes it up, userspace
# routes it). A connection paired with A sends "app.test." and
# "APP.test.:8080": the kernel carries them to A, normalising the Host as
# userspace does; one paired with B sends "app.test..", which names no
# Host route: carried to B. The counters show the kernel carried >= 30 of
# the 38 requests that followed a first one on the last two connections.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
PB=$(backend_start b)
zs_start_kernel "app.test=127.0.0.1:$PA" "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "Host with a trailing dot on the kernel path"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
# (Host of the first request, Host of the next ones, backend wanted for those)
cases = [("other.test", ["app.test."], "a"),
         ("app.test", ["app.test.", "APP.test.:8080"], "a"),
         ("other.test", ["app.test.."], "b")]
for first, hosts, want in cases:
    c = Conn(port)
    r = c.request("GET", "/echo?first", host=first)
    assert r.status == 200, "%s first request: %r" % (first, r)
    for i in range(19):
        host = hosts[i % len(hosts)]
        r = c.request("GET", "/echo?i=%d" % i, host=host)
        assert r.status == 200, "%s after %s, request %d: %r" % (host, first, i, r)
        got = r.header("X-Backend")
        assert got == want, "%s after %s, request %d answered by %r, want %r" % (
            host, first, i, got, want)
        assert not c.eof, "%s after %s, request %d: connection closed" % (host, first, i)
    c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 30 ] || fail "counters requests=$requests: the kernel carried fewer than 30 of 38 requests"
kmsg_check
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, Host with a trailing dot: with routes app.localhost=A and /=B,
# a keep-alive connection the kernel carries for B sends Host "app.localhost.":
# every such request is answered by A (the kernel passes it up, userspace
# routes it). A connection paired with A sends "app.localhost." and
# "APP.localhost.:8080": the kernel carries them to A, normalising the Host as
# userspace does; one paired with B sends "x.app.localhost.", which names no
# Host route: carried to B. The counters show the kernel carried >= 30 of
# the 38 requests that followed a first one on the last two connections.
# Then "app.localhost.." on that connection, a name with an empty label,
# is no allowed Host: 403 and a close, though the kernel carries it.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
PB=$(backend_start b)
zs_start_kernel "app.localhost=127.0.0.1:$PA" "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "Host with a trailing dot on the kernel path"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
# (Host of the first request, Host of the next ones, backend wanted for those)
cases = [("other.localhost", ["app.localhost."], "a"),
         ("app.localhost", ["app.localhost.", "APP.localhost.:8080"], "a"),
         ("other.localhost", ["x.app.localhost."], "b")]
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
    if want == "b":
        r = c.request("GET", "/echo?dots", host="app.localhost..")
        assert r.status == 403, "app.localhost..: %r" % r
        assert c.peer_closed(), "app.localhost..: connection left open"
    c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 30 ] || fail "counters requests=$requests: the kernel carried fewer than 30 of 38 requests"
kmsg_check
exit 0

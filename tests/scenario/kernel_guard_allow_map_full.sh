#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine: the values the kernel may carry (zs_allow) fill up, and
# that changes nothing but speed: 1500 distinct allowed Hosts, more than the
# map holds, each asked twice on one keep-alive connection, are all served
# (the first ask of each goes up to the guard; repeats are carried while the
# map has room), and a rebinding request on that connection is still
# refused with a close.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"
zs_counters >/dev/null
before=$(counter requests)
before_guard=$(counter guard)

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "1500 allowed Hosts, then rebinding"
import sys
import guard
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]
c = Conn(port)
for i in range(1500):
    for k in range(2):
        host = "h%d.localhost:%d" % (i, port)
        r = c.request("GET", "/echo/h%d-%d" % (i, k), host=host)
        assert r.status == 200 and r.header("X-Backend") == "a", "Host %s, ask %d: %r" % (host, k, r)
c.send(build("GET", "/echo/rebind", "attacker.example:%d" % port))
guard.check_refusal(c.read_response(), "Host", "attacker.example", "rebinding after 1500 Hosts")
assert c.peer_closed(3), "connection open 3 s after the 403"
c.close()
guard.never_reached(rec, "/echo/rebind")
PY

zs_counters
carried=$(($(counter requests) - before))
up=$(($(counter guard) - before_guard))
echo "the kernel carried $carried requests; $up went up to the guard"
[ "$up" -ge 1500 ] || fail "$up requests went up to the guard, want >= 1500 (every new Host)"
[ "$carried" -ge 500 ] || fail "the kernel carried $carried repeated asks, want >= 500 (the map's room)"
kmsg_check
exit 0

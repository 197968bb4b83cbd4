#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the backend connection of a client that went away: when the
# client closes while idle and the kernel owes it nothing, its backend
# connection goes back to the pool rather than being closed. Five clients
# in turn, each with 4 keep-alive requests (3 carried by the kernel), are all
# served on the backend's first connection (X-Conn-Id), and the kernel
# carried their later requests (counters requests >= 15).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "clients in turn"
import sys, time
from rawhttp import Conn
ids = set()
for k in range(5):
    c = Conn(int(sys.argv[1]))
    for i in range(4):
        r = c.request("GET", "/echo/client%d/%d" % (k, i), host="pool.localhost")
        assert r.status == 200, "client %d request %d: %r" % (k, i, r)
        ids.add(r.header("x-conn-id"))
    c.close()
    time.sleep(0.5)  # zeroserve sees the close before the next client comes
assert ids == {"1"}, "backend connections used: %r, want only the first" % sorted(ids)
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 15 ] || fail "counters requests=$requests: the kernel carried fewer than 15 of the 15 later requests"
kmsg_check
exit 0

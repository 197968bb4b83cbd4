#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, two routes on one connection: 100 keep-alive requests, the
# first 50 alternating /echo/a, /echo/b, then runs of five per route; each
# is answered by the right backend for the right request, whether the kernel
# or userspace carried it (the kernel carried at least one).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
PB=$(backend_start b)
zs_start_kernel --access-log "$T/access.log" "/echo/a=127.0.0.1:$PA" "/echo/b=127.0.0.1:$PB"

zs_python - "$ZS_PORT" <<'PY' || fail "alternating routes on one connection"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
plan = ["ab"[i % 2] for i in range(50)] + ["ab"[(i // 5) % 2] for i in range(50)]
for i, name in enumerate(plan):
    target = "/echo/%s/req?i=%d" % (name, i)
    r = c.request("GET", target, host="alt.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.header("X-Backend") == name, "request %d for %s answered by %r" % (i, name, r.header("X-Backend"))
    d = r.json()
    assert d["path"] == target, "request %d: backend saw %r, want %r" % (i, d["path"], target)
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
echo "access-log lines: $(wc -l <"$T/access.log") of 100 requests"
requests=$(counter requests)
[ "$requests" -ge 1 ] || fail "counters requests=$requests: the kernel carried none of the requests"
kmsg_check
exit 0

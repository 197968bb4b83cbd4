#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine and a client outside its cgroup (the backend inside): sockops
# never sees the client's socket, so the kernel can carry none of its
# requests and no backend connection may be paired with it. Two such client
# connections, open side by side, get all their requests answered by
# userspace on one pooled backend connection, as on the userspace engine,
# and the kernel counts no request.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

# ZS_CG empty: this client runs where the test does, outside $CG.
ZS_CG= zs_python - "$ZS_PORT" <<'PY' || fail "requests of clients outside the cgroup"
import sys
from rawhttp import Conn, pattern_bytes
port = int(sys.argv[1])
a, b = Conn(port), Conn(port)
used = []
for c, sizes in ((a, (1000, 20000, 0, 300000, 17)), (b, (5000, 65536, 1)), (a, (42,))):
    for n in sizes:
        r = c.request("GET", "/bytes/%d" % n)
        assert r.status == 200, r
        assert r.body == pattern_bytes(n), "/bytes/%d: %d bytes back, differ" % (n, len(r.body))
        used.append(r.header("X-Conn-Id"))
assert len(set(used)) == 1, "backend connections used, request by request: %r" % used
PY

zs_counters
expect_eq "$(counter requests)" 0 "requests the kernel carried for clients outside $CG"
kmsg_check
exit 0

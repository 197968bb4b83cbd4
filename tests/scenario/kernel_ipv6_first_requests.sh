#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, IPv6 from a connection's first request: 100 one-request
# connections from ::1 to zeroserve's [::1] listener, the backend on ::1
# only, every other one saying "Connection: close". Each answer comes back
# byte exact (an /echo whose X-Forwarded-For is ::1 and Forwarded
# for="[::1]", or 3000 pattern bytes), and the kernel carried them from
# its pool of IPv6 backend connections (counters requests and pool_taken
# >= 90).
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
cg_setup
kmsg_mark
PA=$(BACKEND_HOST=::1 backend_start a)
zs_start_kernel -l "[::1]:$ZS_PORT" "/=[::1]:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "one-request connections from ::1"
import sys
from rawhttp import Conn, pattern_bytes
port = int(sys.argv[1])
want = pattern_bytes(3000)
for i in range(100):
    c = Conn(port, host="::1")
    extra = [("Connection", "close")] if i % 2 else []
    if i % 4 < 2:
        r = c.request("GET", "/echo/first", host="v6.localhost", headers=extra)
        assert r.status == 200, "request %d: %r" % (i, r)
        h = dict((k.lower(), v) for k, v in r.json()["headers"])
        assert h["x-forwarded-for"] == "::1", "request %d: %r" % (i, h)
        assert h["forwarded"] == 'for="[::1]";host="v6.localhost";proto=http', "request %d: %r" % (i, h)
    else:
        r = c.request("GET", "/bytes/3000", host="v6.localhost", headers=extra)
        assert r.status == 200 and r.body == want, "request %d: %r, %d bytes" % (i, r, len(r.body))
    c.close()
PY

zs_counters
requests=$(counter requests)
taken=$(counter pool_taken)
[ "$requests" -ge 90 ] || fail "the kernel carried $requests of 100 first requests from ::1, want >= 90"
[ "$taken" -ge 90 ] || fail "pool_taken $taken, want >= 90"
kmsg_check
exit 0

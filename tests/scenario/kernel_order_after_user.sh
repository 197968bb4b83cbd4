#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, order across engines: a chunked response relayed by
# userspace lies unread in the client's socket when the client sends its
# next request, which the kernel could carry. A client reads the sockmap
# queue before the TCP one, so the kernel must leave that request to
# userspace: 20 rounds of (chunked response unread, next request sent, then
# both read) see every answer in request order, byte exact.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "a kernel response overtook one relayed by userspace"
import sys, time
from rawhttp import Conn, build, pattern_bytes
c = Conn(int(sys.argv[1]))
for i in range(3):
    r = c.request("GET", "/bytes/100", host="order.localhost")
    assert r.status == 200 and r.body == pattern_bytes(100), r
for i in range(20):
    n1, n2 = 1000 + i, 2000 + i
    c.send(build("GET", "/bytes/%d?chunked=1" % n1, "order.localhost"))
    time.sleep(0.2)  # relayed, idle again, nothing read yet
    c.send(build("GET", "/bytes/%d" % n2, "order.localhost"))
    time.sleep(0.1)  # both answers queued before the first read
    r1 = c.read_response()
    r2 = c.read_response()
    assert r1.status == 200 and r1.body == pattern_bytes(n1), \
        "round %d: first answer %r with %d bytes, want the %d-byte chunked one" % (i, r1, len(r1.body), n1)
    assert r2.status == 200 and r2.body == pattern_bytes(n2), \
        "round %d: second answer %r with %d bytes, want %d" % (i, r2, len(r2.body), n2)
c.close()
PY
zs_counters
kmsg_check
exit 0

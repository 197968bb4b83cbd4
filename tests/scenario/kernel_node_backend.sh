#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine with a Node.js (libuv) backend: 100 keep-alive GETs of a
# 64 KiB body on one client connection come back byte exact, and the kernel
# carried them (counters requests >= 90).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PN=$(node_start n)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PN"

zs_python - "$ZS_PORT" <<'PY' || fail "100 GETs of 64 KiB from node"
import sys
from rawhttp import Conn, pattern_bytes
want = pattern_bytes(65536)
c = Conn(int(sys.argv[1]))
for i in range(100):
    r = c.request("GET", "/bytes/65536", host="node.test")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.header("X-Backend") == "n", "request %d: %r" % (i, r)
    assert r.body == want, "request %d: %d bytes, not the pattern" % (i, len(r.body))
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
requests=$(counter requests)
echo "access-log lines: $(wc -l <"$T/access.log")"
[ "$requests" -ge 90 ] || fail "the kernel carried $requests of 100 requests, want >= 90"
kmsg_check
exit 0

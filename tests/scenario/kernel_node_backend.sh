#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine with Node.js (libuv) backends: 100 keep-alive GETs of a
# 64 KiB body on one client connection come back byte exact, and the kernel
# carried the requests (counters requests >= 90). Node as it comes announces
# "Keep-Alive: timeout=60" (a hop-by-hop field: its responses may go
# through userspace); a Node without that field gets its responses carried
# by the kernel too (counters responses >= 90).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PN=$(node_start n)
PZ=$(node_start z 0)

# get100 NAME: 100 GETs of /bytes/65536 on one connection, from node NAME.
get100() {
	zs_python - "$ZS_PORT" "$1" <<'PY' || fail "100 GETs of 64 KiB from node $1"
import sys
from rawhttp import Conn, pattern_bytes
name = sys.argv[2]
want = pattern_bytes(65536)
c = Conn(int(sys.argv[1]))
for i in range(100):
    r = c.request("GET", "/bytes/65536", host="node.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.header("X-Backend") == name, "request %d: %r" % (i, r)
    assert r.body == want, "request %d: %d bytes, not the pattern" % (i, len(r.body))
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY
}

zs_start_kernel "/=127.0.0.1:$PN"
get100 n
zs_counters
requests=$(counter requests)
[ "$requests" -ge 90 ] || fail "node with Keep-Alive: the kernel carried $requests of 100 requests, want >= 90"
zs_kill "$ZS_PID"

zs_start_kernel "/=127.0.0.1:$PZ"
get100 z
zs_counters
requests=$(counter requests)
responses=$(counter responses)
[ "$requests" -ge 90 ] || fail "node without Keep-Alive: the kernel carried $requests of 100 requests, want >= 90"
[ "$responses" -ge 90 ] || fail "node without Keep-Alive: the kernel carried $responses of 100 responses, want >= 90"
kmsg_check
exit 0

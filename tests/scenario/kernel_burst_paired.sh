#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine: the backend connection cap and kernel pairing together.
# A keep-alive backend behind --backend-max-conns 8; 200 client connections
# in the cgroup send 3 GETs each, the first ones all at once. Clients whose
# first answer came back while no request waited in the queue get their
# backend connection paired (at most 4 at a time: half the cap) and the
# kernel carries their next requests; the others' go through the queue on
# the other connections. Paired clients never starve the queue: all 600
# answers are 200. After the burst the holds are all given back: a client
# alone gets paired again and the kernel carries its requests.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PB=$(backend_start b)
zs_start_kernel --backend-max-conns 8 "/=127.0.0.1:$PB"

zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 200 --requests 3 --path /bytes/1000 \
	>"$T/burst" 2>"$T/burst.err" || fail "burst client: $(tail -n 5 "$T/burst.err")"
expect_eq "$(cat "$T/burst")" "200 600" "statuses of 3 GETs on each of 200 connections (errors: $(sort "$T/burst.err" | uniq -c | head -n 5))"
zs_counters
before=$(counter requests)
zs_python - "$ZS_PORT" <<'PY' || fail "20 GETs on one connection after the burst"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(20):
    r = c.request("GET", "/bytes/1000", host="localhost")
    assert r.status == 200 and len(r.body) == 1000, "request %d: %r" % (i, r)
PY
zs_counters
requests=$(($(counter requests) - before))
[ "$requests" -ge 15 ] || fail "after the burst the kernel carried $requests of 20 requests, want >= 15"
kmsg_check
exit 0

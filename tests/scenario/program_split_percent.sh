#!/bin/sh
# SPDX-License-Identifier: MIT
# Routing program contrib/programs/split_percent on both engines: each of
# 120 connections, two requests each, reaches the canary backend exactly
# when (client port * 2654435761 mod 2^32) mod 100 < 10, the example's
# formula, and the stable one otherwise: the split is the program's
# decision on either engine, not a property of the engine that carried the
# request. Some of the 120 land on each side.
. "$ZS_TESTS/lib.sh"

program_need split_percent
for engine in user kernel; do
	canary_start $engine --program "$PROG"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: split by client port"
import sys
from rawhttp import Conn
port, engine = int(sys.argv[1]), sys.argv[2]
seen = {"canary": 0, "stable": 0}
for n in range(120):
    c = Conn(port)
    cport = c.sock.getsockname()[1]
    want = "canary" if (cport * 2654435761 % 2**32) % 100 < 10 else "stable"
    for i in range(2):
        r = c.request("GET", "/echo", host="localhost")
        got = r.header("X-Backend")
        assert r.status == 200 and got == want, "%s engine, port %d, request %d: %r from %r, want %r" % (
            engine, cport, i, r.status, got, want)
    seen[want] += 1
    c.close()
assert seen["canary"] > 0 and seen["stable"] > 0, "%s engine: %r" % (engine, seen)
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
exit 0

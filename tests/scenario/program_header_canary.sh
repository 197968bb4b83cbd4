#!/bin/sh
# SPDX-License-Identifier: MIT
# Routing program contrib/programs/header_canary on both engines: on
# keep-alive connections, requests with "X-Canary: 1" reach the backend of
# canary@=..., a route only programs reach, and the others the command
# line's "/" route, whatever came before on the connection; the access log
# tags the canary requests it saw "canary" and no other. On the kernel
# engine the kernel carried many of them (counters requests >= 10 of 36;
# 21 seen): with a program, every request it carries is one it asked the
# program about. A request for the other backend than the connection's
# pairing goes up, so the alternating connection gives it none.
. "$ZS_TESTS/lib.sh"

program_need header_canary
for engine in user kernel; do
	canary_start $engine --access-log "$T/access.$engine" --log-format json --program "$PROG"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: X-Canary routing"
import sys
from rawhttp import Conn
port, engine = int(sys.argv[1]), sys.argv[2]
for conn in range(3):
    c = Conn(port)
    for i in range(12):
        canary = i % 3 == 2 if conn != 1 else i % 2 == 0
        hdrs = [("X-Canary", "1")] if canary else [("X-Canary", "0")] if i % 4 == 1 else []
        r = c.request("GET", "/echo?c=%d&i=%d" % (conn, i), host="localhost", headers=hdrs)
        want = "canary" if canary else "stable"
        where = "%s engine, connection %d, request %d" % (engine, conn, i)
        assert r.status == 200, "%s: %r" % (where, r)
        assert r.header("X-Backend") == want, "%s: answered by %r, want %r" % (
            where, r.header("X-Backend"), want)
    c.close()
PY
	if [ $engine = kernel ]; then
		zs_counters
		requests=$(counter requests)
		[ "$requests" -ge 10 ] || fail "counters requests=$requests: the kernel carried fewer than 10 of 36"
		kmsg_check
	fi
	zs_stop_all
	zs_python - "$T/access.$engine" $engine <<'PY' || fail "$engine engine: access log tags"
import json, sys
from urllib.parse import urlparse, parse_qs
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "%s engine: no access log line" % sys.argv[2]
for e in lines:
    q = parse_qs(urlparse(e["path"]).query)
    conn, i = int(q["c"][0]), int(q["i"][0])
    canary = i % 3 == 2 if conn != 1 else i % 2 == 0
    assert (e.get("tag") == "canary") == canary, "%s engine: %r" % (sys.argv[2], e)
    assert e["route"].startswith("canary@") == canary, "%s engine: %r" % (sys.argv[2], e)
if sys.argv[2] == "user":
    assert len(lines) == 36, "user engine: %d lines for 36 requests" % len(lines)
PY
done
exit 0

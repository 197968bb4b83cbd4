#!/bin/sh
# SPDX-License-Identifier: MIT
# A request is decided once, on either engine: tests/programs/count tags
# each request with the number of requests it has decided so far. Requests
# go one at a time, on keep-alive connections that switch between the
# canary and the stable route; every request zeroserve logs (on the kernel
# engine, those the kernel handed up, after the program decided or not)
# carries its own ordinal as its tag, so no request was decided twice nor
# skipped. On the kernel engine the kernel both carried requests
# (counters requests) and handed some up after deciding (counters route).
. "$ZS_TESTS/lib.sh"

program_need count
for engine in user kernel; do
	canary_start $engine --access-log "$T/access.$engine" --log-format json --program "$PROG"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: requests in order"
import sys
from rawhttp import Conn
port, engine = int(sys.argv[1]), sys.argv[2]
n = 0
for conn in range(4):
    c = Conn(port)
    for i in range(10):
        n += 1
        canary = (i // 3) % 2 == 1
        r = c.request("GET", "/echo?n=%d" % n, host="localhost",
                      headers=[("X-Canary", "1")] if canary else [])
        want = "canary" if canary else "stable"
        assert r.status == 200 and r.header("X-Backend") == want, "%s engine, request %d: %r from %r" % (
            engine, n, r.status, r.header("X-Backend"))
    c.close()
PY
	if [ $engine = kernel ]; then
		zs_counters
		[ "$(counter requests)" -ge 5 ] || fail "the kernel carried $(counter requests) requests, want >= 5"
		[ "$(counter route)" -ge 5 ] || fail "the kernel handed up $(counter route) requests for their route, want >= 5"
		kmsg_check
	fi
	zs_stop_all
	zs_python - "$T/access.$engine" $engine <<'PY' || fail "$engine engine: each request decided once"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "no access log line"
for e in lines:
    n = int(e["path"].split("n=")[1])
    assert e.get("tag") == "%06d" % n, "%s engine: request %d tagged %r: %r" % (sys.argv[2], n, e.get("tag"), e)
if sys.argv[2] == "user":
    assert len(lines) == 40, "user engine: %d lines" % len(lines)
PY
done
exit 0

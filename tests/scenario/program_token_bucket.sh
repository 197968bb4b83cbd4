#!/bin/sh
# SPDX-License-Identifier: MIT
# Routing program contrib/programs/token_bucket (5 requests a second, bursts
# of 10) on both engines: of 16 back-to-back requests from one client, the
# first 10 pass and later ones get 429 once the burst is spent, no more
# passing than the bucket refilled meanwhile. The bucket is the program's
# map, seen once per request: a request decided twice (by the kernel, then
# again by userspace) would spend two tokens and refuse one of the first 10.
. "$ZS_TESTS/lib.sh"

program_need token_bucket
for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --program "$PROG" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: token bucket"
import math, sys, time
from rawhttp import Conn
port, engine = int(sys.argv[1]), sys.argv[2]
c = Conn(port)
statuses = []
t0 = time.monotonic()
for i in range(16):
    r = c.request("GET", "/echo?i=%d" % i, host="localhost")
    statuses.append(r.status)
    if r.status == 429:
        assert r.header("X-Backend") is None, "%s engine: %r" % (engine, r.headers)
elapsed = time.monotonic() - t0
c.close()
assert set(statuses) <= {200, 429}, "%s engine: %r" % (engine, statuses)
assert statuses[:10] == [200] * 10, "%s engine: the burst of 10 did not pass: %r" % (engine, statuses)
passed = statuses.count(200)
most = 10 + math.ceil(elapsed * 5) + 1
assert passed <= most, "%s engine: %d passed in %.3f s, at most %d may: %r" % (
    engine, passed, elapsed, most, statuses)
if elapsed < 0.8:
    assert statuses.count(429) > 0, "%s engine: no 429 in %.3f s: %r" % (engine, elapsed, statuses)
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
exit 0

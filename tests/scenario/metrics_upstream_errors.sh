#!/bin/sh
# SPDX-License-Identifier: MIT
# Backend failures in the metrics: 3 requests to a route whose port nothing
# listens on are 502 and zeroserve_upstream_connect_errors_total is 3; 2
# requests to a backend that answers after 2 s, with --upstream-timeout
# 300ms, are 504 and zeroserve_upstream_timeouts_total is 2; requests that
# succeed change neither; zeroserve_requests_total counts the 502s and
# 504s under their routes, code="5xx". On both engines (a request the
# kernel carries is never timed, so the slow backend has a route of its own
# that only these requests use, each on a new connection: userspace serves
# them).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	PS=$(backend_start slow)
	dead=$(zs_port)
	MP=$(zs_port)
	zs_start_on $engine --metrics "127.0.0.1:$MP" --upstream-timeout 300ms \
		"/dead=127.0.0.1:$dead" "/sleep=127.0.0.1:$PS" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" "$MP" $engine <<'PY' || fail "$engine engine: upstream errors"
import sys, time
from metrics_scrape import scrape, value
from rawhttp import Conn
port, mp, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
E, TO = "zeroserve_upstream_connect_errors_total", "zeroserve_upstream_timeouts_total"


def counts(what, errors, timeouts):
    samples, _ = scrape(mp)
    got = (value(samples, E), value(samples, TO))
    assert got == (errors, timeouts), "%s engine, %s: connect errors, timeouts %r, want %r" % (
        engine, what, got, (errors, timeouts))
    return samples


def ok(n):
    c = Conn(port)
    for i in range(n):
        r = c.request("GET", "/bytes/%d" % (10 + i), host="localhost")
        assert r.status == 200, "%s engine: GET /bytes/%d: %r" % (engine, 10 + i, r)
    c.close()


counts("at start", 0, 0)
ok(5)
counts("after 5 answers", 0, 0)
for i in range(3):
    c = Conn(port)
    r = c.request("GET", "/dead/%d" % i, host="localhost")
    assert r.status == 502, "%s engine: GET /dead/%d: %r" % (engine, i, r)
    c.close()
    counts("after %d 502s" % (i + 1), i + 1, 0)
ok(5)
counts("after 3 502s and 5 answers", 3, 0)
for i in range(2):
    c = Conn(port)
    t = time.monotonic()
    r = c.request("GET", "/sleep/2000", host="localhost")
    took = time.monotonic() - t
    assert r.status == 504, "%s engine: GET /sleep/2000 (%d): %r after %.2f s" % (engine, i, r, took)
    assert took < 1.5, "%s engine: 504 after %.2f s" % (engine, took)
    c.close()
    counts("after %d 504s" % (i + 1), 3, i + 1)
PY
	[ $engine = kernel ] && zs_counters >/dev/null
	zs_python - "$MP" $engine "$dead" "$PS" <<'PY' || fail "$engine engine: the 5xx requests"
import sys
from metrics_scrape import scrape, value
mp, engine, dead, ps = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
samples, _ = scrape(mp)
R = "zeroserve_requests_total"
for route, n in (("/dead=127.0.0.1:" + dead, 3), ("/sleep=127.0.0.1:" + ps, 2)):
    got = value(samples, R, route=route)
    assert got == n, "%s engine: route %s: %r requests, want %d" % (engine, route, got, n)
    got = value(samples, R, route=route, code="5xx", method="GET", engine="userspace")
    assert got == n, "%s engine: route %s: %r userspace GET 5xx, want %d" % (engine, route, got, n)
assert value(samples, R, code="5xx") == 5, "%s engine: %r 5xx" % (engine, value(samples, R, code="5xx"))
assert value(samples, R) == 15, "%s engine: %r requests, want 15" % (engine, value(samples, R))
PY
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0

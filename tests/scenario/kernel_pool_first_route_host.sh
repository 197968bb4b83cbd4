#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, first requests routed by Host: with routes app.localhost=A,
# api.localhost/echo=B and /=C, one-request connections with Host
# "App.LOCALHOST:8080" (A), "api.localhost" and /echo/... (B),
# "api.localhost" and /bytes/N (C) and "other.localhost" (C), in turn, each
# land on the right backend with the path they sent, on either engine; after
# two warm-up connections per kind the kernel carried at least 108 of the
# 120 (counters requests and pool_taken). A Host the guard refuses
# (evil.example) gets 403 on a new connection every time, reaches no
# backend, and the kernel carries none of those requests.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	PB=$(backend_start b)
	PC=$(backend_start c)
	zs_start_on $engine "app.localhost=127.0.0.1:$PA" "api.localhost/echo=127.0.0.1:$PB" "/=127.0.0.1:$PC"
	for phase in warm run; do
		[ $phase = run ] && [ $engine = kernel ] && before=$(zs_counters)
		zs_python - "$ZS_PORT" $phase $engine <<'PY' || fail "$engine engine, $phase: first requests by Host"
import sys
from oneshot import one
port, phase, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3]
kinds = [("App.LOCALHOST:8080", "/echo/app/%s/%d", "a"), ("api.localhost", "/echo/api/%s/%d", "b"),
         ("api.localhost", "/bytes/%d", "c"), ("other.localhost", "/echo/other/%s/%d", "c")]
rounds = 2 if phase == "warm" else 30
for i in range(rounds):
    for host, form, backend in kinds:
        target = form % (1000 + i) if form.startswith("/bytes") else form % (engine + phase, i)
        one(port, target, host=host, backend=backend)
PY
	done
	if [ $engine = kernel ]; then
		zs_counters
		requests=$(counter_rise requests "$before")
		[ "$requests" -ge 108 ] || fail "the kernel carried $requests of 120 first requests (counters requests), want >= 108"
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 108 ] || fail "pool_taken rose by $taken for 120 first requests, want >= 108"
		before=$(zs_counters)
	fi
	zs_python - "$ZS_PORT" <<'PY' || fail "$engine engine: a refused Host on new connections"
import sys
from rawhttp import Conn
for i in range(10):
    c = Conn(int(sys.argv[1]))
    r = c.request("GET", "/echo/evil/%d" % i, host="evil.example")
    assert r.status == 403, "Host evil.example, connection %d: %r" % (i, r)
    assert r.header("X-Backend") is None, "Host evil.example answered by a backend: %r" % r
    c.close()
PY
	if grep -h evil "$T"/backend-*.requests; then
		fail "$engine engine: a request with a refused Host reached a backend"
	fi
	if [ $engine = kernel ]; then
		zs_counters
		expect_eq "$(counter_rise requests "$before")" 0 "requests the kernel carried for a refused Host"
		expect_eq "$(counter_rise pool_taken "$before")" 0 "pooled connections taken for a refused Host"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, first requests routed by prefix: with routes /echo/a=A,
# /echo/b=B and /=C, one-request connections for /echo/a/..., /echo/b/...,
# /echo/ab/... (no segment of /echo/a: C) and /bytes/N (C), in turn, each
# land on the right backend with the path they sent (byte-exact for
# /bytes), on either engine; after two warm-up connections per kind, the
# kernel carried at least 108 of the 120 on a connection from the right
# backend's pool (counters requests and pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	PB=$(backend_start b)
	PC=$(backend_start c)
	zs_start_on $engine "/echo/a=127.0.0.1:$PA" "/echo/b=127.0.0.1:$PB" "/=127.0.0.1:$PC"
	for phase in warm run; do
		[ $phase = run ] && [ $engine = kernel ] && before=$(zs_counters)
		zs_python - "$ZS_PORT" $phase $engine <<'PY' || fail "$engine engine, $phase: first requests by prefix"
import sys
from oneshot import one
port, phase, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3]
kinds = [("/echo/a/%s/%d", "a"), ("/echo/b/%s/%d", "b"), ("/echo/ab/%s/%d", "c"), ("/bytes/%d", "c")]
rounds = 2 if phase == "warm" else 30
for i in range(rounds):
    for form, backend in kinds:
        target = form % (1000 + i) if form.startswith("/bytes") else form % (engine + phase, i)
        one(port, target, host="prefix.localhost", backend=backend)
PY
	done
	if [ $engine = kernel ]; then
		zs_counters
		requests=$(counter_rise requests "$before")
		[ "$requests" -ge 108 ] || fail "the kernel carried $requests of 120 first requests (counters requests), want >= 108"
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 108 ] || fail "pool_taken rose by $taken for 120 first requests, want >= 108"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

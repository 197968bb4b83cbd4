#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, first requests: a client that opens a new connection for
# every request (curl in a script: HTTP/1.1, it closes after the answer)
# has them carried by the kernel on a pooled backend connection. After two
# warm-up connections, 200 one-request connections in turn all get their
# own answer (/echo paths, byte-exact /bytes), on either engine; on the
# kernel engine the kernel carried at least 190 of them (counters requests
# and pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 2 --tag warm \
		--host pool.localhost --backend a >/dev/null || fail "$engine engine: warm-up connections"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 200 --tag $engine \
		--host pool.localhost --backend a >/dev/null || fail "$engine engine: 200 one-request connections"
	if [ $engine = kernel ]; then
		zs_counters
		requests=$(counter_rise requests "$before")
		[ "$requests" -ge 190 ] || fail "the kernel carried $requests of 200 first requests (counters requests), want >= 190"
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 190 ] || fail "pool_taken rose by $taken for 200 first requests, want >= 190"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, connections are cheap: when a client closes a connection
# whose request the kernel carried, its backend connection goes back to the
# pool (in the kernel, at the client's FIN) instead of being closed. 200
# one-request connections in turn, after two warm-up ones, use at most 10
# backend connections in all (the backend's /conns, less the test's own
# queries) on either engine; on the kernel engine the kernel put at least
# 190 back itself (counters pool_returned).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 2 --tag warm \
		--host pool.localhost --backend a >/dev/null || fail "$engine engine: warm-up connections"
	[ $engine = kernel ] && before=$(zs_counters)
	conns0=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 200 --tag $engine \
		--host pool.localhost --backend a >/dev/null || fail "$engine engine: 200 one-request connections"
	conns1=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns"
	used=$((conns1 - conns0 - 1))
	echo "$engine engine: $used backend connections for 200 client connections"
	[ "$used" -le 10 ] || fail "$engine engine: 200 one-request connections in turn opened $used backend connections, want <= 10"
	if [ $engine = kernel ]; then
		zs_counters
		returned=$(counter_rise pool_returned "$before")
		[ "$returned" -ge 190 ] || fail "the kernel put $returned of 200 backend connections back (counters pool_returned), want >= 190"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

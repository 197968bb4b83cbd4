#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, first requests that ask for "Connection: close" (wrk
# --close, Python's urllib, HTTP clients without a pool): after two warm-up
# connections, 200 such connections in turn each get their own answer
# (/echo paths, byte-exact /bytes) and then see the connection closed by
# zeroserve within 2 s, on either engine; on the kernel engine the kernel
# carried at least 190 of the 200 (counters requests and pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 2 --tag warm --style close \
		--host pool.localhost --backend a >/dev/null || fail "$engine engine: warm-up connections"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 200 --tag $engine --style close \
		--host pool.localhost --backend a >/dev/null ||
		fail "$engine engine: 200 connections with Connection: close"
	if [ $engine = kernel ]; then
		zs_counters
		requests=$(counter_rise requests "$before")
		[ "$requests" -ge 190 ] || fail "the kernel carried $requests of 200 Connection: close requests (counters requests), want >= 190"
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 190 ] || fail "pool_taken rose by $taken for 200 first requests, want >= 190"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a pool emptied by a burst: behind --backend-max-conns 16
# (the pool holds at most 8), 64 new connections send their one request at
# once and close only once all are answered. Every one gets its own answer
# (/echo paths, byte-exact /bytes) on either engine; on the kernel engine
# some found the pool empty and went up to userspace (counters pool_empty
# rose). Afterwards the pool is refilled: of 50 one-request connections in
# turn, the kernel carried at least 45 on pooled connections (pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --backend-max-conns 16 "/=127.0.0.1:$PA"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 4 --tag warm \
		--host burst.localhost --backend a >/dev/null || fail "$engine engine: warm-up connections"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 64 --concurrent --tag burst$engine \
		--host burst.localhost --backend a >/dev/null 2>"$T/burst.err" ||
		fail "$engine engine: a burst of 64 new connections: $(cat "$T/burst.err")"
	if [ $engine = kernel ]; then
		zs_counters
		empty=$(counter_rise pool_empty "$before")
		echo "burst: pool_empty rose by $empty, pool_taken by $(counter_rise pool_taken "$before")"
		[ "$empty" -ge 1 ] || fail "no first request of the burst of 64 found the pool empty (pool_empty rose by $empty)"
		before=$(cat "$T/counters")
	fi
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 50 --tag after$engine \
		--host burst.localhost --backend a >/dev/null || fail "$engine engine: 50 connections after the burst"
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 45 ] || fail "after the burst the kernel carried $taken of 50 first requests on pooled connections (pool_taken), want >= 45"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

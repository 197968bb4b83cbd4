#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine: the kernel pairs a first request only with a pool
# connection used within the last 500 ms (ZS_POOL_FRESH_MS). An older one
# may be closing at the backend as the request reaches it, and only
# userspace, which keeps the request, can send it again. One-request
# connections in quick succession are carried from the pool (pool_taken);
# one after 0.8 s idle goes up (pool_empty) and is answered, and the ones
# right after it are carried again.
. "$ZS_TESTS/lib.sh"

engine_setup kernel
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"
zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 3 --tag warm \
	--host fresh.localhost --backend a >/dev/null || fail "warm-up connections"
before=$(zs_counters)
zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 5 --tag quick \
	--host fresh.localhost --backend a >/dev/null || fail "5 connections in quick succession"
zs_counters
taken=$(counter_rise pool_taken "$before")
[ "$taken" -ge 4 ] || fail "pool_taken rose by $taken for 5 quick first requests, want >= 4"
sleep 0.8
before=$(cat "$T/counters")
zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 1 --tag idle \
	--host fresh.localhost --backend a >/dev/null || fail "a connection after 0.8 s idle"
zs_counters
[ "$(counter_rise pool_taken "$before")" -eq 0 ] ||
	fail "the kernel took a pool connection idle 0.8 s (pool_taken rose)"
[ "$(counter_rise pool_empty "$before")" -eq 1 ] ||
	fail "the first request after 0.8 s idle did not go up (pool_empty did not rise by 1)"
before=$(cat "$T/counters")
zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 5 --tag again \
	--host fresh.localhost --backend a >/dev/null || fail "5 connections after it"
zs_counters
taken=$(counter_rise pool_taken "$before")
[ "$taken" -ge 4 ] || fail "pool_taken rose by $taken for 5 quick first requests after the idle one, want >= 4"
kmsg_check
exit 0

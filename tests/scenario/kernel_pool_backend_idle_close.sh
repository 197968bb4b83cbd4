#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend that closes idle keep-alive connections (as
# nginx's keepalive_timeout 1s does): pooled backend connections die while
# they wait. One-request connections, some at once and some in turn, after
# idle gaps below, around and above the backend's 1 s timeout, all get
# their own answer: no 502, no reset, no answer meant for another request,
# on either engine. On the kernel engine, after the last gap the pool is
# usable again: the kernel carried at least 15 of 20 one-request
# connections in turn on pooled connections (counters pool_taken).
. "$ZS_TESTS/lib.sh"

BACKEND_ARGS="--keepalive-timeout 1"
for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: one-request connections across idle gaps"
import sys, threading, time
from oneshot import one
port, engine = int(sys.argv[1]), sys.argv[2]
n = [0]

def seq(k):
    for _ in range(k):
        n[0] += 1
        one(port, "/echo/%s/%d" % (engine, n[0]), host="idle.localhost", backend="a")

def burst(k):
    errors, start, done = [], threading.Barrier(k), threading.Barrier(k)
    def run(i):
        start.wait()
        try:
            one(port, "/echo/%s/burst%d-%d" % (engine, n[0], i), host="idle.localhost",
                backend="a", before_close=lambda: done.wait(15))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
            done.abort()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(k)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    n[0] += 1
    assert not errors, "burst of %d after %d requests: %s" % (k, n[0], errors[0])

burst(6)   # several connections in the pool
seq(3)
for gap in (1.3, 0.9, 1.0, 1.1, 1.6):
    time.sleep(gap)
    try:
        burst(4)
        seq(4)
    except AssertionError as e:
        raise AssertionError("after an idle gap of %.1f s: %s" % (gap, e))
PY
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 20 --tag after$engine \
		--host idle.localhost --backend a >/dev/null || fail "$engine engine: 20 connections after the gaps"
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 15 ] || fail "after the gaps the kernel carried $taken of 20 first requests on pooled connections (pool_taken), want >= 15"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

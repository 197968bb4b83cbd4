#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a client that sends its one request and shuts down its
# sending side at once (shutdown(SHUT_WR), as some scripts and netcat do),
# then reads: the client's FIN arrives while its first request is in
# flight, so its backend connection must not go back to the pool yet. 40
# such connections in turn (/echo, /bytes and /sleep/50 targets) each get
# their own whole answer, on either engine; on the kernel engine the pool
# still works afterwards: of 20 one-request connections in turn, the kernel
# carried at least 15 on pooled connections (counters pool_taken). The
# kernel takes only connections used within 500 ms (ZS_POOL_FRESH_MS), and
# the half-closes may take longer (under the sanitizers they did, and all
# 20 went up: each one's connection came back to the pool only after the
# next had asked, through userspace): one request, then zeroserve idle,
# makes the pool fresh before the 20.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: half-closing clients"
import socket, sys
from oneshot import check, one
from rawhttp import Conn, build
port, engine = int(sys.argv[1]), sys.argv[2]
for i in range(4):
    one(port, "/echo/%s/warm%d" % (engine, i), host="half.localhost", backend="a")
for i in range(40):
    target = ("/echo/%s/half%d" % (engine, i), "/bytes/%d" % (5000 + i), "/sleep/50")[i % 3]
    c = Conn(port)
    c.send(build("GET", target, "half.localhost"))
    c.sock.shutdown(socket.SHUT_WR)
    r = c.read_response()
    if target.startswith("/sleep/"):
        assert r.status == 200 and r.body == b"slept 50 ms\n", "half-closed GET %s: %r" % (target, r)
    else:
        check(r, target, "a", "half-closed GET " + target)
    c.close()
PY
	if [ $engine = kernel ]; then
		zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 1 --tag fresh \
			--host half.localhost --backend a >/dev/null || fail "kernel engine: the request that makes the pool fresh"
		zs_idle
		before=$(zs_counters)
	fi
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 20 --tag after$engine \
		--host half.localhost --backend a >/dev/null || fail "$engine engine: 20 connections after the half-closes"
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 15 ] || fail "after the half-closes the kernel carried $taken of 20 first requests on pooled connections (pool_taken), want >= 15"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

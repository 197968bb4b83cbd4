#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a client that goes away before its first answer: 20 clients
# each open a connection, send one request (/sleep/150 or /bytes/300000)
# and close at once without reading, half with a FIN and half with a reset
# (SO_LINGER 0); right after each, two one-request connections get their own
# answer, never the leftover of the request the client walked away from, on
# either engine. On the kernel engine the pool still works afterwards: of 20
# one-request connections in turn, the kernel carried at least 15 on pooled
# connections (counters pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: clients closing before their first answer"
import socket, struct, sys
from oneshot import one
from rawhttp import Conn, build
port, engine = int(sys.argv[1]), sys.argv[2]
for i in range(4):
    one(port, "/echo/%s/warm%d" % (engine, i), host="early.localhost", backend="a")
for i in range(20):
    c = Conn(port)
    c.send(build("GET", "/sleep/150" if i % 2 else "/bytes/300000", "early.localhost"))
    if i % 4 >= 2:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    for k in range(2):
        one(port, "/echo/%s/after%d-%d" % (engine, i, k), host="early.localhost", backend="a")
PY
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 20 --tag after$engine \
		--host early.localhost --backend a >/dev/null || fail "$engine engine: 20 connections after the early closes"
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 15 ] || fail "after the early closes the kernel carried $taken of 20 first requests on pooled connections (pool_taken), want >= 15"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a half-close after a request the kernel carries: on
# keep-alive connections the kernel carries, a client sends one more request
# and shuts down its sending side at once (shutdown(SHUT_WR)), then reads.
# Its FIN reaches zeroserve while the kernel still owes it that answer, and
# the answer must arrive all the same, as it does on the userspace engine
# (a half-close after a request: answer, then close): 10 such connections,
# each answer whole and then the connection closed, on either engine.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: half-close after kernel-carried requests"
import socket, sys
from oneshot import check
from rawhttp import Conn, build
port, engine = int(sys.argv[1]), sys.argv[2]
for i in range(10):
    c = Conn(port)
    for k in range(3):
        target = "/echo/%s/ka%d-%d" % (engine, i, k)
        check(c.request("GET", target, host="half.localhost"), target, "a")
    target = ("/echo/%s/last%d" % (engine, i), "/bytes/%d" % (3000 + i))[i % 2]
    c.send(build("GET", target, "half.localhost"))
    c.sock.shutdown(socket.SHUT_WR)
    check(c.read_response(), target, "a", "connection %d, GET %s after SHUT_WR" % (i, target))
    assert c.peer_closed(2.0), "connection %d still open 2 s after the last answer" % i
    c.close()
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
exit 0

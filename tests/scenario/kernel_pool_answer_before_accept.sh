#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, an answer handed up before its client is accepted: with
# --max-conns 1 held by one client, a second client's first request is
# carried by the kernel from the pool while zeroserve does not accept it;
# its chunked answer (which the kernel hands up) waits on the lent backend
# connection. Once the first client leaves, the second is accepted and gets
# its answer whole, with "Connection: close", then EOF. Before, the bytes
# read before the accept were never looked at again and the client hung.
# The user engine, same steps, for the same answers.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --max-conns 1 "/=127.0.0.1:$PA"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python - "$ZS_PORT" $engine "$ZS_PID" "$ZS_LOG" <<'PY' || fail "$engine engine: an answer ready before its client is accepted"
import os, re, signal, sys, time
from rawhttp import Conn, pattern_bytes
port, engine, pid, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]

def handed_up():
    """The kernel's count of answers handed up, from a fresh counters line."""
    n = open(log).read().count("kernel engine counters (")
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        lines = [l for l in open(log) if "kernel engine counters (" in l]
        if len(lines) > n:
            return int(re.search(r" response=(\d+)", lines[-1]).group(1))
        time.sleep(0.05)
    raise AssertionError("no counters line within 5 s of SIGUSR1")
H = "pool.localhost"
# One backend connection, lent to the pool once the answer is out.
w = Conn(port)
r = w.request("GET", "/echo/warm", host=H, headers=[("Connection", "close")])
assert r.status == 200, "warm-up: %r" % r
assert w.peer_closed(wait=2.0), "warm-up: no EOF"
w.close()
# a takes the only client slot and sends nothing.
a = Conn(port)
if engine == "kernel":
    was = handed_up()
# b waits to be accepted; its request goes to the kernel.
b = Conn(port)
b.send(b"GET /bytes/300?chunked=1 HTTP/1.1\r\nHost: " + H.encode() +
       b"\r\nConnection: close\r\n\r\n")
if engine == "kernel":
    # The answer is on its way up to zeroserve before b is accepted.
    t0 = time.monotonic()
    while handed_up() == was:
        assert time.monotonic() - t0 < 5, "the kernel did not carry b's request"
a.close()
r = b.read_response()
assert r.status == 200, "%s engine, second client: %r" % (engine, r)
assert r.body == pattern_bytes(300), "%s engine: %d bytes" % (engine, len(r.body))
assert r.header_all("Connection") == ["close"], "%s engine: Connection %r" % (engine, r.header_all("Connection"))
assert b.peer_closed(wait=2.0), "%s engine: no EOF after the answer" % engine
PY
	if [ $engine = kernel ]; then
		zs_counters
		echo "pool_taken rose by $(counter_rise pool_taken "$before"), passed response by $(counter_rise response "$before")"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

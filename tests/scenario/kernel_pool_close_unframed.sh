#!/bin/sh
# SPDX-License-Identifier: MIT
# A first request that asks for "Connection: close" and gets an answer the
# kernel hands up (chunked: no length it could carry): on either engine the
# client gets the body whole, one Connection field, "close", and then EOF.
# Before, the kernel engine relayed such an answer without "close", so a
# client with a pool (wrk) sent its next request into a connection about to
# end. On the kernel engine the kernel took the requests (pool_taken) and
# handed the answers up (passed response).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: Connection: close with chunked answers"
import sys
from rawhttp import Conn, pattern_bytes
port, engine = int(sys.argv[1]), sys.argv[2]
for i in range(30):
    n = 100 + i
    c = Conn(port)
    r = c.request("GET", "/bytes/%d?chunked=1" % n, host="pool.localhost",
                  headers=[("Connection", "close")])
    where = "%s engine, connection %d" % (engine, i)
    assert r.status == 200, "%s: %r" % (where, r)
    assert r.framing == "chunked", "%s: framing %s" % (where, r.framing)
    assert r.body == pattern_bytes(n), "%s: %d bytes" % (where, len(r.body))
    assert r.header_all("Connection") == ["close"], "%s: Connection %r" % (where, r.header_all("Connection"))
    assert c.peer_closed(wait=2.0), "%s: no EOF after the answer" % where
    c.close()
PY
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 20 ] || fail "pool_taken rose by $taken for 30 first requests, want >= 20"
		passed=$(counter_rise response "$before")
		[ "$passed" -ge "$taken" ] || fail "the kernel handed up $passed answers of $taken it carried requests for"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

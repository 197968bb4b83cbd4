#!/bin/sh
# SPDX-License-Identifier: MIT
# "Connection: close" at the end of a keep-alive connection the kernel
# carries on a pairing zeroserve made (its first request was userspace's),
# and on a HEAD request: on either engine each answer is whole, says
# "Connection: close", and EOF follows it; the backend connection serves
# the next client. On the kernel engine the kernel ended both answers with
# zeroserve's FIN (close_tails), the HEAD one on its head's last byte.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: close after keep-alive, HEAD with close"
import sys
from rawhttp import Conn, pattern_bytes
port, engine = int(sys.argv[1]), sys.argv[2]
H = "ka.localhost"
c = Conn(port)
for i in range(4):
    n = 200 + i
    hdrs = [("Connection", "close")] if i == 3 else []
    r = c.request("GET", "/bytes/%d" % n, host=H, headers=hdrs)
    where = "%s engine, request %d" % (engine, i)
    assert r.status == 200 and r.body == pattern_bytes(n), "%s: %r" % (where, r)
    if i < 3:
        assert "close" not in r.tokens("Connection"), "%s: %r" % (where, r.headers)
assert r.header_all("Connection") == ["close"], "%s engine: %r" % (engine, r.headers)
assert c.peer_closed(wait=2.0), "%s engine: no EOF after the last answer" % engine
c.close()
for i in range(3):
    c = Conn(port)
    r = c.request("HEAD", "/bytes/300", host=H, headers=[("Connection", "close")])
    assert r.status == 200 and r.body == b"", "%s engine, HEAD %d: %r" % (engine, i, r)
    assert r.header("Content-Length") == "300", "%s engine, HEAD %d: %r" % (engine, i, r.headers)
    assert r.header_all("Connection") == ["close"], "%s engine, HEAD %d: %r" % (engine, i, r.headers)
    assert c.peer_closed(wait=2.0), "%s engine, HEAD %d: no EOF" % (engine, i)
    c.close()
c = Conn(port)
r = c.request("GET", "/bytes/100", host=H)
assert r.status == 200 and r.body == pattern_bytes(100), "%s engine, after: %r" % (engine, r)
c.close()
PY
	if [ $engine = kernel ]; then
		zs_counters
		tails=$(counter_rise close_tails "$before")
		[ "$tails" -ge 2 ] || fail "close_tails rose by $tails for a keep-alive close and 3 HEAD closes, want >= 2"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

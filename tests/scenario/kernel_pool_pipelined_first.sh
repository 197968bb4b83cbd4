#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, pipelined first requests: new connections whose first
# write holds several requests (three GETs for one route; a GET for each of
# two routes; a POST whose body reads like a request line, then a GET) get
# every answer in request order, each the right one from the right backend,
# and one-request connections between them get their own answer, on either
# engine (routes /echo/b=B, /=A). On the kernel engine the pool still works
# afterwards: of 20 one-request connections in turn, the kernel carried at
# least 15 on pooled connections (counters pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	PB=$(backend_start b)
	zs_start_on $engine "/echo/b=127.0.0.1:$PB" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: pipelined first requests"
import sys
from oneshot import check, one
from rawhttp import Conn, build
port, engine = int(sys.argv[1]), sys.argv[2]
H = "pipe.localhost"
for i in range(3):
    one(port, "/echo/%s/warm%d" % (engine, i), host=H, backend="a")
    one(port, "/echo/b/%s/warm%d" % (engine, i), host=H, backend="b")
for i in range(60):
    kind = i % 3
    if kind == 0:
        plan = [("GET", "/echo/%s/p%d-1" % (engine, i), None, "a"),
                ("GET", "/bytes/%d" % (2000 + i), None, "a"),
                ("GET", "/echo/%s/p%d-3" % (engine, i), None, "a")]
    elif kind == 1:
        plan = [("GET", "/echo/b/%s/p%d-1" % (engine, i), None, "b"),
                ("GET", "/echo/%s/p%d-2" % (engine, i), None, "a")]
    else:
        plan = [("POST", "/echo/%s/p%d-post" % (engine, i), b"GET /bytes/7 HTTP/1.1\r\n\r\n", "a"),
                ("GET", "/echo/%s/p%d-2" % (engine, i), None, "a")]
    c = Conn(port)
    c.send(b"".join(build(m, t, H, body=b) for m, t, b, _ in plan))
    for k, (method, target, body, backend) in enumerate(plan):
        r = c.read_response(method)
        what = "connection %d, pipelined %d (%s %s)" % (i, k, method, target)
        check(r, target, backend, what)
        if method == "POST":
            d = r.json()
            assert (d["method"], d["body_length"]) == ("POST", len(body)), "%s: %r" % (what, d)
    c.close()
    one(port, "/echo/%s/single%d" % (engine, i), host=H, backend="a")
PY
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 20 --tag after$engine \
		--host pipe.localhost --backend a >/dev/null || fail "$engine engine: 20 connections after the pipelined ones"
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 15 ] || fail "after the pipelined connections the kernel carried $taken of 20 first requests on pooled connections (pool_taken), want >= 15"
		kmsg_check
	fi
	zs_stop_all
done
exit 0

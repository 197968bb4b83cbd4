#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, what the backend sees of a first request: one-request
# connections from 127.1.2.30 (HTTP/1.1 plain, with "Connection: close",
# HTTP/1.0; with and without a client's own X-Forwarded-For) reach the
# backend with the same request line version and field list, in order
# (Host, Accept, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host,
# Forwarded; no hop-by-hop field), whichever engine carried them: the
# kernel engine's lists equal the userspace engine's, style by style, and
# the 12 of a style equal each other. On the kernel engine, the first two
# connections of a style a moment apart to warm the pool, the kernel
# carried at least 6 of the 12 plain HTTP/1.1 ones (counters pool_taken),
# so the lists compared are the kernel's.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	for style in plain close http10 own; do
		[ $engine = kernel ] && before=$(zs_counters)
		zs_python - "$ZS_PORT" $style >"$T/heads.$engine.$style" <<'PY' || fail "$engine engine, $style: fields of first requests"
import json, sys, time
from oneshot import request_bytes
from rawhttp import Conn, build
port, style = int(sys.argv[1]), sys.argv[2]
seen = []
for i in range(12):
    c = Conn(port, source="127.1.2.30")
    target = "/echo/fw/%d" % i
    if style == "own":
        c.send(build("GET", target, "Fw.Localhost:8080",
                     headers=[("Accept", "*/*"), ("X-Forwarded-For", "10.9.8.7")]))
    else:
        c.send(request_bytes(target, "Fw.Localhost:8080", style)[:-2] + b"Accept: */*\r\n\r\n")
    r = c.read_response()
    c.close()
    if i < 2:
        # zeroserve lends the backend connection to the kernel's pool after
        # it wrote the answer: a client that comes back at once can beat it
        # (kernel_pool_one_request_conns counts those; here the fields are
        # what is tested).
        time.sleep(0.2)
    assert r.status == 200, "%s connection %d: %r" % (style, i, r)
    d = r.json()
    assert d["path"] == target, "%s connection %d: the answer is for %r" % (style, i, d["path"])
    seen.append([d["version"]] + [k.lower() + ": " + v for k, v in d["headers"]])
for i, s in enumerate(seen):
    assert s == seen[0], "%s connection %d: the backend saw\n%r\nconnection 0:\n%r" % (style, i, s, seen[0])
print(json.dumps(seen[0]))
PY
		if [ $engine = kernel ]; then
			zs_counters >/dev/null
			if [ $style = plain ]; then
				taken=$(counter_rise pool_taken "$before")
				[ "$taken" -ge 6 ] || fail "the kernel carried $taken of the 12 plain first requests (pool_taken), want >= 6"
			fi
			expect_eq "$(cat "$T/heads.kernel.$style")" "$(cat "$T/heads.user.$style")" \
				"$style first requests: what the backend saw from the kernel engine (userspace's on the right)"
		fi
	done
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
cat "$T"/heads.user.*
exit 0

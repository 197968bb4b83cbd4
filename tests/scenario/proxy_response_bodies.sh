#!/bin/sh
# SPDX-License-Identifier: MIT
# Response bodies framed by Content-Length, chunked and close-delimited
# arrive byte exact, from 0 bytes to 3 MiB.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

for n in 0 1 1000 65536 1000003 3145728; do
	want=$(pattern_sha256 $n)
	for mode in length chunked close; do
		case $mode in
		length) q= ;;
		chunked) q='?chunked=1' ;;
		close) q='?close=1' ;;
		esac
		code=$(zs_req "/bytes/$n$q") || fail "GET /bytes/$n$q: curl failed"
		expect_eq "$code" 200 "GET /bytes/$n$q status"
		expect_eq "$(wc -c <"$T/body" | tr -d ' ')" $n "GET /bytes/$n$q length"
		expect_eq "$(sha256sum <"$T/body" | cut -d' ' -f1)" "$want" "GET /bytes/$n$q sha256"
	done
done

# The same on one raw keep-alive connection: framing must be valid for the
# client, and after a close-delimited upstream body zeroserve either keeps
# the connection (it re-framed the body) or closes it, never garbles it.
zs_python - "$ZS_PORT" <<'PY' || fail "raw response framing"
import sys
from rawhttp import Conn, pattern_bytes
port = int(sys.argv[1])
c = Conn(port)
for n in (0, 70000):
    for q in ("", "?chunked=1", "?close=1"):
        if c.eof:
            c = Conn(port)
        r = c.request("GET", "/bytes/%d%s" % (n, q))
        assert r.status == 200, r
        assert r.body == pattern_bytes(n), "/bytes/%d%s: body differs (%d bytes, %s)" % (n, q, len(r.body), r.framing)
        if r.framing == "close":
            assert c.eof, "close-delimited body but connection open"
PY
exit 0

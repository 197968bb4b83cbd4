#!/bin/sh
# SPDX-License-Identifier: MIT
# Chunked request bodies (0 B, 1 KiB, 5 MiB) reach the backend byte exact,
# framed once (chunked or Content-Length, never both).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

: >"$T/0"
head -c 1024 /dev/urandom >"$T/1024"
head -c 5242880 /dev/urandom >"$T/5242880"
for n in 0 1024 5242880; do
	sum=$(sha256sum <"$T/$n" | cut -d' ' -f1)
	code=$(zs_req /echo/chunked -H 'Expect:' -H 'Transfer-Encoding: chunked' \
		--data-binary "@$T/$n") || fail "chunked $n bytes: curl failed"
	expect_eq "$code" 200 "chunked $n bytes: status"
	expect_eq "$(json_get "$T/body" 'd["body_length"]')" $n "chunked $n bytes: length at the backend"
	expect_eq "$(json_get "$T/body" 'd["body_sha256"]')" "$sum" "chunked $n bytes: sha256 at the backend"
	te=$(echo_header "$T/body" Transfer-Encoding)
	cl=$(echo_header "$T/body" Content-Length)
	[ -z "$te" ] || [ -z "$cl" ] || fail "chunked $n bytes: backend got both Transfer-Encoding ($te) and Content-Length ($cl)"
	[ -n "$te$cl" ] || fail "chunked $n bytes: backend got neither Transfer-Encoding nor Content-Length"
done

# A raw chunked body in odd pieces, with a chunk extension and a trailer,
# followed by a second request on the same connection.
zs_python - "$ZS_PORT" <<'PY' || fail "raw chunked upload failed"
import hashlib, sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
body = bytes(range(256)) * 40 + b"tail"
c.send(b"POST /echo/raw HTTP/1.1\r\nHost: up.localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
pos = 0
for size in (1, 300, 4096, 17, len(body)):
    piece = body[pos:pos + size]
    pos += len(piece)
    if piece:
        c.send(b"%x;ext=1\r\n" % len(piece) + piece + b"\r\n")
c.send(b"0\r\nX-Trailer: t\r\n\r\n")
r = c.read_response()
assert r.status == 200, r
d = r.json()
assert d["body_length"] == len(body), d
assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), d
r = c.request("GET", "/echo/after")
assert r.status == 200 and r.json()["path"] == "/echo/after", r
PY
exit 0

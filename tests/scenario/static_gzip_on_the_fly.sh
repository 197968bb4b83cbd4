#!/bin/sh
# SPDX-License-Identifier: MIT
# Text over the threshold is gzipped on the fly for clients that accept it:
# a small (cached) file with a Content-Length, a large one streamed chunked
# (HTTP/1.1) or close-delimited (HTTP/1.0); both decompress to the file,
# with Vary: Accept-Encoding. A tiny file is sent as is.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
$PYTHON -c 'import sys
for i in range(400): sys.stdout.write("line %d: the quick brown fox\n" % i)' >"$T/root/small.txt"
$PYTHON -c 'import sys
for i in range(200000): sys.stdout.write("{\"n\": %d, \"v\": \"value %d\"}\n" % (i, i * 7))' \
	>"$T/root/big.json"
printf 'tiny\n' >"$T/root/tiny.txt"
zs_start "$T/root"

gz_check() { # PATH [CURL ARGS]
	_p=$1
	shift
	code=$(zs_req "$_p" -H 'Accept-Encoding: gzip' "$@") || fail "GET $_p: curl failed"
	expect_eq "$code" 200 "status of $_p"
	expect_eq "$(resp_header Content-Encoding)" gzip "Content-Encoding of $_p"
	expect_eq "$(resp_header Vary)" Accept-Encoding "Vary of $_p"
	gzip -dc <"$T/body" >"$T/plain" || fail "$_p: not gzip"
	cmp -s "$T/plain" "$T/root$_p" || fail "$_p: decompressed body differs"
	[ "$(wc -c <"$T/body")" -lt "$(wc -c <"$T/root$_p")" ] || fail "$_p: not smaller"
}
gz_check /small.txt
expect_eq "$(resp_header Content-Length)" "$(wc -c <"$T/body" | tr -d ' ')" "Content-Length of gzipped small.txt"
gz_check /big.json
expect_eq "$(resp_header Transfer-Encoding)" chunked "Transfer-Encoding of big.json"
gz_check /big.json --http1.0
expect_eq "$(resp_header Connection)" close "Connection of big.json to HTTP/1.0"

# Without Accept-Encoding: identity, still Vary.
code=$(zs_req /big.json) || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding without Accept-Encoding"
expect_eq "$(resp_header Vary)" Accept-Encoding "Vary without Accept-Encoding"
cmp -s "$T/body" "$T/root/big.json" || fail "identity big.json differs"
code=$(zs_req /tiny.txt -H 'Accept-Encoding: gzip') || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding of a tiny file"

# The streamed response keeps the connection usable (chunked framing right).
zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive after a streamed gzip body"
import sys, gzip
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for _ in range(3):
    r = c.request("GET", "/big.json", headers=[("Accept-Encoding", "gzip")])
    assert r.status == 200 and r.framing == "chunked", r
    assert gzip.decompress(r.body).startswith(b'{"n": 0,'), r
r = c.request("GET", "/tiny.txt")
assert r.status == 200 and r.body == b"tiny\n", r
PY
exit 0

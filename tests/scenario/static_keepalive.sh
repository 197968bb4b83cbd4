#!/bin/sh
# SPDX-License-Identifier: MIT
# Many static answers on one connection (200, 304, 206, 404, 301, HEAD, a
# large sendfile body, pipelined requests): all in order, the connection
# stays open; one access-log line each with status and bytes.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/sub"
printf 'small\n' >"$T/root/a.txt"
head -c 700000 /dev/urandom >"$T/root/big.bin"
zs_start --access-log "$T/access.log" "$T/root"

zs_python - "$ZS_PORT" "$T/root/big.bin" <<'PY' || fail "keep-alive"
import sys
from rawhttp import Conn, build
big = open(sys.argv[2], "rb").read()
c = Conn(int(sys.argv[1]))
r = c.request("GET", "/a.txt")
assert r.status == 200 and r.body == b"small\n", r
etag = r.header("ETag")
r = c.request("GET", "/a.txt", headers=[("If-None-Match", etag)])
assert r.status == 304 and r.body == b"", r
r = c.request("GET", "/big.bin")
assert r.status == 200 and r.body == big, "big.bin: %d bytes" % len(r.body)
r = c.request("GET", "/a.txt", headers=[("Range", "bytes=1-2")])
assert r.status == 206 and r.body == b"ma", r
r = c.request("GET", "/nope")
assert r.status == 404, r
r = c.request("GET", "/sub")
assert r.status == 301, r
r = c.request("HEAD", "/big.bin")
assert r.status == 200 and r.body == b"", r
# Pipelined: three requests in one write.
c.send(build("GET", "/big.bin") + build("GET", "/a.txt") + build("HEAD", "/a.txt"))
r1 = c.read_response()
r2 = c.read_response()
r3 = c.read_response("HEAD")
assert r1.body == big and r2.body == b"small\n" and r3.status == 200, (r1, r2, r3)
assert not c.peer_closed(0.3), "connection closed"
PY
n=$(wc -l <"$T/access.log")
expect_eq "$n" 10 "access-log lines"
grep -Eq ' 200 700000( |$)' "$T/access.log" ||
	fail "no 200 line with 700000 bytes: $(cat "$T/access.log")"
exit 0

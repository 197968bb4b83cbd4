#!/bin/sh
# SPDX-License-Identifier: MIT
# A range starting past the end (or a zero suffix) is 416 with
# Content-Range: bytes */SIZE; a malformed Range header is ignored (200).
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf '0123456789' >"$T/root/f.txt"
head -c 300000 /dev/zero >"$T/root/big.bin"
zs_start "$T/root"

for r in 10-20 100- -0; do
	code=$(zs_req /f.txt -H "Range: bytes=$r") || fail "curl failed"
	expect_eq "$code" 416 "status of bytes=$r"
	expect_eq "$(resp_header Content-Range)" 'bytes */10' "Content-Range of bytes=$r"
done
code=$(zs_req /big.bin -H "Range: bytes=300000-") || fail "curl failed"
expect_eq "$code" 416 "status of a large file past its end"
expect_eq "$(resp_header Content-Range)" 'bytes */300000' "Content-Range of the large file"
for r in 'bytes=5-2' 'bytes=abc' 'items=0-1'; do
	code=$(zs_req /f.txt -H "Range: $r") || fail "curl failed"
	expect_eq "$code" 200 "status of malformed '$r'"
	expect_eq "$(cat "$T/body")" 0123456789 "body of malformed '$r'"
done
# The connection goes on after a 416.
zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive after 416"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
r = c.request("GET", "/f.txt", headers=[("Range", "bytes=50-")])
assert r.status == 416, r
r = c.request("GET", "/f.txt")
assert r.status == 200 and r.body == b"0123456789", r
PY
exit 0

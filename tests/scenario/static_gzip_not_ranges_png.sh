#!/bin/sh
# SPDX-License-Identifier: MIT
# No compression for ranges (206 of the identity bytes) or for types that
# are compressed already (png), even when the client accepts gzip; --no-gzip
# turns on-the-fly compression off.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
head -c 200000 /dev/zero >"$T/root/img.png"
$PYTHON -c 'import sys
sys.stdout.write("abcdefghij" * 20000)' >"$T/root/text.txt"
zs_start "$T/root"

code=$(zs_req /img.png -H 'Accept-Encoding: gzip') || fail "curl failed"
expect_eq "$code" 200 "status of img.png"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding of png"
cmp -s "$T/body" "$T/root/img.png" || fail "png body differs"
code=$(zs_req /text.txt -H 'Accept-Encoding: gzip' -H 'Range: bytes=10-19') || fail "curl failed"
expect_eq "$code" 206 "status of a range with Accept-Encoding"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding of a range"
expect_eq "$(cat "$T/body")" abcdefghij "range body"
# Control: the same file without Range is compressed.
code=$(zs_req /text.txt -H 'Accept-Encoding: gzip') || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" gzip "Content-Encoding without Range"

zs_kill "$ZS_PID"
zs_start --no-gzip "$T/root"
code=$(zs_req /text.txt -H 'Accept-Encoding: gzip') || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding with --no-gzip"
cmp -s "$T/body" "$T/root/text.txt" || fail "body with --no-gzip differs"
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
# Last-Modified is the file's mtime; If-Modified-Since at or after it is 304,
# before it 200.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'dated\n' >"$T/root/f.txt"
touch -d '2024-03-01 12:00:00 UTC' "$T/root/f.txt"
zs_start "$T/root"

code=$(zs_req /f.txt) || fail "GET: curl failed"
expect_eq "$(resp_header Last-Modified)" 'Fri, 01 Mar 2024 12:00:00 GMT' "Last-Modified"
code=$(zs_req /f.txt -H 'If-Modified-Since: Fri, 01 Mar 2024 12:00:00 GMT') || fail "curl failed"
expect_eq "$code" 304 "status, same date"
[ -s "$T/body" ] && fail "304 with a body"
code=$(zs_req /f.txt -H 'If-Modified-Since: Sat, 02 Mar 2024 00:00:00 GMT') || fail "curl failed"
expect_eq "$code" 304 "status, later date"
code=$(zs_req /f.txt -H 'If-Modified-Since: Thu, 29 Feb 2024 00:00:00 GMT') || fail "curl failed"
expect_eq "$code" 200 "status, earlier date"
expect_eq "$(cat "$T/body")" dated "body"
code=$(zs_req /f.txt -H 'If-Modified-Since: garbage') || fail "curl failed"
expect_eq "$code" 200 "status, unparsable date"
exit 0
